/**
 * What the client says about itself to Entra, the way MSAL does: the library (`x-client-SKU`,
 * `x-client-VER`), the operating system (`x-client-OS`) and CPU (`x-client-CPU`) as request parameters,
 * and a User-Agent that names the OS. Conditional Access policies with device-platform conditions key on
 * this; without the OS a silent refresh can be blocked as "unknown platform". Pure: the platform facts are
 * handed in.
 * @see docs/protocol.md §15
 * @see https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions#device-platforms
 */
import type { WireRequest } from './wire.js';

export const CLIENT_SKU = 'entra-token';

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
