/**
 * How token-cache entries are keyed and matched (pure; no files). An access token is issued for one
 * resource, so entries are matched by resource, not by the literal scope string:
 *
 * - A scope `R/p` names resource `R` and permission `p` (`R` may be a GUID, `https://host` or `api://…`);
 *   a bare permission (`User.Read`) is Graph's, as Entra reads it. Known aliases collapse
 *   (`https://graph.microsoft.com` ≡ `00000003-0000-0000-c000-000000000000`), case and a trailing slash
 *   are ignored. OIDC scopes (openid, profile, email, offline_access) never take part.
 * - A request matches an entry of the same resource when every requested permission is `.default` or is
 *   among the permissions the entry was requested with or granted (the response's `scope`).
 *   So `2ff814a6-…/.default` matches an entry whose granted scope is `2ff814a6-…/user_impersonation`,
 *   and `User.Read` matches an entry granted `https://graph.microsoft.com/User.Read openid profile`.
 * - A request spanning two resources matches nothing (Entra would refuse it too).
 */
// One import only, core/clouds (a data module that imports nothing): this module is on the cache-hit path of
// `entra-token token`, where every module costs.
import { AZURE_DATABRICKS_SCOPE, CLOUDS, MICROSOFT_GRAPH_APP_ID } from './clouds.js';

/** The Azure Databricks default scope. */
export const DATABRICKS_DEFAULT_SCOPE = AZURE_DATABRICKS_SCOPE;
/** Entra authority host of the public cloud. */
export const PUBLIC_AUTHORITY_HOST = CLOUDS.public.authorityHost;

export const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

const MANAGEMENT_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
const RESOURCE_ALIASES: Record<string, string> = {
  'https://graph.microsoft.com': MICROSOFT_GRAPH_APP_ID,
  'https://graph.microsoft.us': MICROSOFT_GRAPH_APP_ID,
  'https://microsoftgraph.chinacloudapi.cn': MICROSOFT_GRAPH_APP_ID,
  'https://management.core.windows.net': MANAGEMENT_APP_ID,
  'https://management.azure.com': MANAGEMENT_APP_ID,
  'https://management.core.usgovcloudapi.net': MANAGEMENT_APP_ID,
  'https://management.core.chinacloudapi.cn': MANAGEMENT_APP_ID,
};

/** The canonical resource key: lower case, no trailing slash, known URIs replaced by their app id. */
export function canonicalResource(resource: string): string {
  const r = resource.trim().toLowerCase().replace(/\/+$/, '');
  return RESOURCE_ALIASES[r] ?? r;
}

export interface ParsedScope {
  resource: string;
  permission: string;
}

/** Split one scope into canonical resource and permission (lower case). */
export function parseScope(scope: string): ParsedScope {
  const s = scope.trim();
  const slash = s.lastIndexOf('/');
  if (slash <= 0) return { resource: MICROSOFT_GRAPH_APP_ID, permission: s.toLowerCase() };
  let resource = s.slice(0, slash);
  let permission = s.slice(slash + 1);
  if (permission === '') {
    // `https://management.core.windows.net//.default` style: the resource ends in a slash
    resource = s.slice(0, slash).replace(/\/+$/, '');
    permission = '.default';
  }
  return { resource: canonicalResource(resource), permission: permission.toLowerCase() };
}

/** Split, drop OIDC scopes, lower-case, de-duplicate and sort: the normalized set stored in entries. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const set = new Set<string>();
  for (const item of scopes)
    for (const s of item.split(/\s+/)) if (s && !OIDC_SCOPE_SET.has(s.toLowerCase())) set.add(s.toLowerCase());
  return [...set].sort();
}

/** The one resource a scope set targets, or undefined when there is none or more than one. */
export function resourceOf(scopes: readonly string[]): string | undefined {
  const resources = new Set(normalizeScopes(scopes).map((s) => parseScope(s).resource));
  return resources.size === 1 ? [...resources][0] : undefined;
}

/** Permissions of `scopes` on `resource` (lower case). */
export function permissionsOn(resource: string, scopes: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of normalizeScopes(scopes)) {
    const p = parseScope(s);
    if (p.resource === resource) out.add(p.permission);
  }
  return out;
}

/**
 * True when an entry for `resource`, requested with `requested` and granted `granted`, answers `wanted`.
 * For a provider other than Entra (`provider` `oidc`) scopes are opaque strings: the entry answers when
 * it was asked or granted every wanted scope (no scope wanted: any token of the account will do).
 */
