/**
 * Output of `entra-token token`: the bare token, our JSON, or the JSON that `az account
 * get-access-token` and `databricks auth token` print, so scripts written for them keep working.
 * Kept free of heavy imports: it is on the cache-hit path.
 */
import type { CachedAccount, CachedToken } from '../io/token-cache.js';

export const TOKEN_FORMATS = ['token', 'json', 'az', 'databricks'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** az's `expiresOn`: local time, `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function azLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

/** Go's time.Time JSON (RFC 3339 with the local offset), as `databricks auth token` prints `expiry`. */
export function rfc3339Local(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = off === 0 ? 'Z' : `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${tz}`;
}

/** The text printed on stdout (with its newline). */
export function formatToken(
  format: TokenFormat,
  t: CachedToken,
  a: CachedAccount,
  source: 'cache' | 'refresh',
  now: number,
  env: Record<string, string | undefined>,
): string {
  switch (format) {
    case 'token':
      return `${t.access_token}\n`;
    case 'az':
      return `${JSON.stringify(
        {
          accessToken: t.access_token,
          expiresOn: azLocalTime(t.expires_at),
          expires_on: Math.floor(t.expires_at / 1000),
          subscription: env.AZURE_SUBSCRIPTION_ID ?? env.ARM_SUBSCRIPTION_ID ?? null,
          tenant: a.tid ?? null,
          tokenType: t.token_type,
        },
        null,
        2,
      )}\n`;
    case 'databricks':
      return `${JSON.stringify({ access_token: t.access_token, token_type: t.token_type, expiry: rfc3339Local(t.expires_at) }, null, 2)}\n`;
    case 'json':
      return `${JSON.stringify(
        {
          token_type: t.token_type,
          access_token: t.access_token,
          expires_on: new Date(t.expires_at).toISOString(),
          expires_in: Math.max(0, Math.floor((t.expires_at - now) / 1000)),
          scope: t.granted.join(' '),
          resource: t.resource,
          account: { home_account_id: a.account, username: a.username ?? null, name: a.name ?? null, oid: a.oid ?? null, tid: a.tid ?? null },
          authority: a.authority,
          client_id: a.client_id,
          source,
        },
        null,
        2,
      )}\n`;
  }
}
