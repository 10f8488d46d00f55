/**
 * Get an access token without user interaction, as a script of named steps:
 *   1. Look in the cache          (lock-free read; a token with at least 5 min left is the answer)
 *   2. Take the cache lock        (then look again: another process may have refreshed meanwhile)
 *   3. Redeem refresh token       (flows/refresh.ts; the rotated refresh token is written before returning)
 * With no usable token and no refresh token: EINTERACTION_REQUIRED (exit 5) naming the sign-in command.
 * A claims request (a claims challenge, docs/protocol.md §15) skips steps 1–2's cached answer: the refresh
 * token is redeemed with `claims`, and the new access token replaces the cached one.
 */
import { EntraTokenError, usageError } from '../core/errors.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import type { HttpClient } from '../io/http.js';
import type { Trace } from '../io/trace.js';
import { DATABRICKS_DEFAULT_SCOPE } from '../core/cache-keys.js';
import {
  lookup,
  putTokens,
  MIN_LIFETIME_MS,
  type CacheQuery,
  type CachedAccount,
  type CachedToken,
  type TokenStore,
} from '../io/token-cache.js';

export interface SilentDeps {
  store: TokenStore;
  /** Only used when a refresh is needed (so a cache hit never loads the HTTP stack). */
  http: () => HttpClient | Promise<HttpClient>;
  now: () => number;
  trace?: Trace | undefined;
  signal?: AbortSignal | undefined;
  /**
   * How the caller chooses among several cached accounts, for that error: the CLI names its --account
   * flag; the default names the library's `account` option.
   */
  chooseAccount?: ((example: string) => { how: string; hint: string }) | undefined;
}

/** The library's words for choosing an account (createTokenProvider, acquireTokenSilent). */
export const CHOOSE_ACCOUNT_OPTION = (example: string): { how: string; hint: string } => ({
  how: 'pass the account option (username, home account id or object id)',
  hint: `e.g. createTokenProvider({ account: '${example}' })`,
});

export interface SilentResult {
  token: CachedToken;
  account: CachedAccount;
  source: 'cache' | 'refresh';
}

/** What a silent request carries besides the query: a claims challenge, and the `claims` parameter to send. */
export interface SilentClaims {
  /** The claims challenge (JSON): no cached token is served; the sign-in hint names `--claims`. */
  challenge?: string | undefined;
  /** The `claims` parameter of the refresh (the challenge merged with client capabilities). */
  parameter?: string | undefined;
}

/** The command that signs in for this query, for hints. */
export function signInHint(q: CacheQuery, account?: CachedAccount, claims?: string): string {
  return signInAgainCommand({
    authority: account?.authority ?? q.authority,
    issuer: account?.issuer ?? q.issuer,
    client_id: account?.client_id ?? q.client_id,
    scopes: q.scopes,
    claims,
  });
}

function describe(q: CacheQuery): string {
  const bits = [q.scopes.length ? `scope ${q.scopes.join(' ')}` : 'any scope'];
  if (q.account) bits.push(`account ${q.account}`);
  if (q.client_id) bits.push(`client ${q.client_id}`);
  if (q.authority) bits.push(`authority ${q.authority}`);
  return bits.join(', ');
}

function noAccount(q: CacheQuery, candidates: CachedAccount[], deps: SilentDeps): EntraTokenError {
  const names = [...new Set(candidates.map((a) => a.username ?? a.account))];
  if (names.length > 1) {
    const choose = (deps.chooseAccount ?? CHOOSE_ACCOUNT_OPTION)(names[0]!);
    return usageError(
      `${names.length} accounts that can serve this request are cached (${names.slice(0, 5).join(', ')}); ${choose.how}`,
      choose.hint,
    );
  }
  return new EntraTokenError('EINTERACTION_REQUIRED', `no cached sign-in for ${describe(q)}`, {
    hint: `sign in first: ${signInHint(q)}  (entra-token cache list shows what is cached)`,
  });
}

