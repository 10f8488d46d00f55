/**
 * A request as the curl command the documentation would write, secrets replaced by shell variables
 * (`code@<(printf '%s' "$CODE")`), so a transcript can be replayed without ever containing a secret, and
 * replaying it puts no secret on a command line another local user could read.
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

/**
 * Where curl reads a variable's value from: a bash process substitution (`/dev/fd/N`) fed by the `printf`
 * builtin, so the value is in no process's argv (`ps`, `/proc/PID/cmdline`), not even curl's.
 */
function fromVariable(v: string, format = '%s'): string {
  return `<(printf '${format}' "$${v}")`;
}

/**
 * Render one request as a curl command (multi-line, `\` continued). Secret values become `$VARS` that reach
 * curl through a file descriptor (`-H @file`, `--data-urlencode name@file`), never on its command line.
 */
export function toCurl(req: WireRequest, opts: CurlOptions = {}): { command: string; variables: string[] } {
  const vars = new Set<string>();
  let url = req.url;
  // secrets in a query string (rare on the back channel) leave the URL and come from a file descriptor:
  // with -G (no body) or --url-query (curl 7.87 and later) they are added back to the query
  const querySecrets: string[] = [];
  const q = url.indexOf('?');
  if (q >= 0) {
    const kept: string[] = [];
    for (const p of url.slice(q + 1).split('&')) {
      const k = p.split('=')[0]!;
      let name: string;
      try {
        name = decodeURIComponent(k);
      } catch {
        name = k;
      }
      const v = variableFor(name, opts);
      if (!v) {
        kept.push(p);
        continue;
      }
      vars.add(v);
      querySecrets.push(`${encodeURIComponent(name)}@${fromVariable(v)}`);
    }
    if (querySecrets.length) url = kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
  }
  const hasBody = (req.form?.length ?? 0) > 0 || req.body !== undefined;
  let urlQuoted = shellQuote(url);
  // --redact-pii: the username in the user realm path (docs/protocol.md §2.3) becomes ${USERNAME} (personal
  // data, not a secret: it may stay on the command line)
  if (opts.pii && USER_REALM_PATH.test(url)) {
    vars.add('USERNAME');
    const plain = url.replace(/[$`"\\]/g, (c) => `\\${c}`);
    urlQuoted = `"${plain.replace(USER_REALM_PATH, (_a, pre: string) => `${pre}\${USERNAME}`)}"`;
  }
  const lines = [`curl -sS -X ${req.method} ${urlQuoted}`];
  for (const [name, value] of Object.entries(req.headers)) {
    const v = SECRET_HEADERS[name.toLowerCase()];
    if (v) {
      vars.add(v);
      const scheme = /^(Bearer|Basic) /i.exec(value)?.[1];
      lines.push(
        `  -H @${fromVariable(v, `${name.replace(/[^A-Za-z0-9-]/g, '')}: ${scheme ? `${scheme} ` : ''}%s\\n`)}`,
      );
    } else if (opts.pii && name.toLowerCase() === 'x-anchormailbox' && /^UPN:/i.test(value)) {
      // the routing hint names the user (docs/protocol.md §2.9): its kind stays, who becomes $USERNAME
      vars.add('USERNAME');
      lines.push(`  -H "${name}: ${/^UPN:\s*/i.exec(value)![0]}$USERNAME"`);
    } else {
      lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
    }
  }
  if (querySecrets.length && !hasBody) lines.push('  -G');
  for (const s of querySecrets) lines.push(`  ${hasBody ? '--url-query' : '--data-urlencode'} ${s}`);
  for (const [k, value] of req.form ?? []) {
    const v = variableFor(k, opts);
    if (v) {
      vars.add(v);
      // curl takes the name as it is (already encoded) and encodes the value it reads
      lines.push(`  --data-urlencode ${encodeURIComponent(k)}@${fromVariable(v)}`);
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
    '# each secret reaches curl through <(printf …), a file descriptor: never on a command line (ps)',
    'set -euo pipefail',
  ];
  for (const v of vars) {
    const value = opts.values?.[v];
    if (value !== undefined) lines.push(`${v}=\${${v}:-${shellQuote(value)}}`);
    else lines.push(`: "\${${v}:?set ${v} to ${VARIABLE_HELP[v] ?? 'its value'}}"`);
  }
  return `${lines.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}
