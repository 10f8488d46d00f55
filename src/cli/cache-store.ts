/**
 * The one call acquiring commands make to cache what they got:
 *
 *   await storeTokens(ctx, input.flags, { authority: authority.url, client_id, scopes, tokens, idToken });
 *
 * (usually through `deliverTokens`, which also prints them). It honours the command's own `--no-cache`
 * option and ENTRA_TOKEN_NO_CACHE=1. A cache that cannot be written costs a warning on stderr, never the
 * tokens already obtained: the command still prints them.
 */
import type { CliContext } from './context.js';
import { EntraTokenError } from '../core/errors.js';
import { FileTokenStore, putTokens, type StoreInput, type TokenStore } from '../io/token-cache.js';
import { cacheDir } from '../io/paths.js';

/** The CLI's file store, warnings to stderr; ENTRA_TOKEN_LOCK_TIMEOUT (seconds) bounds the wait for the lock. */
export function openStore(ctx: CliContext): TokenStore {
  const lockTimeout = Number(ctx.env.ENTRA_TOKEN_LOCK_TIMEOUT);
  return new FileTokenStore(cacheDir(ctx.env), {
    warn: (l) => ctx.stderr.write(`${l}\n`),
    ...(lockTimeout > 0 ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
  });
}

/** Store a token response unless caching is off. Returns true when stored. */
export async function storeTokens(
  ctx: CliContext,
  flags: { cache?: boolean } | undefined,
  input: Omit<StoreInput, 'now'>,
): Promise<boolean> {
  if (flags?.cache === false || ctx.env.ENTRA_TOKEN_NO_CACHE === '1') return false;
  try {
    await openStore(ctx).update((d) => {
      putTokens(d, { ...input, now: ctx.now() });
    });
    return true;
  } catch (e) {
    const why = e instanceof EntraTokenError ? `${e.code}: ${e.message}` : (e as Error).message;
    ctx.stderr.write(`entra-token: warning: the tokens were not cached (${why})\n`);
    return false;
  }
}
