/**
 * Microsoft Graph `GET /v1.0/users` with an app-only (or delegated) token: every page through
 * `@odata.nextLink` — followed only on the same Graph host, so the token never goes elsewhere — and
 * Graph's error envelope turned into one EAPI error with the fix (docs/protocol.md §10).
 */
import { adminConsentUrl as aadstsAdminConsentUrl } from '../core/admin-consent.js';
import { challengeDetail, challengeOfResponse } from '../core/claims-challenge.js';
import { CLOUDS, cloudOfHost } from '../core/clouds.js';
import { EntraTokenError, excerpt } from '../core/errors.js';
import { decodeJwtUnverified } from '../core/jwt.js';
import { assertSecureUrl } from '../core/url-safety.js';
import { mediaType, type WireResponse } from '../core/wire.js';
import type { Send } from './databricks.js';

export const GRAPH_URL = 'https://graph.microsoft.com';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphUser {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
  [property: string]: unknown;
}

export interface ListUsersOptions {
  token: string;
  send: Send;
  /** Graph's base URL (default https://graph.microsoft.com; the emulator's graph_url in tests). */
  graphUrl?: string;
  /** Page size, sent as `$top` (1–999). */
  top?: number;
  /** Stop after this many users (default: refuse past {@link MAX_USERS}). */
  max?: number;
  /** Refuse to follow more than this many pages (default {@link MAX_PAGES}). */
  maxPages?: number;
  /** Entra authority (e.g. https://login.microsoftonline.com/{tenant}) for the admin-consent hint. */
  authority?: string;
  sendOptions?: Record<string, unknown>;
}

/**
 * Limits on paging, so a server handing out `@odata.nextLink` forever cannot hold the command or grow its
 * memory without end. 100,000 users is 100 pages at Graph's largest `$top` (999); 5,000 pages allows that
 * at a page size of 20. A larger directory is read with an explicit `max` (then the page limit is one page
 * per 20 users asked for).
 */
export const MAX_USERS = 100_000;
export const MAX_PAGES = 5_000;

/** The admin-consent URL that grants an app its configured application permissions (docs/protocol.md §8.1). */
export function adminConsentUrl(authority: string, clientId: string): string {
  return aadstsAdminConsentUrl({ authorityUrl: authority.replace(/\/+$/, ''), clientId })!;
}

/** The authority that issued a token, from its `iss` and `tid`: `https://{Entra host}/{tid}`, or a private host's origin. */
export function tokenAuthority(claims: Record<string, unknown>): string {
  const tid = typeof claims.tid === 'string' ? claims.tid : 'organizations';
  try {
    const iss = new URL(String(claims.iss));
    const host = iss.hostname.toLowerCase();
    const cloud = cloudOfHost(host) ?? (host === 'sts.chinacloudapi.cn' ? CLOUDS.china : undefined);
    return cloud ? `https://${cloud.authorityHost}/${tid}` : `${iss.origin}/${tid}`;
  } catch {
    return `https://${CLOUDS.public.authorityHost}/${tid}`;
  }
}

