/** `entra-token refresh`: redeem a refresh token from stdin, the environment or the cache; keep the rotated one. */
import type { Handler } from '../command.js';
import { claimsParameter } from '../claims.js';
import { REFRESH_TOKEN_ENV, type RefreshFlags } from '../commands/refresh.js';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import { openStore } from '../cache-store.js';
import { deliverTokens } from '../deliver.js';
import { outputFormat, resolveIdentity, userScopes, cacheProvider } from '../options.js';
import { withRuntime } from '../runtime.js';
import { secretFromStdin } from '../secrets.js';
import { tokenFromInput } from '../token-input.js';
import { usageError } from '../../core/errors.js';
import { signInAgainCommand } from '../../core/sign-in-hint.js';
import { refreshTokens } from '../../flows/refresh.js';
import { findAccounts } from '../../io/token-cache.js';

export type RefreshTokenSource = 'stdin' | 'env' | 'cache';

/**
 * The newest refresh token the token cache holds for this client and authority (the most recently
 * updated account), with a function that saves a rotated one in its place. Undefined when there is none.
 */
export async function refreshTokenFromCache(
  ctx: CliContext,
  key: { authority: string; client_id: string; scopes: string[] },
): Promise<{ refresh_token: string; account: string; store: (rotated: string) => Promise<void> } | undefined> {
  const store = openStore(ctx);
  const account = findAccounts(await store.read(), { authority: key.authority, client_id: key.client_id }).find(
    (a) => a.refresh_token,
  );
  if (!account) return undefined;
  return {
    refresh_token: account.refresh_token!,
    account: account.account,
    store: (rotated) =>
      store.update((d) => {
        const a = d.accounts.find(
          (x) =>
            x.authority === account.authority && x.client_id === account.client_id && x.account === account.account,
        );
        if (a) a.refresh_token = rotated;
      }),
  };
}

/** A raw refresh token, or a token response (JSON) carrying one. */
export function parseRefreshTokenInput(text: string): string {
  return tokenFromInput(
    text,
    'refresh_token',
    'the token response must come from a request with the offline_access scope',
  );
}

export const run: Handler<RefreshFlags> = async (ctx, { flags, global }) => {
  const { authority, clientId } = resolveIdentity(flags, ctx);
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  const scopes = userScopes(flags.scope, authority);
  let refresh_token: string;
  let source: RefreshTokenSource;
  let store: ((rotated: string) => Promise<void>) | undefined;
  let homeAccountId: string | undefined;
  if (flags.refreshTokenStdin) {
    refresh_token = parseRefreshTokenInput(await secretFromStdin(ctx, 'refresh-token'));
    source = 'stdin';
  } else if (ctx.env[REFRESH_TOKEN_ENV]) {
    refresh_token = parseRefreshTokenInput(ctx.env[REFRESH_TOKEN_ENV]!);
    source = 'env';
  } else {
    const cached = await refreshTokenFromCache(ctx, { authority: authority.url, client_id: clientId, scopes });
    if (!cached) {
      throw usageError(
        `no refresh token: give --refresh-token-stdin or set ${REFRESH_TOKEN_ENV}`,
        `or sign in first: ${signInAgainCommand({ authority: authority.url, issuer: authority.issuer, client_id: clientId })}`,
      );
    }
    refresh_token = cached.refresh_token;
    store = cached.store;
    homeAccountId = cached.account;
    source = 'cache';
  }
  // Entra's name where it is Entra; any other provider is "the provider"
  const who = authority.kind === 'entra' ? 'Entra' : 'the provider';
  await withRuntime(ctx, global, async (rt) => {
    const result = await refreshTokens(
      { authority, client_id: clientId, refresh_token, scopes, homeAccountId, claims },
      rt.deps,
    );
    const format = outputFormat(flags.output, ctx);
    await deliverTokens(ctx, flags, {
      authority: authority.url,
      provider: cacheProvider(authority),
      client_id: clientId,
      scopes,
      tokens: result.tokens,
      idToken: result.idToken,
    });
    if (result.rotated) {
      if (source === 'cache' && store) {
        await store(result.tokens.refresh_token!);
        err(ctx, `note: ${who} issued a new refresh token; it replaced the old one in the cache`);
      } else if (format === 'token') {
        err(
          ctx,
          `note: ${who} issued a new refresh token that replaces the one from ${source === 'stdin' ? 'stdin' : REFRESH_TOKEN_ENV}; -o token prints only the access token, so use -o json to keep it`,
        );
      } else {
        err(
          ctx,
          `note: ${who} issued a new refresh token (refresh_token above); store it in place of the one from ${source === 'stdin' ? 'stdin' : REFRESH_TOKEN_ENV}`,
        );
      }
    }
  });
};
