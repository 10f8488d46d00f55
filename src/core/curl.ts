/**
 * A request as the curl command the documentation would write, secrets replaced by shell variables
 * (`"code=$CODE"`), so a transcript can be replayed without ever containing a secret.
 */
import { isPiiName, isSecretName, redactBody, SECRET_FIELDS, SECRET_HEADERS } from './redact.js';
import type { WireRequest } from './wire.js';

export { SECRET_FIELDS, SECRET_HEADERS } from './redact.js';

/** What each variable stands for (the script's comments and `:?` messages). */
export const VARIABLE_HELP: Readonly<Record<string, string>> = {
  CLIENT_SECRET: 'the client secret of the app registration',
  PASSWORD: "the user's password",
  CODE: 'the authorization code from the redirect (?code=…); it can be redeemed once, within minutes',
  CODE_VERIFIER: 'the PKCE code_verifier of the sign-in that produced the code',
  REFRESH_TOKEN: 'a refresh token',
  ACCESS_TOKEN: 'an access token',
  ID_TOKEN: 'an id token',
  CLIENT_ASSERTION: 'a signed client assertion JWT (certificate credential)',
  DEVICE_CODE: 'the device_code from the devicecode response',
  AUTHORIZATION: 'the bearer token (an access token for the resource)',
  COOKIE: 'the cookies',
  SP_MANAGEMENT_TOKEN: 'an access token for https://management.core.windows.net/',
  PROXY_AUTHORIZATION: 'the proxy credentials',
  USERNAME: 'the user name (UPN)',
};

const USER_REALM_PATH = /(\/userrealm\/)[^/?#]+/i;

export interface CurlOptions {
  /** Also turn personal data (username, login_hint) into variables. */
  pii?: boolean | undefined;
}

/** Single-quote for POSIX shells. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\-.,:/@%+=]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function variableFor(name: string, opts: CurlOptions): string | undefined {
  const lower = name.toLowerCase();
  if (SECRET_FIELDS[lower]) return SECRET_FIELDS[lower];
  if (isSecretName(lower)) return lower.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  if (opts.pii && isPiiName(lower))
    return lower === 'login_hint' || lower === 'username' ? 'USERNAME' : lower.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return undefined;
}

/** Render one request as a curl command (multi-line, `\` continued). Secret values become `$VARS`. */
export function toCurl(req: WireRequest, opts: CurlOptions = {}): { command: string; variables: string[] } {
  const vars = new Set<string>();
  let url = req.url;
  let urlQuoted: string;
  // secrets in a query string (rare on the back channel) become "${VAR}" inside a double-quoted URL
  const q = url.indexOf('?');
  if (
    q >= 0 &&
    url
      .slice(q + 1)
      .split('&')
      .some((p) => variableFor(decodeURIComponent(p.split('=')[0]!), opts))
  ) {
    const parts = url
      .slice(q + 1)
      .split('&')
      .map((p) => {
        const [k] = p.split('=');
        const v = variableFor(decodeURIComponent(k!), opts);
        if (!v) return p.replace(/[$`"\\]/g, (c) => `\\${c}`);
        vars.add(v);
        return `${k}=\${${v}}`;
      });
    url = `${url.slice(0, q).replace(/[$`"\\]/g, (c) => `\\${c}`)}?${parts.join('&')}`;
    urlQuoted = `"${url}"`;
  } else {
    urlQuoted = shellQuote(url);
  }
  // --redact-pii: the username in the user realm path (docs/protocol.md §2.3) becomes ${USERNAME} too
  if (opts.pii && USER_REALM_PATH.test(req.url)) {
    vars.add('USERNAME');
    const plain = urlQuoted.startsWith('"') ? url : url.replace(/[$`"\\]/g, (c) => `\\${c}`);
    urlQuoted = `"${plain.replace(USER_REALM_PATH, (_a, pre: string) => `${pre}\${USERNAME}`)}"`;
  }
  const lines = [`curl -sS -X ${req.method} ${urlQuoted}`];
  for (const [name, value] of Object.entries(req.headers)) {
    const v = SECRET_HEADERS[name.toLowerCase()];
    if (v) {
      vars.add(v);
      const scheme = /^(Bearer|Basic) /i.exec(value)?.[1];
      lines.push(`  -H "${name}: ${scheme ? `${scheme} ` : ''}$${v}"`);
    } else if (opts.pii && name.toLowerCase() === 'x-anchormailbox' && /^UPN:/i.test(value)) {
      // the routing hint names the user (docs/protocol.md §2.9): its kind stays, who becomes $USERNAME
      vars.add('USERNAME');
      lines.push(`  -H "${name}: ${/^UPN:\s*/i.exec(value)![0]}$USERNAME"`);
    } else {
      lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
    }
  }
  for (const [k, value] of req.form ?? []) {
    const v = variableFor(k, opts);
    if (v) {
      vars.add(v);
      lines.push(`  --data-urlencode "${k}=$${v}"`);
    } else {
      lines.push(`  --data-urlencode ${shellQuote(`${k}=${value}`)}`);
    }
  }
  if (req.body !== undefined) {
    // a raw body is never expected to carry a secret; if it does, it is redacted rather than printed
    lines.push(`  --data ${shellQuote(redactBody(req.body, req.headers['content-type'] ?? '', opts))}`);
  }
  return { command: lines.join(' \\\n'), variables: [...vars] };
}

export interface ScriptEntry {
  request: WireRequest;
  /** The step the request belongs to ("Redeem code"). */
  step?: string | undefined;
  /** What the original request got, for a comment (`# original answer: 200`). */
  status?: number | undefined;
}

/**
 * A bash script replaying the requests: it checks that each variable is set (`: "${CODE:?…}"`),
 * or, when `values` are given (--trace-secrets), assigns them as defaults.
 */
export function toCurlScript(
  entries: ScriptEntry[],
  opts: CurlOptions & { values?: Record<string, string>; title?: string } = {},
): string {
  const vars = new Set<string>();
  const blocks: string[] = [];
  for (const e of entries) {
    const c = toCurl(e.request, opts);
    c.variables.forEach((v) => vars.add(v));
    const head = [
      e.step ? `# ${e.step}` : undefined,
      e.status !== undefined ? `# original answer: HTTP ${e.status}` : undefined,
    ].filter(Boolean);
    blocks.push([...head, c.command, 'echo'].join('\n'));
  }
  const lines = [
    '#!/usr/bin/env bash',
    `# ${opts.title ?? 'entra-token: curl equivalent of the requests sent'} (secrets are shell variables)`,
    'set -euo pipefail',
  ];
  for (const v of vars) {
    const value = opts.values?.[v];
    if (value !== undefined) lines.push(`${v}=\${${v}:-${shellQuote(value)}}`);
    else lines.push(`: "\${${v}:?set ${v} to ${VARIABLE_HELP[v] ?? 'its value'}}"`);
  }
  return `${lines.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}
