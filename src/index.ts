/** entra-token library surface: re-exports only. */
export { installRunKey } from './io/run-key.js';
export * from './core/errors.js';
export * from './core/wire.js';
export {
  decodeJwtUnverified,
  decodeBase64url,
  tokensFromInput,
  MAX_JWT_LENGTH,
  MAX_INPUT_LENGTH,
  type DecodedJwt,
  type TokenSource,
} from './core/jwt.js';
export {
  explainClaims,
  explainHeader,
  verdict,
  tokenWarnings,
  tokenKind,
  tokenVersion,
  isAppOnly,
  audienceName,
  isDatabricksAudience,
  formatDuration,
  expiryPhrase,
  formatTime,
  MSA_TENANT_ID,
  DATABRICKS_MIN_SECONDS_LEFT,
  type ClaimExplanation,
  type ExplainOptions,
  type TokenKind,
  type TokenWarning,
  type CheckOptions,
} from './core/claims.js';
export {
  verifyEntraJwt,
  throwIfUnverified,
  jwksUrl,
  expectedIssuers,
  checkJwks,
  CLOCK_SKEW_SECONDS,
  type KeySource,
  type VerifyReason,
  type VerifyProblem,
  type VerificationReport,
  type VerifyOptions,
} from './core/verify.js';
export {
  fetchJwks,
  readJwksFile,
  clearJwksCache,
  JWKS_CACHE_MS,
  type FetchJwksOptions,
  type FetchedJwks,
} from './io/jwks.js';
export { inspectToken, type InspectOptions, type InspectReport } from './flows/inspect.js';
export {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
  type AccessToken,
} from './flows/token-provider.js';
export { acquireTokenSilent, type SilentDeps, type SilentResult } from './flows/silent.js';
export {
  FileTokenStore,
  MemoryTokenStore,
  putTokens,
  lookup,
  findAccounts,
  removeAccounts,
  MIN_LIFETIME_MS,
  type TokenStore,
  type CacheData,
  type CachedAccount,
  type CachedToken,
  type CacheQuery,
  type StoreInput,
  type FileStoreOptions,
} from './io/token-cache.js';
export { normalizeScopes, parseScope, scopesMatch, canonicalResource } from './core/cache-keys.js';
// the documented flow: authorize URL, pasted redirect, code exchange
export { resolveAuthority, isValidTenant, type Authority, type AuthorityInput } from './core/authority.js';
export {
  CLOUDS,
  AZURE_DATABRICKS_APP_ID,
  AZURE_DATABRICKS_SCOPE,
  MICROSOFT_GRAPH_APP_ID,
  type Cloud,
  type CloudName,
} from './core/clouds.js';
export {
  buildAuthorizeUrl,
  authorizeQuery,
  type AuthorizeParams,
  type ResponseMode,
  type Prompt,
} from './core/authorize.js';
export {
  parseRedirect,
  checkState,
  type RedirectResult,
  type RedirectSuccess,
  type RedirectError,
} from './core/redirect.js';
export { s256Challenge } from './core/pkce.js';
export {
  authorizationCodeRequest,
  refreshTokenRequest,
  passwordRequest,
  clientCredentialsRequest,
  deviceAuthorizationRequest,
  deviceCodeTokenRequest,
  processTokenResponse,
  type ClientAuth,
  type TokenResponse,
} from './core/token.js';
export { toEntraError, aadstsCode } from './core/entra-error.js';
export { AADSTS, aadstsInfo, type AadstsInfo, type HintContext } from './core/aadsts.js';
export { checkIdToken, type IdTokenSummary } from './core/id-token.js';
export { redactSecret, redactUrl, redactJson } from './core/redact.js';
export { toCurl } from './core/curl.js';
export {
  discoveryUrl,
  processDiscoveryResponse,
  authorityFromMetadata,
  type ProviderMetadata,
} from './core/discovery.js';
export { createClientAssertion, parseCertificatePem, type ClientCertificate } from './core/client-assertion.js';
export { adminConsentUrlV2, adminConsentUrlV1 } from './core/admin-consent.js';
export {
  startAuthorization,
  exchangeCode,
  acceptCallback,
  redeem,
  type StartAuthorizationOptions,
  type ExchangeOptions,
  type ExchangeResult,
  type CallbackInput,
  type FlowDeps,
} from './flows/auth-code.js';
export { login, type LoginOptions, type LoginResult } from './flows/login.js';
export { passwordTokens, type PasswordOptions } from './flows/password.js';
export { refreshTokens, type RefreshOptions, type RefreshResult } from './flows/refresh.js';
export { clientCredentialsTokens, type ClientCredentialsOptions } from './flows/client-credentials.js';
export { deviceCodeTokens, type DeviceCodeOptions } from './flows/device-code.js';
export { createHttpClient, send, type HttpClient, type HttpClientOptions, type RetryPolicy } from './io/http.js';
export { Trace, type TraceEvent } from './io/trace.js';
export { FilePendingStore, MemoryPendingStore, type PendingStore, type PendingAuthorization } from './io/pending.js';
export {
  WorkspaceClient,
  normalizeWorkspaceHost,
  composeResourceId,
  validateResourceId,
  discoverWorkspaceTenant,
  discoverWorkspaceAuthority,
  authorityFromAadAuth,
} from './apis/databricks.js';
export { AZURE_CLI_CLIENT_ID, defaultPublicClientId } from './core/provider.js';
export { listUsers, type GraphUser } from './apis/graph.js';
export {
  claimsChallengeFrom,
  decodeClaims,
  mergeClaims,
  parseWwwAuthenticate,
  type ClaimsChallenge,
} from './core/claims-challenge.js';
export { withClaimsChallenge, type ClaimsRetryDeps } from './flows/claims-challenge.js';
// the credential chain (one order for the CLI, the library and the metadata server)
export {
  createCredential,
  CredentialUnavailableError,
  type CreateCredentialOptions,
  type EntraCredential,
  type CredentialAccessToken,
  type CredentialGetTokenOptions,
} from './flows/create-credential.js';
export {
  getChainToken,
  planCredential,
  chainSettings,
  chainScopes,
  interactionFacts,
  type ChainOptions,
  type ChainDeps,
  type ChainToken,
} from './flows/credential.js';
export {
  SOURCES,
  AUTH_TYPES,
  NOT_YET_AUTH_TYPES,
  planChain,
  parseAuthType,
  describePlan,
  type SourceId,
  type SourceSpec,
  type ChainFacts,
  type ChainPlan,
  type Detection,
} from './core/credential-chain.js';
