/**
 * A token provider for long-running programs: `getToken()` answers from memory while the token has
 * more than `refreshMarginMs` (5 min) left; inside that margin it refreshes in the background and keeps
 * answering with the current token until it has less than a minute; concurrent callers share one
 * refresh (one request however many callers wait). Refreshes go through the shared token cache and its
 * lock, so they also serialize with `entra-token token` in other processes.
 */
import { AZURE_DATABRICKS_SCOPE } from '../core/clouds.js';
import type { HttpClient } from '../io/http.js';
import { FileTokenStore, MIN_LIFETIME_MS, type TokenStore } from '../io/token-cache.js';
import { cacheDir } from '../io/paths.js';
import { acquireTokenSilent, type SilentResult } from './silent.js';

/** Same shape as @azure/core-auth's AccessToken, so it plugs into code written for TokenCredential. */
export interface AccessToken {
  token: string;
  /** ms since the epoch */
  expiresOnTimestamp: number;
  tokenType: string;
}

export interface TokenProviderOptions {
  /** Authority URL `{origin}/{tenant}`; unset matches any cached authority. */
  authority?: string;
  client_id?: string;
  /** Home account id, username or object id. */
  account?: string;
  /** Default: the Azure Databricks scope. */
  scopes?: string[];
  /** Default: the CLI's file cache (ENTRA_TOKEN_CACHE_DIR or the user cache directory). */
  store?: TokenStore;
  /** Default: a client made on first refresh. */
  http?: HttpClient;
  now?: () => number;
  refreshMarginMs?: number;
}

export interface TokenProvider {
  getToken(): Promise<AccessToken>;
  /** How many refreshes (or cache reads) this provider started: for tests and metrics. */
  readonly fetches: number;
}

const HARD_MARGIN_MS = 60_000;

/** Create a provider; see the module comment for the refresh policy. */
export function createTokenProvider(opts: TokenProviderOptions = {}): TokenProvider {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? MIN_LIFETIME_MS;
  const store = opts.store ?? new FileTokenStore(cacheDir(process.env), { warn: (l) => process.emitWarning(l) });
  let http = opts.http;
  const query = {
    authority: opts.authority,
    client_id: opts.client_id,
    account: opts.account,
    scopes: opts.scopes ?? [AZURE_DATABRICKS_SCOPE],
  };
  let current: AccessToken | undefined;
  let inflight: Promise<AccessToken> | undefined;
  let fetches = 0;

  const fetch = (): Promise<AccessToken> => {
    fetches++;
    inflight = acquireTokenSilent(
      query,
      {
        store,
        now,
        http: async () => (http ??= (await import('../io/http.js')).createHttpClient({ env: process.env })),
      },
      margin,
    )
      .then((r: SilentResult) => {
        current = {
          token: r.token.access_token,
          expiresOnTimestamp: r.token.expires_at,
          tokenType: r.token.token_type,
        };
        return current;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  return {
    getToken(): Promise<AccessToken> {
      const c = current;
      if (c !== undefined) {
        const left = c.expiresOnTimestamp - now();
        if (left >= margin) return Promise.resolve(c);
        if (left > HARD_MARGIN_MS) {
          // proactive: refresh in the background, answer with the still-valid token meanwhile
          if (!inflight) fetch().catch(() => {});
          return Promise.resolve(c);
        }
      }
      return inflight ?? fetch();
    },
    get fetches() {
      return fetches;
    },
  };
}
