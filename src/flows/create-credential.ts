/**
 * `createCredential(options)`: the credential chain as an object shaped like @azure/core-auth's
 * `TokenCredential`, so any Azure SDK client (or @microsoft/microsoft-graph-client's
 * TokenCredentialAuthenticationProvider) can use entra-token without a wrapper:
 *
 *   const credential = createCredential({ tenantId, clientId });   // AZURE_CLIENT_SECRET, a profile, the cache…
 *   const { token, expiresOnTimestamp } = await credential.getToken('https://graph.microsoft.com/.default');
 *
 * Each call walks the chain of flows/credential.ts (the same order as the CLI); tokens go through the
 * shared token cache, so a second call (or `entra-token token` in a shell) is a cache hit.
 * `getToken(scopes, { claims })` answers a claims challenge (as @azure/core-rest-pipeline passes it after a
 * 401 `insufficient_claims`): the cache is bypassed, the claims are sent, the new token replaces the cached one.
 * `enableCae: true` (or the `clientCapabilities: ['cp1']` option) declares CP1 (docs/protocol.md §15).
 * @see https://learn.microsoft.com/javascript/api/@azure/core-auth/tokencredential
 */
import type { CloudName } from '../core/clouds.js';
import type { SettingName } from '../core/config.js';
import { decodeClaims, parseCapabilities } from '../core/claims-challenge.js';
import { parseAuthType } from '../core/credential-chain.js';
import type { OpenResult } from '../io/browser.js';
import type { HttpClient } from '../io/http.js';
import { cacheDir } from '../io/paths.js';
import { FileTokenStore, type TokenStore } from '../io/token-cache.js';
import {
  chainScopes,
  chainSettings,
  ciRefusal,
  describePlan,
  getChainToken,
  planCredential,
  type ChainOptions,
  type ChainToken,
} from './credential.js';

export { CredentialUnavailableError } from './credential.js';

/** @azure/core-auth's AccessToken (with the optional fields it has gained since). */
export interface CredentialAccessToken {
  token: string;
  /** ms since the epoch */
  expiresOnTimestamp: number;
  /** ms since the epoch: get a new token after this (5 min before expiry). */
  refreshAfterTimestamp: number;
  tokenType: string;
}

/** @azure/core-auth's GetTokenOptions, the fields entra-token reads. */
export interface CredentialGetTokenOptions {
  abortSignal?: AbortSignal | undefined;
  /** Get the token from this tenant instead of the configured one (multi-tenant apps). */
  tenantId?: string | undefined;
  /** A claims challenge (JSON, or the base64 `claims` of a WWW-Authenticate header): a new token carrying it. */
  claims?: string | undefined;
  /** Declare the CP1 client capability for this request (Continuous Access Evaluation). */
  enableCae?: boolean | undefined;
  [other: string]: unknown;
}

export interface CreateCredentialOptions {
  tenantId?: string;
  clientId?: string;
  /** `https://host/{tenant}` (or the host only, with tenantId). */
  authority?: string;
  cloud?: CloudName;
  /** An explicit auth type (`azure-client-secret`, `azure-client-certificate`, `token-cache`, …). */
  authType?: string;
  /** A `~/.databrickscfg` profile (default: DATABRICKS_CONFIG_PROFILE, else DEFAULT when it exists). */
  profile?: string;
  clientSecret?: string;
  /** A PEM file with the private key and certificate. */
  certificatePath?: string;
  /** The same as PEM text. */
  certificate?: string | Buffer;
  /** A token to hand out as is. */
  accessToken?: string;
  /** Pick one of several cached accounts. */
  account?: string;
  /** Allow an interactive sign-in as the last source (default false: a library has no terminal to ask on). */
  interactive?: boolean;
  /** Device code instead of the browser for the interactive sign-in; called with Entra's instructions. */
  onInteraction?: (message: string) => void;
  openBrowser?: (url: string) => Promise<OpenResult>;
  /** Default: process.env (AZURE_CLIENT_SECRET, AZURE_TENANT_ID, … as the CLI reads them). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Default: the CLI's token cache (ENTRA_TOKEN_CACHE_DIR or the user cache directory). */
  store?: TokenStore;
  /** Write acquired tokens to the store (default true). */
  cache?: boolean;
  /** Default: a client made on the first request. */
  http?: HttpClient;
  /** Client capabilities to declare on every token request, e.g. `['cp1']` (default: ENTRA_TOKEN_CLIENT_CAPABILITIES). */
  clientCapabilities?: string[];
  /** A claims request (JSON or base64) sent with every token request, bypassing the cache (rarely wanted). */
  claims?: string;
  now?: () => number;
}

