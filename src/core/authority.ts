/**
 * An authority is an Entra host plus a tenant: `https://login.microsoftonline.com/{tenant}`. From it
 * come every endpoint of docs/protocol.md §0. `--authority` accepts any Entra-shaped base, such as the
 * emulator's `http://127.0.0.1:PORT/{tenant}` (plain http only for loopback).
 */
import { CLOUDS, cloudOfHost, type Cloud, type CloudName } from './clouds.js';
import type { ProviderMetadata } from './discovery.js';
import { EntraTokenError, usageError } from './errors.js';
import { assertSecureUrl } from './url-safety.js';

export interface Authority {
  /**
   * `entra`: an Entra authority (or an Entra v2 issuer found by discovery): Entra's own rules apply
   * (`/.default` scopes, AADSTS hints, tenants, admin consent). `oidc`: any other OpenID provider,
   * found by discovery: only the OAuth and OpenID Connect specifications apply.
   */
  kind: 'entra' | 'oidc';
  /** The exact issuer, for a provider found by discovery. Entra authorities have {@link issuerV2} per tenant. */
  issuer?: string | undefined;
  /** The discovery document's members this tool uses (providers found by discovery only). */
  metadata?: ProviderMetadata | undefined;
  /** `https://login.microsoftonline.com` or the emulator's origin, without a trailing slash. */
  origin: string;
  /** As given: a GUID, a verified domain, `organizations`, `common` or `consumers`. */
  tenant: string;
  /** The cloud, when the host is a known Entra host. */
  cloud: Cloud | undefined;
  /** `{origin}/{tenant}` */
  url: string;
  authorizeEndpoint: string;
  tokenEndpoint: string;
  deviceCodeEndpoint: string;
  /** v1 endpoints, `resource=` instead of `scope=` (used by Databricks' own SDKs). */
  v1TokenEndpoint: string;
  v1DeviceCodeEndpoint: string;
  discoveryV2: string;
  jwksV2: (tenantId: string) => string;
  jwksV1: (tenantId: string) => string;
  adminConsentV2: string;
  adminConsentV1: string;
  /** The v2 issuer for a tenant id: `https://{issuer host}/{tid}/v2.0`. */
  issuerV2: (tenantId: string) => string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
export const TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

/** True when `tenant` is a GUID, a DNS domain, or one of the multi-tenant aliases. */
export function isValidTenant(tenant: string): boolean {
  return (
    GUID.test(tenant) || DOMAIN.test(tenant) || (TENANT_ALIASES as readonly string[]).includes(tenant.toLowerCase())
  );
}

export function isTenantGuid(tenant: string): boolean {
  return GUID.test(tenant);
}

export interface AuthorityInput {
  /** `--authority`: `https://host/tenant` (the tenant segment may be omitted if `tenant` is given). */
  authority?: string | undefined;
  tenant?: string | undefined;
  cloud?: CloudName | undefined;
}

/** Resolve flags into an authority. Throws EUSAGE / EINSECURE with one-line messages. */
export function resolveAuthority(input: AuthorityInput): Authority {
  let origin: string;
  let tenant = input.tenant?.trim();
  if (input.authority) {
    const url = assertSecureUrl(input.authority.trim(), '`authority`');
    if (url.search || url.hash) throw usageError('`authority` must not carry a query or fragment');
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments.length > 1) {
      throw usageError(
        `\`authority\` has extra path segments: ${url.pathname} (expected https://host/{tenant})`,
        'give only the host and the tenant, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com',
      );
    }
    const fromUrl = segments[0];
    if (fromUrl && tenant && fromUrl.toLowerCase() !== tenant.toLowerCase()) {
      throw usageError(`\`tenant\` ${tenant} differs from the tenant in \`authority\` (${fromUrl})`);
    }
    tenant = fromUrl ?? tenant;
    origin = url.origin;
  } else {
    origin = `https://${CLOUDS[input.cloud ?? 'public'].authorityHost}`;
  }
  if (!tenant) {
    throw usageError(
      'no tenant: give `tenant` (a tenant id, a verified domain, or organizations)',
      'or set AZURE_TENANT_ID',
    );
  }
  if (!isValidTenant(tenant)) {
    throw new EntraTokenError(
      'EUSAGE',
      `tenant ${JSON.stringify(tenant.slice(0, 100))} is neither a tenant id (GUID), a domain, nor common/organizations/consumers`,
    );
  }
  const host = new URL(origin).hostname;
  const cloud = input.cloud ? CLOUDS[input.cloud] : cloudOfHost(host);
  const base = `${origin}/${tenant}`;
  const issuerHost = cloud && cloudOfHost(host) ? `https://${cloud.issuerHostV2}` : origin;
  return {
    kind: 'entra',
    origin,
    tenant,
    cloud,
    url: base,
    authorizeEndpoint: `${base}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${base}/oauth2/v2.0/token`,
    deviceCodeEndpoint: `${base}/oauth2/v2.0/devicecode`,
    v1TokenEndpoint: `${base}/oauth2/token`,
    v1DeviceCodeEndpoint: `${base}/oauth2/devicecode`,
    discoveryV2: `${base}/v2.0/.well-known/openid-configuration`,
    jwksV2: (tid) => `${origin}/${tid}/discovery/v2.0/keys`,
    jwksV1: (tid) => `${origin}/${tid}/discovery/keys`,
    adminConsentV2: `${base}/v2.0/adminconsent`,
    adminConsentV1: `${base}/adminconsent`,
    issuerV2: (tid) => `${issuerHost}/${tid}/v2.0`,
  };
}
