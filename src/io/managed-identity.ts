/**
 * The HTTP client for managed-identity endpoints: never through a proxy (the endpoint is on the host or
 * link-local), plain http to 169.254.169.254 allowed for it alone, and a short connect timeout so a
 * machine that is not on Azure finds out in about a second.
 * @see docs/protocol.md §13
 */
import { createHttpClient, type HttpClient, type HttpClientOptions } from './http.js';

/** How long to wait for the endpoint to accept a connection. */
export const MANAGED_IDENTITY_CONNECT_TIMEOUT_MS = 1_500;

export function createManagedIdentityHttpClient(
  options: Omit<HttpClientOptions, 'env' | 'allowImds'> = {},
): HttpClient {
  return createHttpClient({
    connectTimeoutMs: MANAGED_IDENTITY_CONNECT_TIMEOUT_MS,
    timeoutMs: 10_000,
    ...options,
    // no proxy variables: the identity endpoint is never behind one
    env: {},
    allowImds: true,
  });
}