export function scopesMatch(
  wanted: readonly string[],
  entry: { resource: string; scopes: readonly string[]; granted: readonly string[] },
  provider?: 'oidc' | undefined,
): boolean {
  if (provider === 'oidc') {
    const have = new Set([...entry.scopes, ...entry.granted]);
    return normalizeScopes(wanted).every((s) => have.has(s));
  }
  const resource = resourceOf(wanted);
  if (resource === undefined || resource !== entry.resource) return false;
  const have = permissionsOn(resource, [...entry.scopes, ...entry.granted]);
  for (const p of permissionsOn(resource, wanted)) if (p !== '.default' && !have.has(p)) return false;
  return true;
}

/** `host/tenant` in lower case: the authority part of a key. */
export function authorityKey(authorityUrl: string): string {
  try {
    const u = new URL(authorityUrl);
    return `${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return authorityUrl.toLowerCase();
  }
}

/** True when an entry stored under `entryAuthority` (its tenant id `tid`) answers a request for `wanted`. */
export function authorityMatches(wanted: string, entryAuthority: string, tid: string | undefined): boolean {
  const w = authorityKey(wanted);
  const e = authorityKey(entryAuthority);
  if (w === e) return true;
  const [wHost, wTenant = ''] = w.split('/');
  const [eHost] = e.split('/');
  if (wHost !== eHost) return false;
  // a tenant id matches the entry's issuing tenant; multi-tenant aliases match any tenant (as MSAL does)
  return (tid !== undefined && wTenant === tid.toLowerCase()) || wTenant === 'organizations' || wTenant === 'common';
}

/** The home account id `oid.tid` from `client_info` (base64url JSON {uid, utid}), if it decodes. */
export function accountFromClientInfo(clientInfo: string | undefined): string | undefined {
  if (!clientInfo) return undefined;
  try {
    const v = JSON.parse(Buffer.from(clientInfo, 'base64url').toString('utf8')) as { uid?: unknown; utid?: unknown };
    if (typeof v.uid === 'string' && typeof v.utid === 'string' && v.uid && v.utid)
      return `${v.uid}.${v.utid}`.toLowerCase();
  } catch {
    /* not client_info: fall back to the id token */
  }
  return undefined;
}

// ------------------------------------------------------------------ cache entries and lookup (pure)

/** A cached access token is handed out only with at least this much life left. */
export const MIN_LIFETIME_MS = 5 * 60 * 1000;

/** Who signed in, for which client, at which authority; holds the newest refresh token. */
export interface CachedAccount {
  /** The authority URL the tokens came from, `{origin}/{tenant}`, or the issuer of a provider found by discovery. */
  authority: string;
  client_id: string;
  /**
   * Home account id: `oid.tid` (from client_info or the id token); `sub@issuer` where there is no
   * oid/tid (another OpenID provider: OpenID Connect Core §2 makes iss + sub the unique identity);
   * the client id for app-only tokens.
   */
  account: string;
  /** `oidc` for a provider other than Entra (scopes are opaque there, see {@link scopesMatch}). */
  provider?: 'oidc' | undefined;
  /** The exact issuer of a provider found by discovery: refreshed id tokens must name it. */
  issuer?: string | undefined;
  /** Where the refresh token is redeemed, for a provider found by discovery (no second discovery needed). */
  token_endpoint?: string | undefined;
  kind: 'user' | 'app';
  username?: string | undefined;
  name?: string | undefined;
  oid?: string | undefined;
  tid?: string | undefined;
  refresh_token?: string | undefined;
  /** ms since the epoch */
  updated_at: number;
}

/** One access token; keyed by authority, client, account and resource (+ the scopes asked and granted). */
export interface CachedToken {
  authority: string;
  client_id: string;
  account: string;
  /** Canonical resource (see core/cache-keys). */
  resource: string;
  /** Normalized requested scopes (sorted, lower case, no OIDC scopes). */
  scopes: string[];
  /** Normalized granted scopes (the response's `scope`). */
  granted: string[];
  token_type: string;
  access_token: string;
  /** ms since the epoch */
  expires_at: number;
  cached_at: number;
}

export interface CacheData {
  version: 1;
  accounts: CachedAccount[];
  tokens: CachedToken[];
}

/** True when `v` has the shape of the cache file (version 1). */
export function isCacheData(v: unknown): v is CacheData {
  if (!v || typeof v !== 'object') return false;
  const d = v as Partial<CacheData>;
  return (
    d.version === 1 &&
    Array.isArray(d.accounts) &&
    Array.isArray(d.tokens) &&
    d.accounts.every(
      (a) => a && typeof a.authority === 'string' && typeof a.client_id === 'string' && typeof a.account === 'string',
    ) &&
    d.tokens.every(
      (t) =>
        t &&
        typeof t.access_token === 'string' &&
        typeof t.expires_at === 'number' &&
        typeof t.resource === 'string' &&
        Array.isArray(t.scopes),
    )
  );
}

/** What a caller asks the cache for. Unset fields match anything. */
export interface CacheQuery {
  authority?: string | undefined;
  /** The issuer of a provider found by discovery (for hints: sign in again with --issuer). */
  issuer?: string | undefined;
  client_id?: string | undefined;
  /** Home account id, username (case-insensitive) or object id. */
  account?: string | undefined;
  scopes: string[];
}

export function sameAccount(
  a: Pick<CachedAccount, 'authority' | 'client_id' | 'account'>,
  b: Pick<CachedAccount, 'authority' | 'client_id' | 'account'>,
): boolean {
  return a.authority === b.authority && a.client_id === b.client_id && a.account === b.account;
}

/** Accounts matching the query's authority, client and account (not its scopes), newest first. */
export function findAccounts(data: CacheData, q: Omit<CacheQuery, 'scopes'>): CachedAccount[] {
  const wanted = q.account?.toLowerCase();
  return data.accounts
    .filter(
      (a) =>
        (q.authority === undefined || authorityMatches(q.authority, a.authority, a.tid)) &&
        (q.client_id === undefined || a.client_id.toLowerCase() === q.client_id.toLowerCase()) &&
        (wanted === undefined ||
          a.account.toLowerCase() === wanted ||
          a.username?.toLowerCase() === wanted ||
          a.oid?.toLowerCase() === wanted),
    )
    .sort((x, y) => y.updated_at - x.updated_at);
}

/** The cached access token for `account` that answers `scopes` with the most life left, if any. */
export function findToken(data: CacheData, account: CachedAccount, scopes: string[]): CachedToken | undefined {
  let best: CachedToken | undefined;
  for (const t of data.tokens) {
    if (!sameAccount(t, account) || !scopesMatch(scopes, t, account.provider)) continue;
    if (!best || t.expires_at > best.expires_at) best = t;
  }
  return best;
}

/**
 * Can this account answer `scopes` without a sign-in: it holds a token with at least `minMs` left for
 * them, or a refresh token (which Entra redeems for any resource the app has consent for).
 */
export function canServe(
  data: CacheData,
  account: CachedAccount,
  scopes: string[],
  now: number,
  minMs: number,
): boolean {
  if (account.refresh_token) return true;
  const t = findToken(data, account, scopes);
  return t !== undefined && t.expires_at - now >= minMs;
}

/**
 * A cached token with at least `minMs` left for the query, with its account; or why there is none.
 * Only accounts that can serve the query count as candidates: an app-only sign-in cached for another
 * resource (no refresh token) does not make a question of "which account".
 */
export function lookup(
  data: CacheData,
  q: CacheQuery,
  now: number,
  minMs = MIN_LIFETIME_MS,
):
  | { account: CachedAccount; token: CachedToken | undefined; fresh: boolean }
  | { account: undefined; candidates: CachedAccount[] } {
  const matching = findAccounts(data, q);
  const serving = matching.filter((a) => canServe(data, a, q.scopes, now, minMs));
  // nobody can serve: with one person, say why (expired, no refresh token); with several, there is nothing to choose
  const accounts = serving.length ? serving : matching;
  const distinct = new Set(accounts.map((a) => a.account));
  if (accounts.length === 0 || (distinct.size > 1 && q.account === undefined))
    return { account: undefined, candidates: serving };
  // one person (possibly for several clients or authorities): prefer the one holding a fresh token
  let fallback: { account: CachedAccount; token: CachedToken | undefined } | undefined;
  for (const account of accounts) {
    // no scope asked (a sign-in by issuer): an Entra sign-in's default is the Databricks scope
    const wanted = q.scopes.length || account.provider === 'oidc' ? q.scopes : [DATABRICKS_DEFAULT_SCOPE];
    const token = findToken(data, account, wanted);
    if (token && token.expires_at - now >= minMs) return { account, token, fresh: true };
    if (!fallback || (!fallback.account.refresh_token && account.refresh_token)) fallback = { account, token };
  }
  return { ...fallback!, fresh: false };
}
