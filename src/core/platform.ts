/**
 * What the client says about itself to Entra, the way MSAL does: the library (`x-client-SKU`,
 * `x-client-VER`), the operating system (`x-client-OS`) and CPU (`x-client-CPU`) as request parameters,
 * and a User-Agent that names the OS. Conditional Access policies with device-platform conditions key on
 * this; without the OS a silent refresh can be blocked as "unknown platform". Pure: the platform facts are
 * handed in.
 * @see docs/protocol.md §2.9
 * @see https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions#device-platforms
 */
import type { WireRequest } from './wire.js';

export const CLIENT_SKU = 'entra-token';
/** The tool's version: the CLI's --version, the User-Agent and `x-client-VER`. */
export const ENTRA_TOKEN_VERSION = '0.1.0';

export interface PlatformInfo {
  /** Our version. */
  version: string;
  /** Node's `process.platform` (linux, darwin, win32), as MSAL Node sends it. */
  os: string;
  /** Node's `process.arch`. */
  cpu: string;
  /** Node's version, for the User-Agent. */
  node: string;
}

/** The four library parameters, in MSAL's order. */
export function libraryParams(p: PlatformInfo): Array<[string, string]> {
  return [
    ['x-client-SKU', CLIENT_SKU],
    ['x-client-VER', p.version],
    ['x-client-OS', p.os],
    ['x-client-CPU', p.cpu],
  ];
}

const OS_NAMES: Record<string, string> = {
  linux: 'Linux',
  darwin: 'Mac OS X',
  win32: 'Windows NT',
  freebsd: 'FreeBSD',
};

/** `entra-token/0.1.0 (Linux; x64) node/20.20.2`: a User-Agent that names the OS. */
export function userAgent(p: PlatformInfo): string {
  return `${CLIENT_SKU}/${p.version} (${OS_NAMES[p.os] ?? p.os}; ${p.cpu}) node/${p.node}`;
}

/** Add the library parameters to a token request's form (never twice). */
export function withLibraryInfo(req: WireRequest, p: PlatformInfo): WireRequest {
  if (!req.form || req.form.some(([k]) => k === 'x-client-SKU')) return req;
  return { ...req, form: [...req.form, ...libraryParams(p)] };
}

/**
 * What every request carries: a User-Agent naming the OS; and for the OAuth endpoints (form POSTs to a token
 * or device code endpoint) the library parameters as MSAL Node sends them, and a `client-request-id` (a GUID,
 * asked back with `return-client-request-id: true`, as MSAL.NET sends it) that Entra records as the
 * request's correlation id, so a support ticket can quote it. Headers the caller set are kept.
 * @see docs/protocol.md §2.9
 */
export function withClientInfo(req: WireRequest, p: PlatformInfo, requestId: string): WireRequest {
  const headers: Record<string, string> = { 'user-agent': userAgent(p), ...req.headers };
  if (!req.form) return { ...req, headers };
  if (!headers['client-request-id']) {
    headers['client-request-id'] = requestId;
    headers['return-client-request-id'] = 'true';
  }
  return withLibraryInfo({ ...req, headers }, p);
}

/** The `client-request-id` a request was sent with, if any. */
export function clientRequestIdOf(req: WireRequest): string | undefined {
  return req.headers['client-request-id'];
}

/**
 * The `X-AnchorMailbox` routing hint for an account known by its home ids (the `uid` and `utid` of
 * `client_info`; the token cache keys accounts by `uid.utid`): `Oid:<uid>@<utid>`, as MSAL sends it on a
 * refresh. Undefined when the ids are not two GUIDs.
 * @see docs/protocol.md §2.9
 */
export function anchorForHomeAccount(homeAccountId: string | undefined): string | undefined {
  const m = /^([0-9a-f-]{36})\.([0-9a-f-]{36})$/i.exec(homeAccountId ?? '');
  return m ? `Oid:${m[1]}@${m[2]}` : undefined;
}

/** The `X-AnchorMailbox` routing hint of the password grant: `UPN:<username>` (docs/protocol.md §2.9). */
export function anchorForUsername(username: string): string {
  return `UPN:${username}`;
}
