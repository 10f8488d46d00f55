/**
 * `entra-token token`: an access token from the credential chain (flows/credential.ts) — a cached one
 * with at least 5 minutes left, refreshed silently, or from whatever credential is configured. The
 * package's bin answers a plain cache hit before commander loads (token-fast.ts); this handler is the
 * full path: validation of --authority/--tenant/--cloud, then the chain. With --issuer (a sign-in with
 * another OpenID provider) only that cached sign-in counts: the chain's other sources are Entra's.
 */
import type { Handler } from '../command.js';
import { chainToken, chooseAccountFlag, type CredentialFlags } from '../credential.js';
import { openStore } from '../cache-store.js';
import { resolveIdentity } from '../options.js';
import { withRuntime } from '../runtime.js';
import { cacheHit, formatToken, tokenQuery, tokenScopes, type TokenFlags } from '../token-fast.js';
import { acquireTokenSilent } from '../../flows/silent.js';
import { discoveryRequest } from '../../core/discovery.js';
import { usageError } from '../../core/errors.js';
import { resourceOf } from '../../core/cache-keys.js';

export const run: Handler<TokenFlags & CredentialFlags> = async (ctx, { flags, global }) => {
  const issuer = flags.issuer ?? (flags.authority ? undefined : ctx.env.ENTRA_TOKEN_ISSUER);
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
  if (issuer !== undefined) {
    const io = { env: ctx.env, now: ctx.now(), stdout: ctx.stdout };
    if ((await cacheHit(flags, io)) === 0) return;
    await withRuntime(ctx, global, async (rt) => {
      const r = await acquireTokenSilent(tokenQuery(flags, ctx.env), {
        store: openStore(ctx),
        http: () => rt.http,
        now: ctx.now,
        trace: rt.trace,
        signal: ctx.signal,
        chooseAccount: chooseAccountFlag('entra-token token'),
      });
      ctx.stdout.write(formatToken(flags.output as 'token', r.token, r.account, r.source, ctx.now(), ctx.env));
    });
    return;
  }
  await withRuntime(ctx, global, async (rt) => {
    const scopes = tokenScopes(flags.scope);
    const t = await chainToken(ctx, rt, flags, scopes, 'entra-token token');
    // a token the cache does not keep (a managed identity's): what was asked for is what it is for; a token
    // given as is (DATABRICKS_TOKEN) says nothing we asked, so its scope and resource stay empty
    const asked = t.from === 'given' ? [] : scopes;
    const token = t.token ?? {
      access_token: t.access_token,
      token_type: t.token_type,
      expires_at: t.expires_at,
      granted: asked,
      resource: resourceOf(asked) ?? '',
    };
    ctx.stdout.write(formatToken(flags.output as 'token', token, t.account, t.from, ctx.now(), ctx.env, t.source));
  });
};
