/** `entra-token refresh`: redeem a refresh token for new tokens (MSAL's acquire_token_by_refresh_token). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import {
  addIdentityOptions,
  addOutputOption,
  collect,
  outputFormat,
  resolveIdentity,
  userScopes,
  type IdentityFlags,
} from '../options.js';

interface Flags extends IdentityFlags {
  refreshTokenStdin?: boolean;
  scope?: string[];
  output?: string;
}

export const REFRESH_TOKEN_ENV = 'ENTRA_TOKEN_REFRESH_TOKEN';

export type RefreshTokenSource = 'stdin' | 'env' | 'cache';

/**
 * The newest refresh token the token cache holds for this client and authority (the most recently
 * updated account), with a function that saves a rotated one in its place. Undefined when there is none.
 */
export async function refreshTokenFromCache(
  ctx: CliContext,
  key: { authority: string; client_id: string; scopes: string[] },
): Promise<{ refresh_token: string; store: (rotated: string) => Promise<void> } | undefined> {
  const { openStore } = await import('../cache-store.js');
  const { findAccounts } = await import('../../io/token-cache.js');
  const store = openStore(ctx);
  const account = findAccounts(await store.read(), { authority: key.authority, client_id: key.client_id }).find(
    (a) => a.refresh_token,
  );
  if (!account) return undefined;
  return {
    refresh_token: account.refresh_token!,
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
export async function parseRefreshTokenInput(text: string): Promise<string> {
  const { tokenFromInput } = await import('../token-input.js');
  return tokenFromInput(
    text,
    'refresh_token',
    'the token response must come from a request with the offline_access scope',
  );
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('refresh')
    .description(
      'Redeem a refresh token for new tokens (grant_type=refresh_token). The refresh token comes from\n' +
        `--refresh-token-stdin (the raw token or a whole token response JSON), ${REFRESH_TOKEN_ENV}, or the token cache.\n` +
        'Entra returns a new refresh token: it replaces the old one (printed with -o json/text; the cache is updated).',
    );
  addIdentityOptions(cmd)
    .option('--refresh-token-stdin', 'read the refresh token (or a token response JSON) from standard input')
    .option(
      '--scope <scope>',
      'scope to request (repeatable; any resource the app has consent for) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access]',
      collect,
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      `\nEnvironment:\n  ${REFRESH_TOKEN_ENV}   the refresh token (instead of stdin)\n\nExamples:\n` +
        '  entra-token password … -o json > t.json && entra-token refresh --authority … --client-id … --refresh-token-stdin < t.json\n' +
        '  entra-token refresh --tenant … --client-id … --refresh-token-stdin --scope https://graph.microsoft.com/.default < t.json',
    )
    .action(async (flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      const { authority, clientId } = resolveIdentity(flags, ctx);
      const scopes = userScopes(flags.scope);
      let refresh_token: string;
      let source: RefreshTokenSource;
      let store: ((rotated: string) => Promise<void>) | undefined;
      if (flags.refreshTokenStdin) {
        const { secretFromStdin } = await import('../secrets.js');
        refresh_token = await parseRefreshTokenInput(await secretFromStdin(ctx, 'refresh-token'));
        source = 'stdin';
      } else if (ctx.env[REFRESH_TOKEN_ENV]) {
        refresh_token = await parseRefreshTokenInput(ctx.env[REFRESH_TOKEN_ENV]!);
        source = 'env';
      } else {
        const cached = await refreshTokenFromCache(ctx, { authority: authority.url, client_id: clientId, scopes });
        if (!cached) {
          throw usageError(
            `no refresh token: give --refresh-token-stdin or set ${REFRESH_TOKEN_ENV}`,
            `or sign in first: entra-token login --authority ${authority.url} --client-id ${clientId}`,
          );
        }
        refresh_token = cached.refresh_token;
        store = cached.store;
        source = 'cache';
      }
      const { createRuntime } = await import('../runtime.js');
      const { refreshTokens } = await import('../../flows/refresh.js');
      const { printTokens } = await import('../output.js');
      const rt = await createRuntime(ctx, command);
      try {
        const result = await refreshTokens(
          { authority, client_id: clientId, refresh_token, scopes },
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        const format = outputFormat(flags.output, ctx);
        const { storeTokens } = await import('../cache-store.js');
        await storeTokens(ctx, command, {
          authority: authority.url,
          client_id: clientId,
          scopes,
          tokens: result.tokens,
          idToken: result.idToken,
        });
        printTokens(ctx, format, result.tokens, result.idToken);
        if (result.rotated) {
          if (source === 'cache' && store) {
            await store(result.tokens.refresh_token!);
            err(ctx, 'note: Entra issued a new refresh token; it replaced the old one in the cache');
          } else if (format === 'token') {
            err(
              ctx,
              `note: Entra issued a new refresh token that replaces the one from ${source === 'stdin' ? 'stdin' : REFRESH_TOKEN_ENV}; -o token prints only the access token, so use -o json to keep it`,
            );
          } else {
            err(
              ctx,
              `note: Entra issued a new refresh token (refresh_token above); store it in place of the one from ${source === 'stdin' ? 'stdin' : REFRESH_TOKEN_ENV}`,
            );
          }
        }
      } finally {
        await rt.finish();
      }
    });
}
