/**
 * Managed identity, as values: which endpoint the environment offers (Azure IMDS on a VM, or the
 * App Service / Functions / Container Apps identity endpoint), the GET request each expects, and its
 * answer turned into the tool's token response. Pure: the environment and the clock are handed in.
 *
 * - IMDS: `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R`
 *   with `Metadata: true`; a user-assigned identity by `client_id`, `object_id` or `msi_res_id`. Numbers
 *   in the answer are strings. `AZURE_POD_IDENTITY_AUTHORITY_HOST` replaces the host (azure-identity's and
 *   MSAL's convention), which is how tests reach the emulator.
 * - App Service: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R` with `X-IDENTITY-HEADER:
 *   $IDENTITY_HEADER`; a user-assigned identity by `client_id`, `object_id` (the docs' `principal_id`)
 *   or `mi_res_id`. The answer has `expires_on` (epoch seconds, a string) and no `expires_in`.
 *
 * @see docs/protocol.md §13
 * @see https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http
 * @see https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference
 */
import { EntraTokenError, excerpt, usageError } from './errors.js';
import { processTokenResponse, type TokenResponse } from './token.js';
import { mediaType, type WireRequest, type WireResponse } from './wire.js';

export const IMDS_DEFAULT_HOST = 'http://169.254.169.254';
export const IMDS_TOKEN_PATH = '/metadata/identity/oauth2/token';
export const IMDS_API_VERSION = '2018-02-01';
export const APP_SERVICE_API_VERSION = '2019-08-01';

/** Which managed identity: the system-assigned one, or a user-assigned one named one of three ways. */
export type ManagedIdentityId =
  | { kind: 'system' }
  | { kind: 'client_id'; value: string }
  | { kind: 'object_id'; value: string }
  | { kind: 'resource_id'; value: string };

export type ManagedIdentitySourceName = 'imds' | 'app-service';

export interface ManagedIdentityEndpoint {
  source: ManagedIdentitySourceName;
  /** The token URL without query. */
  url: string;
  /** App Service only: the value of `X-IDENTITY-HEADER`. */
  identityHeader?: string;
  /** Why this endpoint was chosen, for `auth describe` and the trace. */
  reason: string;
}

type Env = Record<string, string | undefined>;

/**
 * The managed-identity endpoint this environment offers, or undefined with the reason none is.
 * IMDS has no environment variable of its own, so off Azure it is only used when asked for
 * (`explicit`: `--auth-type azure-msi`, `ARM_USE_MSI=true`) or when `AZURE_POD_IDENTITY_AUTHORITY_HOST`
 * names it; that keeps a credential chain from waiting on 169.254.169.254 on a laptop.
 */
export function detectManagedIdentity(
  env: Env,
  explicit = false,
): { endpoint: ManagedIdentityEndpoint } | { endpoint: undefined; reason: string } {
  const identityEndpoint = env.IDENTITY_ENDPOINT;
  const identityHeader = env.IDENTITY_HEADER;
  if (identityEndpoint && identityHeader) {
    return {
      endpoint: {
        source: 'app-service',
        url: identityEndpoint,
        identityHeader,
        reason: 'IDENTITY_ENDPOINT and IDENTITY_HEADER are set (App Service, Functions, Container Apps)',
      },
    };
  }
  const podHost = env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  if (podHost) {
    return {
      endpoint: {
        source: 'imds',
        url: `${podHost.replace(/\/+$/, '')}${IMDS_TOKEN_PATH}`,
        reason: 'AZURE_POD_IDENTITY_AUTHORITY_HOST names the instance metadata service',
      },
    };
  }
  if (explicit || /^(1|true|yes)$/i.test(env.ARM_USE_MSI ?? '')) {
    return {
      endpoint: {
        source: 'imds',
        url: `${IMDS_DEFAULT_HOST}${IMDS_TOKEN_PATH}`,
        reason: explicit ? 'managed identity was asked for: the VM instance metadata service' : 'ARM_USE_MSI is true',
      },
    };
  }
  return {
    endpoint: undefined,
    reason: identityEndpoint
      ? 'IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not'
      : 'no IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST or ARM_USE_MSI',
  };
}

