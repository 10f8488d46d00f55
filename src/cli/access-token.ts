/**
 * Where `databricks` and `graph` get their access token, in order: `--token-stdin` (a bare token or a
 * token response JSON), $ENTRA_TOKEN_ACCESS_TOKEN, then the token cache — silently refreshed, as
 * `entra-token token` does, with the same sign-in hint when nothing usable is cached.
 */
import type { CliContext } from './context.js';
import { readStdin } from './context.js';
import { badInput } from '../core/errors.js';
import { tokenFromInput } from './token-input.js';
import type { Runtime } from './runtime.js';
import { openStore } from './cache-store.js';
import { tokenQuery } from './token-fast.js';
import { acquireTokenSilent } from '../flows/silent.js';

export interface AccessTokenOptions {
  tokenStdin?: boolean | undefined;
  /** Pick one of several cached accounts (username, home account id or object id). */
  account?: string | undefined;
  /** The scope to look up in the cache, e.g. the Azure Databricks scope. */
  scope: string;
}

/** The CLI's words for choosing among several cached accounts (the library names its `account` option). */
export function chooseAccountFlag(command?: string): (example: string) => { how: string; hint: string } {
  return (example) => ({
    how: 'choose one with --account',
    hint: command ? `${command} --account ${example}` : `add --account ${example}`,
  });
}

/** The access token to send, from stdin, the environment or the cache. */
export async function resolveAccessToken(ctx: CliContext, rt: Runtime, opts: AccessTokenOptions): Promise<string> {
  let raw: string;
  if (opts.tokenStdin) {
    raw = tokenFromInput(await readStdin(ctx), 'access_token');
  } else if (ctx.env.ENTRA_TOKEN_ACCESS_TOKEN?.trim()) {
    raw = ctx.env.ENTRA_TOKEN_ACCESS_TOKEN.trim();
  } else {
    const query = tokenQuery({ scope: [opts.scope], ...(opts.account ? { account: opts.account } : {}) }, ctx.env);
    const r = await acquireTokenSilent(query, {
      store: openStore(ctx),
      http: () => rt.http,
      now: ctx.now,
      trace: rt.trace,
      signal: ctx.signal,
      chooseAccount: chooseAccountFlag(),
    });
    raw = r.token.access_token;
  }
  if (/\s/.test(raw)) throw badInput('the access token contains whitespace', 'pass exactly one token');
  return raw;
}
