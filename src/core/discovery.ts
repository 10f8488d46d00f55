/**
 * Any OpenID provider through its discovery document (OpenID Connect Discovery 1.0 §4):
 * `GET {issuer}/.well-known/openid-configuration`. The document's `issuer` must be the issuer asked
 * for (§4.3), else nothing from it is used (ECLAIM). The endpoints become an Authority-shaped value,
 * so every flow that takes an Entra authority takes a discovered provider unchanged: Entra itself
 * (`https://login.microsoftonline.com/{tid}/v2.0`), Databricks' own OAuth (`https://{workspace}/oidc`),
 * Keycloak, Okta…
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import type { Authority } from './authority.js';
import { cloudOfHost } from './clouds.js';
import { EntraTokenError, excerpt } from './errors.js';
import { assertSecureUrl } from './url-safety.js';
import { mediaType, type WireRequest, type WireResponse } from './wire.js';

/** The members of a discovery document this tool uses. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint?: string | undefined;
  token_endpoint: string;
  device_authorization_endpoint?: string | undefined;
  jwks_uri?: string | undefined;
  end_session_endpoint?: string | undefined;
  /** Scopes the provider advertises (`offline_access` there means refresh tokens can be asked for). */
  scopes_supported?: string[] | undefined;
  /** RFC 9207 §3: the provider puts `iss` on every authorization response, so one without it is refused. */
  authorization_response_iss_parameter_supported?: boolean | undefined;
  response_modes_supported?: string[] | undefined;
  grant_types_supported?: string[] | undefined;
  token_endpoint_auth_methods_supported?: string[] | undefined;
  /** Entra's own member (`microsoftonline.com`, …): marks an Entra issuer outside the known hosts (the emulator). */
  cloud_instance_name?: string | undefined;
}

/** `{issuer}/.well-known/openid-configuration`, the issuer's trailing slash removed first (§4.1). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** The GET for a discovery document. Refuses plain http to anything but loopback (EINSECURE). */
export function discoveryRequest(issuer: string): WireRequest {
  const url = assertSecureUrl(issuer.trim(), '`issuer`');
  if (url.search || url.hash) throw new EntraTokenError('EUSAGE', '`issuer` must not carry a query or fragment');
  return { method: 'GET', url: discoveryUrl(issuer.trim()), headers: { accept: 'application/json' }, idempotent: true };
}

function endpoint(doc: Record<string, unknown>, name: string, required: boolean, where: string): string | undefined {
  const v = doc[name];
  if (v === undefined || v === null) {
    if (required) throw new EntraTokenError('EBAD_RESPONSE', `the discovery document at ${where} has no "${name}"`);
    return undefined;
  }
  if (typeof v !== 'string')
    throw new EntraTokenError('EBAD_RESPONSE', `the discovery document's "${name}" is not a string`);
  assertSecureUrl(v, `the discovery document's ${name}`);
  return v;
}

/**
 * Validate a discovery response: 200, JSON object, `issuer` equal to the one asked for (a trailing
 * slash on the asked-for value is forgiven), endpoints https (or loopback http).
 */
