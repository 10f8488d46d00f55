/**
 * What depends on the provider rather than on the grant: default scopes, the default client, which
 * issuer an id token and an authorization response must name, and which rules are Entra's alone.
 * Entra gets the Azure Databricks scope; a Databricks workspace's own OAuth (`https://{workspace}/oidc`)
 * gets `all-apis` with the public client `databricks-cli`, as the Databricks CLI signs in (U2M); any
 * other OpenID provider gets `openid`, plus `offline_access` when its discovery document lists it.
 * @see https://docs.databricks.com/aws/en/dev-tools/auth/oauth-u2m
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 */
import type { Authority } from './authority.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from './clouds.js';
import type { IssuerExpectation } from './id-token.js';

/** The public client the Databricks CLI uses against a workspace's own OAuth. */
export const DATABRICKS_CLI_CLIENT_ID = 'databricks-cli';
/** The scope of a Databricks workspace token for every REST API. */
export const DATABRICKS_ALL_APIS_SCOPE = 'all-apis';

/** True for an Entra authority: only there do `/.default`, tenants, AADSTS texts and admin consent apply. */
export function isEntra(a: Pick<Authority, 'kind'>): boolean {
  return a.kind === 'entra';
}

/** True when the issuer is a Databricks workspace's (or account's) own OAuth: `https://{host}/oidc[/accounts/{id}]`. */
export function isDatabricksOidc(a: Pick<Authority, 'kind' | 'issuer'>): boolean {
  if (a.kind !== 'oidc' || a.issuer === undefined) return false;
  try {
    return /^\/oidc(\/accounts\/[^/]+)?\/?$/.test(new URL(a.issuer).pathname);
  } catch {
    return false;
  }
}

/** Default scopes of a user sign-in (login, authorize-url, device code, password, refresh). */
export function defaultUserScopes(a: Pick<Authority, 'kind' | 'issuer' | 'metadata'>): string[] {
  if (a.kind === 'entra') return [AZURE_DATABRICKS_SCOPE, ...OIDC_SCOPES];
  if (isDatabricksOidc(a)) return [DATABRICKS_ALL_APIS_SCOPE, 'offline_access'];
  const advertised = a.metadata?.scopes_supported ?? [];
  return advertised.includes('offline_access') ? ['openid', 'offline_access'] : ['openid'];
}

/** The scopes a silent refresh adds to the cached resource's: a new id token and a rotated refresh token. */
export function refreshExtraScopes(a: Pick<Authority, 'kind' | 'issuer' | 'metadata'>): string[] {
  if (a.kind === 'entra') return [...OIDC_SCOPES];
  return defaultUserScopes(a).filter((s) => s === 'openid' || s === 'offline_access');
}

/**
 * The Azure CLI's public client, a Microsoft first-party app present in every tenant: azure-identity signs users
 * in with it by default (InteractiveBrowserCredential, DeviceCodeCredential), and `az account get-access-token
 * --resource 2ff814a6-…` gets Azure Databricks tokens with it. Tenant policies (user or admin consent settings,
 * Conditional Access) may block it; then an app registration of your own is the answer.
 * @see https://learn.microsoft.com/en-us/azure/databricks/dev-tools/user-aad-token#azure-cli
 * @see https://learn.microsoft.com/en-us/javascript/api/@azure/identity/interactivebrowsercredentialnodeoptions
 */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** The client id to use when none is given, where the provider has a well-known public one. */
export function defaultClientId(a: Pick<Authority, 'kind' | 'issuer'>): string | undefined {
  return isDatabricksOidc(a) ? DATABRICKS_CLI_CLIENT_ID : undefined;
}

/**
 * The public client a *user* sign-in uses when no client id is given: the Azure CLI's on Entra (as azure-identity
 * does), `databricks-cli` on a workspace's own OAuth. Never for app-only grants, which need your own app.
 */
export function defaultPublicClientId(a: Pick<Authority, 'kind' | 'issuer'>): string | undefined {
  return defaultClientId(a) ?? (a.kind === 'entra' ? AZURE_CLI_CLIENT_ID : undefined);
}

/** One line telling the user the default public client is used, and how to use their own app. */
export function defaultClientNote(clientId: string): string {
  return clientId === AZURE_CLI_CLIENT_ID
    ? `entra-token: note: no --client-id: signing in with the Azure CLI's public client ${AZURE_CLI_CLIENT_ID} (use --client-id or AZURE_CLIENT_ID for your own app)`
    : `entra-token: note: no --client-id: signing in with the public client ${clientId}`;
}

/** The issuer id tokens from this authority must name (OpenID Connect Core §3.1.3.7 item 2). */
export function issuerExpectation(a: Pick<Authority, 'issuer' | 'issuerV2'>): IssuerExpectation {
  return a.issuer !== undefined ? { issuer: a.issuer } : { entraIssuerFor: a.issuerV2 };
}

/** A short name of the provider for messages: "Entra ID" or the issuer's host. */
export function providerName(a: Pick<Authority, 'kind' | 'issuer' | 'url'>): string {
  if (a.kind === 'entra') return 'Entra ID';
  try {
    return `the provider at ${new URL(a.issuer ?? a.url).host}`;
  } catch {
    return 'the provider';
  }
}