export interface EntraCredential {
  getToken(scopes: string | string[], options?: CredentialGetTokenOptions): Promise<CredentialAccessToken>;
  /** Which source would answer for `scopes`, and why each earlier one was skipped (no secret in it). */
  describe(scopes?: string | string[]): Promise<string[]>;
  /** The last token's source details (for logs and tests). */
  readonly last: ChainToken | undefined;
}

/** Build a credential; options are checked now, sources are looked at on each getToken. */
export function createCredential(options: CreateCredentialOptions = {}): EntraCredential {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const now = options.now ?? Date.now;
  const flags: Partial<Record<SettingName, string | undefined>> = {
    tenant: options.tenantId,
    client_id: options.clientId,
    authority: options.authority,
    cloud: options.cloud,
    client_certificate_path: options.certificatePath,
    auth_type: options.authType,
    client_capabilities: options.clientCapabilities?.join(','),
  };
  const { config, profile } = chainSettings({ flags, env, profile: options.profile, cwd });
  if (config.settings.auth_type) parseAuthType(config.settings.auth_type); // unknown or not-yet names: now
  const capabilities = parseCapabilities(config.settings.client_capabilities?.value);
  const baseClaims = options.claims === undefined ? undefined : decodeClaims(options.claims);
  const chain: ChainOptions = {
    config,
    profile,
    env,
    cwd,
    accessToken: options.accessToken,
    clientSecret:
      options.clientSecret !== undefined
        ? { via: 'the clientSecret option', read: () => options.clientSecret! }
        : undefined,
    certificatePem: options.certificate,
    account: options.account,
    cacheWrites: options.cache,
    claims: baseClaims,
    clientCapabilities: capabilities,
    interaction: {
      refused: options.interactive
        ? ciRefusal(env)
        : 'the library does not sign in interactively unless asked (interactive: true)',
      terminal: options.interactive === true,
      noBrowser: options.onInteraction && !options.openBrowser ? 'device code was asked for' : undefined,
    },
  };
  if (options.cloud) chain.cloudFlag = options.cloud;
  const store = options.store ?? new FileTokenStore(cacheDir(env), { warn: (l) => process.emitWarning(l) });
  let http = options.http;
  const getHttp = async () => (http ??= (await import('../io/http.js')).createHttpClient({ env }));
  let last: ChainToken | undefined;
  let caeChain: ChainOptions | undefined;
  const inflight = new Map<string, Promise<CredentialAccessToken>>();

  return {
    getToken(scopes, opts = {}) {
      let claims: string | undefined;
      try {
        claims = opts.claims === undefined || opts.claims === '' ? undefined : decodeClaims(opts.claims);
      } catch (e) {
        return Promise.reject(e);
      }
      // one options object per variant: per-options state (a federated token provider) is kept across calls
      const callChain =
        opts.enableCae && !capabilities.includes('CP1')
          ? (caeChain ??= { ...chain, clientCapabilities: [...capabilities, 'CP1'] })
          : chain;
      const list = chainScopes(scopes);
      const key = `${opts.tenantId ?? ''}|${list.join(' ')}|${claims ?? ''}|${callChain === chain ? '' : 'cae'}`;
      const running = inflight.get(key);
      if (running) return running;
      const p = getChainToken(
        callChain,
        {
          store,
          http: getHttp,
          now,
          signal: opts.abortSignal,
          openBrowser: options.openBrowser,
          notify: options.onInteraction,
          warn: (l) => process.emitWarning(l),
        },
        list,
        { tenantId: opts.tenantId, claims },
      )
        .then((t) => {
          last = t;
          return {
            token: t.access_token,
            expiresOnTimestamp: t.expires_at,
            refreshAfterTimestamp: t.refresh_after,
            tokenType: t.token_type,
          };
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
    async describe(scopes) {
      return describePlan(await planCredential(chain, { store, now }, chainScopes(scopes)));
    },
    get last() {
      return last;
    },
  };
}