/** Parse `--managed-identity` style input: empty/`system`, a GUID (client id), `object_id=…`, or a resource id. */
export function parseManagedIdentityId(raw: string | undefined): ManagedIdentityId {
  const v = (raw ?? '').trim();
  if (v === '' || v.toLowerCase() === 'system') return { kind: 'system' };
  const m = /^(client_id|object_id|principal_id|msi_res_id|mi_res_id|resource_id)=(.+)$/i.exec(v);
  if (m) {
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'client_id') return { kind: 'client_id', value };
    if (key === 'object_id' || key === 'principal_id') return { kind: 'object_id', value };
    return { kind: 'resource_id', value };
  }
  if (v.startsWith('/subscriptions/')) return { kind: 'resource_id', value: v };
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return { kind: 'client_id', value: v };
  throw usageError(
    `managed identity "${excerpt(v, 80)}" is neither "system", a client id (GUID), object_id=<GUID> nor a resource id (/subscriptions/…)`,
  );
}

/** The managed identity's resource parameter: a scope `R/.default` becomes `R`. */
export function resourceFromScope(scope: string): string {
  const parts = scope.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 1)
    throw usageError(`a managed identity token is for exactly one resource; got ${parts.length} scopes`);
  return parts[0]!.replace(/\/\.default$/, '');
}

/** The GET request for a token from `endpoint` for `resource`. */
export function managedIdentityRequest(
  endpoint: ManagedIdentityEndpoint,
  resource: string,
  id: ManagedIdentityId = { kind: 'system' },
): WireRequest {
  const imds = endpoint.source === 'imds';
  const url = new URL(endpoint.url);
  url.searchParams.set('api-version', imds ? IMDS_API_VERSION : APP_SERVICE_API_VERSION);
  url.searchParams.set('resource', resource);
  if (id.kind === 'client_id') url.searchParams.set('client_id', id.value);
  if (id.kind === 'object_id') url.searchParams.set('object_id', id.value);
  if (id.kind === 'resource_id') url.searchParams.set(imds ? 'msi_res_id' : 'mi_res_id', id.value);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (imds) headers.metadata = 'true';
  else headers['x-identity-header'] = endpoint.identityHeader ?? '';
  return { method: 'GET', url: url.toString(), headers, idempotent: true };
}

const SOURCE_LABEL: Record<ManagedIdentitySourceName, string> = {
  imds: 'the instance metadata service (IMDS)',
  'app-service': 'the App Service identity endpoint',
};

/**
 * Turn a managed-identity answer into a token response. Errors keep the endpoint's own words: IMDS
 * answers `{"error","error_description"}`, App Service `{"statusCode","message"}` (or `{"error":{code,message}}`).
 */
export function processManagedIdentityResponse(
  res: WireResponse,
  opts: { now: number; source: ManagedIdentitySourceName; id?: ManagedIdentityId },
): TokenResponse {
  const what = SOURCE_LABEL[opts.source];
  if (res.status === 200) return processTokenResponse(res, { now: opts.now, what });
  let body: Record<string, unknown> = {};
  if (/json/.test(mediaType(res)) || res.body.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(res.body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // fall through with no fields: the excerpt below shows what came
    }
  }
  const errObj = body.error && typeof body.error === 'object' ? (body.error as Record<string, unknown>) : undefined;
  const code = typeof body.error === 'string' ? body.error : typeof errObj?.code === 'string' ? errObj.code : undefined;
  const description =
    typeof body.error_description === 'string'
      ? body.error_description
      : typeof body.message === 'string'
        ? body.message
        : typeof errObj?.message === 'string'
          ? errObj.message
          : excerpt(res.body, 200) || '(empty body)';
  const idText =
    opts.id && opts.id.kind !== 'system' ? ` the user-assigned identity ${opts.id.kind}=${opts.id.value}` : undefined;
  const hint =
    res.status === 400 && /identity not found/i.test(description)
      ? `no${idText ?? ' system-assigned'} managed identity is assigned to this resource: assign it in the portal, or name another with \`managed_identity\``
      : res.status === 401 && opts.source === 'app-service'
        ? 'IDENTITY_HEADER does not match the identity endpoint: the process must run inside the App Service / Functions / Container Apps host that set it'
        : /AADSTS50001|invalid_resource/i.test(`${code ?? ''} ${description}`)
          ? 'the resource is unknown to Entra: give the resource application id or URI (e.g. the Azure Databricks id) without /.default'
          : res.status >= 500 || res.status === 429 || res.status === 404 || res.status === 410
            ? 'the identity endpoint is busy or updating; try again in a few seconds'
            : 'check the managed identity settings of the resource this runs on';
  throw new EntraTokenError(
    'EOAUTH',
    `${what} answered HTTP ${res.status}${code ? ` ${code}` : ''}: ${excerpt(description, 300)}`,
    { hint, detail: { source: opts.source, status: res.status, error: code } },
  );
}
