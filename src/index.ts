/** entra-token library surface: re-exports only. */
export * from './core/errors.js';
export * from './core/wire.js';
export { decodeJwtUnverified, decodeBase64url, tokensFromInput, MAX_JWT_LENGTH, MAX_INPUT_LENGTH, type DecodedJwt, type TokenSource } from './core/jwt.js';
export { explainClaims, explainHeader, verdict, tokenWarnings, tokenKind, tokenVersion, isAppOnly, audienceName, isDatabricksAudience, formatDuration, expiryPhrase, formatTime, MSA_TENANT_ID, DATABRICKS_MIN_SECONDS_LEFT, type ClaimExplanation, type ExplainOptions, type TokenKind, type TokenWarning, type CheckOptions } from './core/claims.js';
export { verifyEntraJwt, throwIfUnverified, jwksUrl, expectedIssuers, checkJwks, CLOCK_SKEW_SECONDS, type KeySource, type VerifyReason, type VerifyProblem, type VerificationReport, type VerifyOptions } from './core/verify.js';
export { fetchJwks, readJwksFile, clearJwksCache, JWKS_CACHE_MS, type FetchJwksOptions, type FetchedJwks } from './io/jwks.js';
export { inspectToken, type InspectOptions, type InspectReport } from './flows/inspect.js';
export { createTokenProvider, type TokenProvider, type TokenProviderOptions, type AccessToken } from './flows/token-provider.js';
export { acquireTokenSilent, type SilentDeps, type SilentResult } from './flows/silent.js';
export { FileTokenStore, MemoryTokenStore, putTokens, lookup, findAccounts, removeAccounts, MIN_LIFETIME_MS, type TokenStore, type CacheData, type CachedAccount, type CachedToken, type CacheQuery, type StoreInput, type FileStoreOptions } from './io/token-cache.js';
export { normalizeScopes, parseScope, scopesMatch, canonicalResource } from './core/cache-keys.js';