export function processDiscoveryResponse(res: WireResponse, issuer: string): ProviderMetadata {
  const where = discoveryUrl(issuer);
  if (res.status !== 200) {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `${where} answered HTTP ${res.status}${res.body ? `: ${excerpt(res.body, 120)}` : ''}`,
      {
        hint: "check `issuer`: it is the provider's issuer URL, e.g. https://login.microsoftonline.com/{tenant}/v2.0 or https://{workspace}/oidc",
      },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `${where} did not answer JSON (HTTP ${res.status}, ${mediaType(res) || 'no content type'}): ${excerpt(res.body, 200)}`,
    );
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new EntraTokenError('EBAD_RESPONSE', `${where} did not answer a JSON object`);
  const d = doc as Record<string, unknown>;
  const asked = issuer.trim();
  const accepted = [asked, asked.replace(/\/+$/, '')];
  if (typeof d.issuer !== 'string' || !accepted.includes(d.issuer)) {
    throw new EntraTokenError(
      'ECLAIM',
      `the discovery document's issuer is ${JSON.stringify(d.issuer ?? null)}, not the ${JSON.stringify(asked)} asked for`,
      {
        hint: 'an OpenID provider must name itself exactly as its issuer URL (OpenID Connect Discovery §4.3); pass the issuer the document gives if you trust it',
        detail: { claim: 'issuer', expected: asked, actual: d.issuer ?? null },
      },
    );
  }
  return {
    issuer: d.issuer,
    authorization_endpoint: endpoint(d, 'authorization_endpoint', false, where),
    token_endpoint: endpoint(d, 'token_endpoint', true, where)!,
    device_authorization_endpoint: endpoint(d, 'device_authorization_endpoint', false, where),
    jwks_uri: endpoint(d, 'jwks_uri', false, where),
    end_session_endpoint: endpoint(d, 'end_session_endpoint', false, where),
    scopes_supported: stringList(d, 'scopes_supported'),
    authorization_response_iss_parameter_supported: d.authorization_response_iss_parameter_supported === true,
    response_modes_supported: stringList(d, 'response_modes_supported'),
    grant_types_supported: stringList(d, 'grant_types_supported'),
    token_endpoint_auth_methods_supported: stringList(d, 'token_endpoint_auth_methods_supported'),
    cloud_instance_name: typeof d.cloud_instance_name === 'string' ? d.cloud_instance_name : undefined,
  };
}

function stringList(doc: Record<string, unknown>, name: string): string[] | undefined {
  const v = doc[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function missing(what: string, issuer: string): string {
  // an unusable URL that says why, rather than a guess; requests to it fail with EUSAGE naming it
  return `missing:${what} (not in the discovery document of ${issuer})`;
}

/**
 * The Authority-shaped value for a discovered provider. `url` and `tenant` are the issuer (an Entra
 * v2 issuer's tenant segment is used as the tenant); v1 endpoints are the same as v2 ones. It is an
 * Entra authority when the issuer has Entra's v2 shape (`/{tenant}/v2.0`) on a known Entra host, or
 * the document carries Entra's own `cloud_instance_name` member; any other provider is `oidc`.
 */
export function authorityFromMetadata(m: ProviderMetadata): Authority {
  const issuerUrl = new URL(m.issuer);
  const entraTenant = /^\/([^/]+)\/v2\.0\/?$/.exec(issuerUrl.pathname)?.[1];
  const cloud = cloudOfHost(issuerUrl.hostname);
  const entra = entraTenant !== undefined && (cloud !== undefined || m.cloud_instance_name !== undefined);
  const token = m.token_endpoint;
  const device = m.device_authorization_endpoint ?? missing('device_authorization_endpoint', m.issuer);
  const jwks = m.jwks_uri ?? missing('jwks_uri', m.issuer);
  return {
    kind: entra ? 'entra' : 'oidc',
    issuer: m.issuer,
    metadata: m,
    origin: issuerUrl.origin,
    tenant: (entra ? entraTenant : undefined) ?? m.issuer,
    cloud,
    url: m.issuer.replace(/\/+$/, ''),
    authorizeEndpoint: m.authorization_endpoint ?? missing('authorization_endpoint', m.issuer),
    tokenEndpoint: token,
    deviceCodeEndpoint: device,
    v1TokenEndpoint: token,
    v1DeviceCodeEndpoint: device,
    discoveryV2: discoveryUrl(m.issuer),
    jwksV2: () => jwks,
    jwksV1: () => jwks,
    adminConsentV2: missing('admin consent', m.issuer),
    adminConsentV1: missing('admin consent', m.issuer),
    issuerV2: () => m.issuer,
  };
}

/**
 * The Authority for a provider found by discovery earlier, from what the token cache kept (issuer,
 * token endpoint, kind): enough to redeem a refresh token and check the id token, with no second
 * discovery. Endpoints it did not keep are `missing:` URLs that say so.
 */
export function authorityFromStoredIssuer(s: {
  issuer: string;
  token_endpoint: string;
  kind: 'entra' | 'oidc';
}): Authority {
  const a = authorityFromMetadata({ issuer: s.issuer, token_endpoint: s.token_endpoint });
  return { ...a, kind: s.kind, metadata: undefined };
}
