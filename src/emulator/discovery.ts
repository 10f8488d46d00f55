/**
 * Discovery (docs/protocol.md §5): the v2 and v1 OpenID configuration documents, the signing keys (JWKS,
 * §5.4) and instance discovery (§5.3), answered for the emulator's own host.
 */
import { json, discoveryHeaders, type EmuRequest, type Reply } from './reply.js';
import type { State, Tenant } from './state.js';

const MSA_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export function discoveryV2(s: State, req: EmuRequest, t: Tenant): Reply {
  const seg = t.kind === 'tenant' ? s.dir.tenant_id : t.segment;
  const base = `${s.url}/${seg}`;
  const issuer =
    t.kind === 'tenant'
      ? `${s.url}/${s.dir.tenant_id}/v2.0`
      : t.kind === 'consumers'
        ? `${s.url}/${MSA_TENANT}/v2.0`
        : `${s.url}/{tenantid}/v2.0`;
  const body = {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
  return json(200, body, req.traceId, discoveryHeaders());
}

export function discoveryV1(s: State, req: EmuRequest, t: Tenant): Reply {
  const seg = t.kind === 'tenant' ? s.dir.tenant_id : t.segment;
  const base = `${s.url}/${seg}`;
  const body = {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/logout`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: t.kind === 'tenant' ? `https://sts.windows.net/${s.dir.tenant_id}/` : 'https://sts.windows.net/{tenantid}/',
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'amr',
      'nonce',
      'email',
      'given_name',
      'family_name',
      'nickname',
    ],
    microsoft_multi_refresh_token: true,
    check_session_iframe: `${base}/oauth2/checksession`,
    userinfo_endpoint: `${base}/openid/userinfo`,
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
  return json(200, body, req.traceId, discoveryHeaders());
}

/** JWKS (§5.4): kid == x5t; v2 keys carry `issuer`, v1 keys do not (not found either way for v1). */
export function jwks(s: State, req: EmuRequest, v2: boolean): Reply {
  const jwk = s.key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const key: Record<string, unknown> = {
    kty: 'RSA',
    use: 'sig',
    kid: s.key.cert.x5t,
    x5t: s.key.cert.x5t,
    n: jwk.n,
    e: jwk.e,
    x5c: [s.key.cert.der.toString('base64')],
  };
  if (v2) key.issuer = `${s.url}/{tenantid}/v2.0`;
  return json(200, { keys: [key] }, req.traceId, discoveryHeaders());
}

/** Instance discovery (§5.3), answered for the emulator's own host so MSAL can be pointed at it. */
export function instanceDiscovery(s: State, req: EmuRequest): Reply {
  const host = new URL(s.url).host;
  return json(
    200,
    {
      tenant_discovery_endpoint: `${s.url}/${s.dir.tenant_id}/v2.0/.well-known/openid-configuration`,
      'api-version': req.url.searchParams.get('api-version') ?? '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
    req.traceId,
    discoveryHeaders(),
  );
}
