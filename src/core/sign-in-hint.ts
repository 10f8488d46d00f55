/**
 * The one builder of the "sign in again" command that hints name (an expired refresh token, an empty
 * cache, a timed-out device code, MFA the password grant cannot do). A provider found by discovery is
 * named by `--issuer`, an Entra authority by `--authority`, nothing known by `--tenant <tenant>`.
 */
// No imports: the token cache-hit path of `entra-token token` builds hints too.

export interface SignInTarget {
  /** The authority URL (`{origin}/{tenant}`), or the issuer of a provider found by discovery. */
  authority?: string | undefined;
  /** Set for a provider found by discovery: then `--issuer` is named. */
  issuer?: string | undefined;
  client_id?: string | undefined;
  /** Non-OIDC scopes to repeat (`--scope` each); OIDC scopes are the command's default anyway. */
  scopes?: readonly string[] | undefined;
  /** Default `login`. */
  command?: 'login' | 'device-code' | undefined;
  /** A claims request (JSON) the sign-in must carry: `--claims '…'` (docs/protocol.md §15). */
  claims?: string | undefined;
}

/** Quote a value for a POSIX shell, so a printed command can be pasted as is. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

const OIDC = new Set(['openid', 'profile', 'email', 'offline_access']);

/** `entra-token login --authority … --client-id …[ --scope …]`. */
export function signInAgainCommand(t: SignInTarget): string {
  const parts = [`entra-token ${t.command ?? 'login'}`];
  if (t.issuer !== undefined) parts.push(`--issuer ${t.issuer}`);
  else parts.push(t.authority ? `--authority ${t.authority}` : '--tenant <tenant>');
  parts.push(`--client-id ${t.client_id || '<client-id>'}`);
  for (const s of t.scopes ?? []) if (!OIDC.has(s.toLowerCase())) parts.push(`--scope ${s}`);
  if (t.claims !== undefined) parts.push(`--claims ${shellQuote(t.claims)}`);
  return parts.join(' ');
}
