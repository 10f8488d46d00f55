/**
 * A token from the managed identity of the Azure resource this runs on, as named steps:
 *   1. Find endpoint   (App Service identity endpoint, or the VM's instance metadata service)
 *   2. Request token   (GET with `Metadata: true` or `X-IDENTITY-HEADER`; never through a proxy)
 *   3. Check token     (string numbers normalized; `expires_on` without `expires_in` accepted)
 * No secret exists on this path: the platform vouches for the process.
 * @see docs/protocol.md §13
 */
import { usageError } from '../core/errors.js';
import {
  detectManagedIdentity,
  managedIdentityRequest,
  processManagedIdentityResponse,
  resourceFromScope,
  type ManagedIdentityEndpoint,
  type ManagedIdentityId,
} from '../core/managed-identity.js';
import { Trace } from '../io/trace.js';
import type { FlowDeps } from './auth-code.js';
import type { TokenFlowResult } from './password.js';

export interface ManagedIdentityOptions {
  /** `<resource>/.default` or the bare resource (application id or URI). */
  scope: string;
  id?: ManagedIdentityId;
  /** The environment to detect the endpoint from. */
  env: Record<string, string | undefined>;
  /** An endpoint chosen already (by the credential chain); otherwise detected from `env`. */
  endpoint?: ManagedIdentityEndpoint;
  /** Managed identity was asked for explicitly: try IMDS even without an environment variable naming it. */
  explicit?: boolean;
}

/** Get a token for `scope` from the managed identity. */
export async function managedIdentityTokens(opts: ManagedIdentityOptions, deps: FlowDeps): Promise<TokenFlowResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  trace.step('Find endpoint');
  let endpoint = opts.endpoint;
  if (!endpoint) {
    const found = detectManagedIdentity(opts.env, opts.explicit ?? false);
    if (!found.endpoint)
      throw usageError(
        `no managed identity endpoint: ${found.reason}`,
        'on an Azure VM use --auth-type azure-msi (or ARM_USE_MSI=true); App Service, Functions and Container Apps set IDENTITY_ENDPOINT and IDENTITY_HEADER',
      );
    endpoint = found.endpoint;
  }
  trace.note(`managed identity via ${endpoint.source}: ${endpoint.reason}`);
  const resource = resourceFromScope(opts.scope);
  trace.step('Request token');
  const request = managedIdentityRequest(endpoint, resource, opts.id);
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  trace.step('Check token');
  const tokens = processManagedIdentityResponse(response, { now: deps.now(), source: endpoint.source, id: opts.id });
  trace.note(`expires_in ${tokens.expires_in} s: the access token expires at ${tokens.expires_on}`);
  return { tokens, idToken: undefined, request, response, trace };
}
