/**
 * The managed-identity endpoints of an Azure resource, on their own port (as IMDS is on its own address):
 *
 *   GET /metadata/identity/oauth2/token   Azure IMDS (api-version 2018-02-01, header `Metadata: true`);
 *                                          point AZURE_POD_IDENTITY_AUTHORITY_HOST at this server's URL.
 *   GET /msi/token                         App Service / Functions / Container Apps (api-version 2019-08-01,
 *                                          header `X-IDENTITY-HEADER`); IDENTITY_ENDPOINT is this URL.
 *
 * The resource has a system-assigned identity and one user-assigned identity (directory apps with
 * `managed_identity`); a user-assigned one is chosen by `client_id`, `object_id` (App Service's docs say
 * `principal_id`) or `msi_res_id` / `mi_res_id`. Tokens are the emulator's app-only v1 tokens (appidacr 2,
 * `xms_mirid` the identity's resource id), verifiable against the same JWKS as every other token.
 * Answers: IMDS sends every number as a string; App Service sends `expires_on` (epoch seconds, a string)
 * and no `expires_in`. Error bodies: IMDS `{"error","error_description"}`; App Service
 * `{"statusCode","message","correlationId"}` [inferred from the clients that parse it].
 * @see docs/protocol.md §13
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { jsonReply, serveExtra } from './bearer.js';
import { DEFAULT_IDS, type AppConfig } from './directory.js';
import type { EmulatorCore, ExtraServer } from './index.js';
import { findResource, mintAccessToken } from './tokens.js';

const IMDS_PATH = '/metadata/identity/oauth2/token';
const APP_SERVICE_PATH = '/msi/token';

type Source = 'imds' | 'app-service';

function fail(res: ServerResponse, source: Source, status: number, error: string, description: string): void {
  if (source === 'imds') jsonReply(res, status, { error, error_description: description });
  else jsonReply(res, status, { statusCode: status, message: description, correlationId: randomUUID() });
}

/** The identity a request names, among the managed identities of the directory. */
function pickIdentity(core: EmulatorCore, q: URLSearchParams, source: Source): AppConfig | undefined | 'ambiguous' {
  const identities = core.directory.apps.filter((a) => a.managed_identity);
  const clientId = q.get('client_id');
  const objectId = q.get('object_id') ?? q.get('principal_id');
  const resId = q.get(source === 'imds' ? 'msi_res_id' : 'mi_res_id');
  const given = [clientId, objectId, resId].filter((v) => v !== null);
  if (given.length > 1) return 'ambiguous';
  if (clientId !== null) return identities.find((a) => a.client_id.toLowerCase() === clientId.toLowerCase());
  if (objectId !== null) return identities.find((a) => a.sp_object_id.toLowerCase() === objectId.toLowerCase());
  if (resId !== null)
    return identities.find((a) => a.managed_identity!.resource_id.toLowerCase() === resId.toLowerCase());
  return identities.find((a) => a.managed_identity!.kind === 'system');
}

export function createManagedIdentityHandler(core: EmulatorCore, identityHeader: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const source: Source | undefined =
      url.pathname === IMDS_PATH ? 'imds' : url.pathname === APP_SERVICE_PATH ? 'app-service' : undefined;
    if (!source) return jsonReply(res, 404, { error: 'not_found', error_description: `no such path ${url.pathname}` });
    if (req.method !== 'GET')
      return fail(res, source, 405, 'invalid_request', `The requested method ${req.method ?? ''} is not allowed`);
    if (source === 'imds') {
      // IMDS refuses proxied requests and requests without the header that proves a local, deliberate caller
      if (req.headers['x-forwarded-for'] !== undefined)
        return fail(res, source, 400, 'invalid_request', 'Requests containing X-Forwarded-For are not allowed');
      if (req.headers.metadata !== 'true')
        return fail(res, source, 400, 'bad_request_102', 'Required metadata header not specified');
    } else if (req.headers['x-identity-header'] !== identityHeader) {
      return fail(res, source, 401, 'unauthorized', 'The X-IDENTITY-HEADER header is missing or not valid');
    }
    const apiVersion = url.searchParams.get('api-version');
    const expected = source === 'imds' ? '2018-02-01' : '2019-08-01';
    if (!apiVersion)
      return fail(res, source, 400, 'invalid_request', "Required query variable 'api-version' is missing");
    if (source === 'app-service' && apiVersion !== expected)
      return fail(res, source, 400, 'invalid_request', `api-version ${apiVersion} is not supported; use ${expected}`);
    const resourceParam = url.searchParams.get('resource');
    if (!resourceParam)
      return fail(res, source, 400, 'invalid_request', "Required query variable 'resource' is missing");
    const resource = findResource(resourceParam.replace(/\/\.default$/, ''));
    if (!resource)
      return fail(
        res,
        source,
        400,
        'invalid_resource',
        `AADSTS500011: The resource principal named ${resourceParam} was not found in the tenant named ${core.directory.tenant_domain}.`,
      );
    const identity = pickIdentity(core, url.searchParams, source);
    if (identity === 'ambiguous')
      return fail(res, source, 400, 'invalid_request', 'Only one of client_id, object_id or msi_res_id may be given');
    if (!identity) return fail(res, source, 400, 'invalid_request', 'Identity not found');
    const nowS = Math.floor(core.now() / 1000);
    const minted = mintAccessToken({
      now: nowS,
      tid: core.tenantId,
      app: identity,
      appidacr: '2',
      resource,
      identifier: resourceParam.replace(/\/\.default$/, ''),
      key: core.signingKey,
      extra: { xms_mirid: identity.managed_identity!.resource_id },
    });
    if (source === 'imds') {
      return jsonReply(res, 200, {
        access_token: minted.token,
        client_id: identity.client_id,
        expires_in: String(minted.expiresIn),
        expires_on: String(minted.expiresOn),
        ext_expires_in: String(minted.expiresIn),
        not_before: String(minted.notBefore),
        resource: resourceParam,
        token_type: 'Bearer',
      });
    }
    return jsonReply(res, 200, {
      access_token: minted.token,
      expires_on: String(minted.expiresOn),
      resource: resourceParam,
      token_type: 'Bearer',
      client_id: identity.client_id,
    });
  };
}

/** The managed-identity host: IMDS and App Service endpoints with a fresh identity header per start. */
export const managedIdentityExtraServer: ExtraServer = async (core) => {
  const identityHeader = randomBytes(24).toString('base64url');
  const s = await serveExtra(core, 'managed-identity', createManagedIdentityHandler(core, identityHeader));
  const user = core.directory.apps.find((a) => a.client_id === DEFAULT_IDS.user_identity_client_id);
  return {
    info: {
      imds_url: s.url,
      identity_endpoint: `${s.url}${APP_SERVICE_PATH}`,
      identity_header: identityHeader,
      system_identity_client_id: DEFAULT_IDS.system_identity_client_id,
      ...(user
        ? {
            user_identity_client_id: user.client_id,
            user_identity_object_id: user.sp_object_id,
            user_identity_resource_id: user.managed_identity?.resource_id,
          }
        : {}),
    },
    close: s.close,
  };
};
