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
import { MICROSOFT_GRAPH_APP_ID } from './clouds.js';

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
  for (const item of scopes) for (const s of item.split(/\s+/)) if (s && !OIDC_SCOPE_SET.has(s.toLowerCase())) set.add(s.toLowerCase());
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

/** True when an entry for `resource`, requested with `requested` and granted `granted`, answers `wanted`. */
export function scopesMatch(wanted: readonly string[], entry: { resource: string; scopes: readonly string[]; granted: readonly string[] }): boolean {
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
    if (typeof v.uid === 'string' && typeof v.utid === 'string' && v.uid && v.utid) return `${v.uid}.${v.utid}`.toLowerCase();
  } catch {
    /* not client_info: fall back to the id token */
  }
  return undefined;
}
