/** Where a token or secret may be sent: https anywhere, plain http only to loopback hosts. */
import { EntraTokenError } from './errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The Azure instance metadata service's link-local address: plain http by design; it never leaves the host. */
export const IMDS_ADDRESS = '169.254.169.254';

/**
 * Refuse anything but https, except http to a loopback host (the emulator, a local proxy) and, for the
 * managed-identity client only (`allowImds`), http to the instance metadata service (docs/protocol.md §13).
 */
export function assertSecureUrl(raw: string, what = 'URL', opts: { allowImds?: boolean } = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EntraTokenError('EUSAGE', `${what} is not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:' && opts.allowImds && url.hostname === IMDS_ADDRESS) return url;
  if (url.protocol === 'http:') {
    throw new EntraTokenError('EINSECURE', `refusing plain http to non-loopback host ${url.host} (${what})`, {
      hint: 'use https://; plain http is only allowed for 127.0.0.1, ::1 and localhost',
    });
  }
  throw new EntraTokenError('EUSAGE', `${what} must be an https:// URL, got ${url.protocol}`);
}