/** A cached access token with at least `minMs` left (default 5 min), refreshing under the lock if needed. */
export async function acquireTokenSilent(
  q: CacheQuery,
  deps: SilentDeps,
  minMs = MIN_LIFETIME_MS,
  claims: SilentClaims = {},
): Promise<SilentResult> {
  const challenged = claims.challenge !== undefined;
  deps.trace?.step('Look in the cache');
  const snapshot = lookup(await deps.store.read(), q, deps.now(), minMs);
  if (challenged && snapshot.account && snapshot.fresh)
    deps.trace?.note(
      'a claims challenge: the cached access token is not served; the refresh token is redeemed with claims',
    );
  if (snapshot.account && snapshot.fresh && !challenged)
    return { token: snapshot.token!, account: snapshot.account, source: 'cache' };
  if (!snapshot.account) throw noAccount(q, snapshot.candidates, deps);
  deps.trace?.step('Take the cache lock');
  return deps.store.update(async (data, hold) => {
    const now = deps.now();
    const found = lookup(data, q, now, minMs);
    // a claims challenge names the refused token's own scopes (refresh and sign-in hint), so its entry is replaced
    const hq = challenged && found.account && found.token ? { ...q, scopes: found.token.scopes } : q;
    if (!found.account) throw noAccount(q, found.candidates, deps);
    if (found.fresh && !challenged) {
      deps.trace?.note('another process refreshed while we waited for the lock: using its token');
      return { token: found.token!, account: found.account, source: 'cache' as const };
    }
    const account = found.account;
    if (!account.refresh_token) {
      const expired = challenged
        ? 'a claims challenge needs a new access token'
        : found.token
          ? `the cached access token ${found.token.expires_at <= now ? 'has expired' : 'expires in less than 5 minutes'}`
          : 'no access token is cached for this scope';
      throw new EntraTokenError(
        'EINTERACTION_REQUIRED',
        `${expired} and there is no refresh token for ${account.username ?? account.account}`,
        {
          hint:
            account.kind === 'app'
              ? `run entra-token client-credentials again${claims.challenge !== undefined ? ` with --claims` : ''} (app-only tokens come without a refresh token)`
              : `sign in again: ${signInHint(hq, account, claims.challenge)}`,
        },
      );
    }
    const [{ refreshTokens }, { resolveAuthority }, { authorityFromStoredIssuer }, { refreshExtraScopes }] =
      await Promise.all([
        import('./refresh.js'),
        import('../core/authority.js'),
        import('../core/discovery.js'),
        import('../core/provider.js'),
      ]);
    const authority =
      account.issuer !== undefined && account.token_endpoint !== undefined
        ? authorityFromStoredIssuer({
            issuer: account.issuer,
            token_endpoint: account.token_endpoint,
            kind: account.provider ?? 'entra',
          })
        : resolveAuthority({ authority: account.authority });
    // Entra: openid profile offline_access for a new id token (who) and a new refresh token (rotation).
    // Elsewhere scopes are the provider's: the cached ones only, or none (= the original grant, RFC 6749 §6).
    // no scope asked: the cached token's own scopes (so its entry is replaced), else Entra's Databricks default
    // a claims challenge: the refused token's own scopes, so the new token replaces exactly that cache entry
    const resource =
      challenged && found.token
        ? found.token.scopes
        : q.scopes.length
          ? q.scopes
          : (found.token?.scopes ?? (authority.kind === 'entra' ? [DATABRICKS_DEFAULT_SCOPE] : []));
    // on the wire: Entra gets the resource plus openid profile offline_access; another provider the scopes asked,
    // or none at all, which means the original grant (RFC 6749 §6)
    const scopes = authority.kind === 'entra' ? [...resource, ...refreshExtraScopes(authority)] : [...q.scopes];
    const r = await refreshTokens(
      {
        authority,
        client_id: account.client_id,
        refresh_token: account.refresh_token,
        scopes,
        signInCommand: signInHint(hq, account, claims.challenge),
        claims: claims.parameter,
        homeAccountId: account.account,
      },
      {
        http: await deps.http(),
        now: deps.now,
        trace: deps.trace,
        // the lock's hold time bounds the refresh (its abort reason is an ETIMEOUT, not a cancellation)
        signal: deps.signal ? AbortSignal.any([deps.signal, hold.signal]) : hold.signal,
      },
    );
    const stored = putTokens(data, {
      authority: account.authority,
      client_id: account.client_id,
      provider:
        account.token_endpoint !== undefined
          ? { kind: authority.kind, issuer: account.issuer, token_endpoint: account.token_endpoint }
          : undefined,
      scopes: resource,
      tokens: r.tokens,
      idToken: r.idToken,
      now: deps.now(),
    });
    if (stored.account !== account && !stored.account.refresh_token)
      stored.account.refresh_token = account.refresh_token;
    deps.trace?.note(
      `refreshed; the ${r.rotated ? 'rotated ' : ''}refresh token is written to the cache before the access token is handed out`,
    );
    return { token: stored.token, account: stored.account, source: 'refresh' as const };
  });
}
