/** `entra-token cache clear [--account A]`: forget every cached token, or one account's. */
import type { Handler } from '../command.js';
import { openStore } from '../cache-store.js';
import { err } from '../context.js';
import { EntraTokenError } from '../../core/errors.js';
import { removeAccounts } from '../../io/token-cache.js';

export const run: Handler<{ account?: string }> = async (ctx, { flags }) => {
  const store = openStore(ctx);
  const removed = await store.update((d) => {
    const n = removeAccounts(d, flags.account);
    if (flags.account === undefined) d.tokens = [];
    return n;
  });
  if (flags.account !== undefined && removed === 0) {
    throw new EntraTokenError('EUSAGE', `no cached account matches ${flags.account}`, {
      hint: 'entra-token cache list shows the cached accounts',
    });
  }
  err(
    ctx,
    `Removed ${removed} account${removed === 1 ? '' : 's'} and ${removed === 1 ? 'its' : 'their'} tokens from ${store.location}.`,
  );
};
