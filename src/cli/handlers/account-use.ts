/** `entra-token account use NAME | --none`: keep (or forget) the default account. */
import type { Handler } from '../command.js';
import type { AccountUseFlags } from '../commands/account.js';
import { tilde } from '../account.js';
import { openStore } from '../cache-store.js';
import { err } from '../context.js';
import { findAccounts } from '../../core/cache-keys.js';
import { usageError } from '../../core/errors.js';
import { clearDefaultAccount, defaultAccountPath, writeDefaultAccount } from '../../io/default-account.js';

export const run: Handler<AccountUseFlags> = async (ctx, { flags, args }) => {
  const name = args[0]?.trim();
  if (flags.none) {
    if (name) throw usageError('give an account name or --none, not both');
    const had = clearDefaultAccount(ctx.env);
    err(ctx, had ? 'The default account is forgotten.' : 'No default account was set.');
    return;
  }
  if (!name)
    throw usageError(
      'no account: give a username, home account id or object id (or --none)',
      'entra-token cache list shows the cached accounts',
    );
  const data = await openStore(ctx).read();
  const matches = findAccounts(data, { account: name });
  const distinct = [...new Map(matches.map((a) => [a.account, a])).values()];
  if (distinct.length === 0)
    throw usageError(
      `no cached account is named ${name}`,
      data.accounts.length
        ? `sign in as that account first, or choose one of: ${[...new Set(data.accounts.map((a) => a.username ?? a.account))].join(', ')}`
        : 'sign in first: entra-token login --host <workspace URL> (or --tenant <tenant>)',
    );
  if (distinct.length > 1)
    throw usageError(
      `${distinct.length} cached accounts are named ${name}: ${distinct.map((a) => a.account).join(', ')}`,
      `name one by its home account id, e.g. entra-token account use ${distinct[0]!.account}`,
    );
  const chosen = distinct[0]!;
  writeDefaultAccount(ctx.env, {
    account: chosen.account,
    username: chosen.username,
    set_at: new Date(ctx.now()).toISOString(),
  });
  err(
    ctx,
    `The default account is now ${chosen.username ?? chosen.account} (${chosen.account}), kept in ${tilde(defaultAccountPath(ctx.env), ctx.env)}.`,
  );
};
