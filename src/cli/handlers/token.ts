/**
 * `entra-token token`: an access token from the credential chain (flows/credential.ts) — a cached one
 * with at least 5 minutes left, refreshed silently, or from whatever credential is configured. The
 * package's bin answers a plain cache hit before commander loads (token-fast.ts); this handler is the
 * full path: validation of --authority/--tenant/--cloud, then the chain.
 */
import type { Handler } from '../command.js';
import { chainToken, type CredentialFlags } from '../credential.js';
import { resolveIdentity } from '../options.js';
import { withRuntime } from '../runtime.js';
import { formatToken, tokenScopes, type TokenFlags } from '../token-fast.js';

export const run: Handler<TokenFlags & CredentialFlags> = async (ctx, { flags, global }) => {
  if (flags.authority || flags.tenant || flags.cloud) {
    // validate what was given (bad tenant, plain http to a remote host) before anything else
    resolveIdentity(flags, ctx, { needClient: false });
  }
  await withRuntime(ctx, global, async (rt) => {
    const t = await chainToken(ctx, rt, flags, tokenScopes(flags.scope), 'entra-token token');
    const token = t.token ?? {
      access_token: t.access_token,
      token_type: t.token_type,
      expires_at: t.expires_at,
      granted: [],
      resource: '',
    };
    ctx.stdout.write(formatToken(flags.output as 'token', token, t.account, t.from, ctx.now(), ctx.env, t.source));
  });
};
