/**
 * The end of every command that obtains tokens: cache them (unless --no-cache), then print them in the
 * chosen format. A cache that cannot be written is a warning; the tokens are printed all the same.
 * (The trace of the run is flushed by `withRuntime` when the command ends.)
 */
import type { CliContext } from './context.js';
import { outputFormat } from './options.js';
import type { TokenResponse } from '../core/token.js';
import type { IdTokenSummary } from '../core/id-token.js';
import type { PendingAuthorization } from '../io/pending.js';
import type { StoreInput } from '../io/token-cache.js';

export interface Delivery {
  authority: string;
  client_id: string;
  /** The scopes requested (the cache key). */
  scopes: string[];
  tokens: TokenResponse;
  idToken?: IdTokenSummary | undefined;
  /** App-only (client credentials): the account is the client id. */
  appOnly?: boolean;
  /** A provider found by discovery (options.ts `cacheProvider`): kept for silent refresh and id-token checks. */
  provider?: StoreInput['provider'];
}

export async function deliverTokens(
  ctx: CliContext,
  flags: { cache?: boolean; output?: string | undefined },
  entry: Delivery,
): Promise<void> {
  // loaded once there are tokens, so not before a login listens or an exchange sends its request; the token
  // cache only when it is written to (not with --no-cache; storeTokens checks again)
  if (flags.cache !== false && ctx.env.ENTRA_TOKEN_NO_CACHE !== '1') {
    const { storeTokens } = await import('./cache-store.js');
    await storeTokens(ctx, flags, entry);
  }
  const { printTokens } = await import('./output.js');
  printTokens(ctx, outputFormat(flags.output, ctx), entry.tokens, entry.idToken);
}

/** The provider a pending sign-in was started with, for the cache (see {@link Delivery.provider}). */
export function pendingProvider(p: PendingAuthorization): StoreInput['provider'] {
  return p.issuer === undefined || p.token_endpoint === undefined
    ? undefined
    : { kind: p.kind ?? 'entra', issuer: p.issuer, token_endpoint: p.token_endpoint };
}
