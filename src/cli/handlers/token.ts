/**
 * `entra-token token`: a cached access token, refreshed silently when needed; never interactive.
 * The package's bin answers a plain cache hit before commander loads (token-fast.ts); this handler
 * is the full path: validation of --authority/--tenant/--cloud, the cache hit, then a silent refresh.
 */
import type { Handler } from '../command.js';
import { chooseAccountFlag } from '../access-token.js';
import { openStore } from '../cache-store.js';
import { resolveIdentity } from '../options.js';
import { withRuntime } from '../runtime.js';
import { cacheHit, formatToken, tokenQuery, type TokenFlags } from '../token-fast.js';
import { acquireTokenSilent } from '../../flows/silent.js';
import { discoveryRequest } from '../../core/discovery.js';
import { usageError } from '../../core/errors.js';

export const run: Handler<TokenFlags> = async (ctx, { flags, global }) => {
  if (flags.issuer !== undefined) {
    if (flags.authority || flags.tenant || flags.cloud)
      throw usageError(
        `--${flags.authority ? 'authority' : flags.tenant ? 'tenant' : 'cloud'} cannot be combined with --issuer: the issuer names the sign-in`,
      );
    discoveryRequest(flags.issuer); // an issuer URL at all, and https unless loopback
  } else if (flags.authority || flags.tenant || flags.cloud) {
    // validate what was given (bad tenant, plain http to a remote host) before anything else
    resolveIdentity(flags, ctx, { needClient: false });
  }
  const io = { env: ctx.env, now: ctx.now(), stdout: ctx.stdout };
  if ((await cacheHit(flags, io)) === 0) return;
  const store = openStore(ctx);
  await withRuntime(ctx, global, async (rt) => {
    const r = await acquireTokenSilent(tokenQuery(flags, ctx.env), {
      store,
      http: () => rt.http,
      now: ctx.now,
      trace: rt.trace,
      signal: ctx.signal,
      chooseAccount: chooseAccountFlag('entra-token token'),
    });
    ctx.stdout.write(formatToken(flags.output as 'token', r.token, r.account, r.source, ctx.now(), ctx.env));
  });
};
