/**
 * The emulated Entra's one route table: every endpoint (and every control API call) is one row naming
 * its path, the fault endpoint it belongs to, and its handler. A new endpoint is a new file plus a row.
 *
 * - `scope: 'tenant'` rows match `/{tenant}<path>`; the tenant segment is resolved first (unknown
 *   tenants answer AADSTS90002/900023, as Entra's page when `page` is set: the redirect cannot be trusted).
 * - `scope: 'root'` rows match the whole path.
 * - `scope: 'control'` rows are the control API (`/_emulator/...`): matched on method and path, JSON body.
 */
import { adminConsent, authorize, logout } from './authorize.js';
import * as control from './control.js';
import { deviceCode, deviceLogin } from './device-code.js';
import { discoveryV1, discoveryV2, instanceDiscovery, jwks } from './discovery.js';
import type { FaultEndpoint } from './faults.js';
import type { EmuRequest, Reply } from './reply.js';
import { consentPost, loginPost } from './sign-in.js';
import type { State, Tenant } from './state.js';
import { token } from './token.js';
import { USER_REALM_PREFIX, userRealm } from './user-realm.js';

type Answer = Reply | Promise<Reply>;

export type Route =
  | {
      scope: 'tenant';
      path: string;
      fault?: FaultEndpoint;
      /** Unknown tenant ⇒ Entra's HTML error page (authorize legs) instead of JSON. */
      page?: boolean;
      handle: (s: State, req: EmuRequest, t: Tenant) => Answer;
    }
  | {
      scope: 'root';
      path: string;
      /** Match every path that starts with `path` (e.g. `/common/userrealm/{username}`). */
      prefix?: boolean;
      fault?: FaultEndpoint;
      handle: (s: State, req: EmuRequest) => Answer;
    }
  | { scope: 'control'; method: string; path: string; handle: control.ControlHandler };

export const ROUTES: Route[] = [
  // discovery (docs/protocol.md §5)
  { scope: 'tenant', path: '/v2.0/.well-known/openid-configuration', fault: 'discovery', handle: discoveryV2 },
  { scope: 'tenant', path: '/.well-known/openid-configuration', fault: 'discovery', handle: discoveryV1 },
  { scope: 'tenant', path: '/discovery/v2.0/keys', fault: 'jwks', handle: (s, r) => jwks(s, r, true) },
  { scope: 'tenant', path: '/discovery/keys', fault: 'jwks', handle: (s, r) => jwks(s, r, false) },
  { scope: 'root', path: '/common/discovery/instance', fault: 'discovery', handle: instanceDiscovery },
  { scope: 'root', path: USER_REALM_PREFIX, prefix: true, fault: 'discovery', handle: userRealm },
  // authorize, sign-in, consent, admin consent, logout (§1, §8)
  {
    scope: 'tenant',
    path: '/oauth2/v2.0/authorize',
    fault: 'authorize',
    page: true,
    handle: (s, r, t) => authorize(s, r, t, false),
  },
  {
    scope: 'tenant',
    path: '/oauth2/authorize',
    fault: 'authorize',
    page: true,
    handle: (s, r, t) => authorize(s, r, t, true),
  },
  {
    scope: 'tenant',
    path: '/adminconsent',
    fault: 'authorize',
    page: true,
    handle: (s, r, t) => adminConsent(s, r, t, 'v1'),
  },
  {
    scope: 'tenant',
    path: '/v2.0/adminconsent',
    fault: 'authorize',
    page: true,
    handle: (s, r, t) => adminConsent(s, r, t, 'v2'),
  },
  { scope: 'tenant', path: '/login', fault: 'authorize', handle: loginPost },
  { scope: 'tenant', path: '/Consent/Set', fault: 'authorize', handle: consentPost },
  { scope: 'tenant', path: '/oauth2/v2.0/logout', handle: logout },
  { scope: 'tenant', path: '/oauth2/logout', handle: logout },
  // token (§2)
  { scope: 'tenant', path: '/oauth2/v2.0/token', fault: 'token', handle: (s, r, t) => token(s, r, t, false) },
  { scope: 'tenant', path: '/oauth2/token', fault: 'token', handle: (s, r, t) => token(s, r, t, true) },
  // device code (§4)
  {
    scope: 'tenant',
    path: '/oauth2/v2.0/devicecode',
    fault: 'devicecode',
    handle: (s, r, t) => deviceCode(s, r, t, false),
  },
  { scope: 'tenant', path: '/oauth2/devicecode', fault: 'devicecode', handle: (s, r, t) => deviceCode(s, r, t, true) },
  { scope: 'root', path: '/devicelogin', handle: deviceLogin },
  { scope: 'root', path: '/common/oauth2/deviceauth', handle: deviceLogin },
  // control API (README "Control API")
  { scope: 'control', method: 'GET', path: '/_emulator/info', handle: control.info },
  { scope: 'control', method: 'GET', path: '/_emulator/requests', handle: control.listRequests },
  { scope: 'control', method: 'DELETE', path: '/_emulator/requests', handle: control.clearRequests },
  { scope: 'control', method: 'GET', path: '/_emulator/faults', handle: control.listFaults },
  { scope: 'control', method: 'DELETE', path: '/_emulator/faults', handle: control.clearFaults },
  { scope: 'control', method: 'POST', path: '/_emulator/faults', handle: control.addFault },
  { scope: 'control', method: 'POST', path: '/_emulator/clock', handle: control.advanceClock },
  { scope: 'control', method: 'POST', path: '/_emulator/devicecode', handle: control.deviceCodeAction },
  { scope: 'control', method: 'POST', path: '/_emulator/revoke', handle: control.revoke },
  { scope: 'control', method: 'GET', path: '/_emulator/policy', handle: control.getPolicy },
  { scope: 'control', method: 'POST', path: '/_emulator/policy', handle: control.setPolicy },
];

export type Match =
  | { route: Extract<Route, { scope: 'root' }> }
  /** `tenantSegment` as sent (still percent-encoded). */
  | { route: Extract<Route, { scope: 'tenant' }>; tenantSegment: string };

/** The Entra route (root or tenant-scoped) a path belongs to, if any. */
export function matchRoute(path: string): Match | undefined {
  for (const route of ROUTES)
    if (route.scope === 'root' && (route.path === path || (route.prefix && path.startsWith(route.path))))
      return { route };
  const m = /^\/([^/]+)(\/.*)$/.exec(path);
  if (!m) return undefined;
  const [, seg, rest] = m as unknown as [string, string, string];
  for (const route of ROUTES) if (route.scope === 'tenant' && route.path === rest) return { route, tenantSegment: seg };
  return undefined;
}

/** The control call for a method and path, if any. */
export function matchControl(method: string, path: string): Extract<Route, { scope: 'control' }> | undefined {
  for (const route of ROUTES)
    if (route.scope === 'control' && route.method === method && route.path === path) return route;
  return undefined;
}
