/**
 * A request as the curl command the documentation would write, secrets replaced by shell variables
 * (`"code=$CODE"`), so a transcript can be replayed without ever containing a secret.
 */
import type { WireRequest } from './wire.js';

/** Form fields and headers whose values are secrets, with the shell variable that stands for each. */
export const SECRET_FIELDS: Readonly<Record<string, string>> = {
  client_secret: 'CLIENT_SECRET',
  password: 'PASSWORD',
  code: 'CODE',
  code_verifier: 'CODE_VERIFIER',
  refresh_token: 'REFRESH_TOKEN',
  access_token: 'ACCESS_TOKEN',
  id_token: 'ID_TOKEN',
  client_assertion: 'CLIENT_ASSERTION',
  device_code: 'DEVICE_CODE',
};

export const SECRET_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'AUTHORIZATION',
  cookie: 'COOKIE',
  'x-databricks-azure-sp-management-token': 'SP_MANAGEMENT_TOKEN',
  'proxy-authorization': 'PROXY_AUTHORIZATION',
};

/** Single-quote for POSIX shells. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\-.,:/@%+=]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Render one request as a curl command (multi-line, `\` continued). Secret values become `$VARS`. */
export function toCurl(req: WireRequest): { command: string; variables: string[] } {
  const vars = new Set<string>();
  const lines = [`curl -sS -X ${req.method} ${shellQuote(req.url)}`];
  for (const [name, value] of Object.entries(req.headers)) {
    const v = SECRET_HEADERS[name.toLowerCase()];
    if (v) {
      vars.add(v);
      const scheme = /^(Bearer|Basic) /i.exec(value)?.[1];
      lines.push(`  -H "${name}: ${scheme ? `${scheme} ` : ''}$${v}"`);
    } else {
      lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
    }
  }
  for (const [k, value] of req.form ?? []) {
    const v = SECRET_FIELDS[k];
    if (v) {
      vars.add(v);
      lines.push(`  --data-urlencode "${k}=$${v}"`);
    } else {
      lines.push(`  --data-urlencode ${shellQuote(`${k}=${value}`)}`);
    }
  }
  if (req.body !== undefined) lines.push(`  --data ${shellQuote(req.body)}`);
  return { command: lines.join(' \\\n'), variables: [...vars] };
}
