/**
 * Which cached account a command uses when several could answer: `--account`, else `ENTRA_TOKEN_ACCOUNT`, else
 * the default account kept by `entra-token account use` (io/default-account.ts). `whoami` shows which one applied.
 */
import type { CliContext } from './context.js';
import { readDefaultAccount, defaultAccountPath } from '../io/default-account.js';

export interface AccountChoice {
  value: string;
  /** Where it came from, for people: `--account`, `env ENTRA_TOKEN_ACCOUNT`, `the default account (…)`. */
  via: string;
  kind: 'flag' | 'env' | 'default-account';
}

/** The account the command asks the cache for, and where that came from; undefined when none is named. */
export function chosenAccount(flags: { account?: string | undefined }, ctx: CliContext): AccountChoice | undefined {
  if (flags.account !== undefined) return { value: flags.account, via: '--account', kind: 'flag' };
  const env = ctx.env.ENTRA_TOKEN_ACCOUNT?.trim();
  if (env) return { value: env, via: 'env ENTRA_TOKEN_ACCOUNT', kind: 'env' };
  const d = readDefaultAccount(ctx.env);
  if (d)
    return {
      value: d.account,
      via: `the default account${d.username ? ` ${d.username}` : ''} (entra-token account use; ${tilde(defaultAccountPath(ctx.env), ctx.env)})`,
      kind: 'default-account',
    };
  return undefined;
}

/** A path under HOME as `~/…`, as the other messages print it. */
export function tilde(path: string, env: Record<string, string | undefined>): string {
  const home = env.HOME;
  return home && path.startsWith(home + '/') ? `~${path.slice(home.length)}` : path;
}