/** Turn a Graph error answer into EAPI with a hint; `token` is only decoded for the consent URL. */
export function graphError(res: WireResponse, path: string, token: string, authority?: string): EntraTokenError {
  let code = '';
  let message = res.body.trim();
  try {
    const j = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    if (j.error && typeof j.error === 'object') {
      code = typeof j.error.code === 'string' ? j.error.code : '';
      message = typeof j.error.message === 'string' ? j.error.message : message;
    }
  } catch {
    // not JSON: keep the text
  }
  let hint: string | undefined;
  const challenge = challengeOfResponse(res);
  if (challenge) {
    // Continuous Access Evaluation / Conditional Access: a new token with these claims (docs/protocol.md §15)
    const c = challengeDetail(challenge);
    return new EntraTokenError(
      'EAPI',
      `Microsoft Graph refused GET ${path} (${res.status}): a claims challenge (insufficient_claims)${code ? ` ${code}` : ''}: ${excerpt(message, 200)}`,
      { hint: c.hint, detail: { status: res.status, code, message, path, ...c.detail } },
    );
  }
  if (code === 'Authorization_RequestDenied' || res.status === 403) {
    let claims: Record<string, unknown> = {};
    try {
      claims = decodeJwtUnverified(token).claims;
    } catch {
      // opaque token: no consent URL
    }
    const clientId =
      typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
    // the consent URL goes to the authority that issued the token (its cloud, or a private host), not always the public cloud
    const where = authority ?? tokenAuthority(claims);
    const consent = clientId ? `: ${adminConsentUrl(where, clientId)}` : '';
    if (typeof claims.scp === 'string') {
      // a user's (delegated) token: what is missing is a delegated permission, not an application one
      hint = `the signed-in user's token (scp ${excerpt(claims.scp, 80)}) does not allow listing users: the app needs the delegated permission User.ReadBasic.All or User.Read.All, consented (by an admin for User.Read.All${consent}); then sign in again`;
    } else {
      hint = clientId
        ? `grant the app the User.Read.All application permission (Microsoft Graph) and have an admin consent${consent}; then get a new token`
        : 'grant the app the User.Read.All application permission (Microsoft Graph) with admin consent, then get a new token';
    }
  } else if (code === 'InvalidAuthenticationToken' || res.status === 401) {
    hint = /expired/i.test(message)
      ? 'the access token has expired: get a new one'
      : `the token is not a Graph token for this tenant: request one with scope ${GRAPH_SCOPE}`;
  } else if (res.status === 429 || res.status >= 500) {
    hint = 'Graph is throttling or unavailable: try again later';
  }
  return new EntraTokenError(
    'EAPI',
    `Microsoft Graph refused GET ${path} (${res.status}): ${code ? `${code}: ` : ''}${excerpt(message, 240)}`,
    {
      ...(hint === undefined ? {} : { hint }),
      detail: { status: res.status, code, message, path },
    },
  );
}

/** List users, following `@odata.nextLink` on the same host only. */
export async function listUsers(opts: ListUsersOptions): Promise<GraphUser[]> {
  const base = assertSecureUrl((opts.graphUrl ?? GRAPH_URL).replace(/\/+$/, ''), 'Graph URL');
  if (opts.top !== undefined && (!Number.isInteger(opts.top) || opts.top < 1 || opts.top > 999)) {
    throw new EntraTokenError('EUSAGE', `\`top\` must be an integer from 1 to 999, got ${opts.top}`);
  }
  const first = new URL('/v1.0/users', base);
  if (opts.top !== undefined) first.search = `$top=${opts.top}`;
  let next: string | undefined = first.toString();
  const users: GraphUser[] = [];
  const seen = new Set<string>();
  const maxPages = opts.maxPages ?? Math.max(MAX_PAGES, Math.ceil((opts.max ?? 0) / 20));
  const maxUsers = opts.max ?? MAX_USERS;
  while (next) {
    if (seen.size >= maxPages)
      throw new EntraTokenError(
        'EBAD_RESPONSE',
        `Graph kept paging past ${maxPages} pages (@odata.nextLink); stopping`,
        {
          hint: 'Graph does not page this far: check the Graph URL',
        },
      );
    const url: URL = new URL(next);
    if (url.origin !== base.origin) {
      throw new EntraTokenError(
        'EBAD_RESPONSE',
        `Graph's @odata.nextLink points to ${url.host}, not ${base.host}; refusing to send the token there`,
      );
    }
    if (seen.has(next))
      throw new EntraTokenError('EBAD_RESPONSE', 'Graph returned the same @odata.nextLink twice; stopping');
    seen.add(next);
    const res = await opts.send(
      {
        method: 'GET',
        url: next,
        headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' },
        idempotent: true,
      },
      opts.sendOptions ?? {},
    );
    if (res.status < 200 || res.status > 299) throw graphError(res, url.pathname, opts.token, opts.authority);
    let body: { value?: unknown; '@odata.nextLink'?: unknown };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      throw new EntraTokenError(
        'EBAD_RESPONSE',
        `Graph answered ${res.status} (${mediaType(res) || 'no content type'}) with a body that is not JSON: ${excerpt(res.body, 200)}`,
      );
    }
    if (!Array.isArray(body.value))
      throw new EntraTokenError('EBAD_RESPONSE', 'Graph answered without a "value" array');
    for (const u of body.value as GraphUser[]) {
      if (users.length >= maxUsers)
        // only without an explicit max: with one, the users stop at it below
        throw new EntraTokenError('EBAD_RESPONSE', `Graph kept paging past ${MAX_USERS} users; stopping`, {
          hint: 'to read a directory this large, give `max`, the number of users to read',
        });
      users.push(u);
      if (opts.max !== undefined && users.length >= opts.max) return users;
    }
    next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
  }
  return users;
}
