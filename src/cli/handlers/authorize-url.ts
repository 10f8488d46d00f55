/** `entra-token authorize-url`: build the URL, remember its state, PKCE verifier and nonce for `exchange`. */
import type { Handler } from '../command.js';
import { claimsParameter } from '../claims.js';
import type { AuthorizeUrlFlags } from '../commands/authorize-url.js';
import { err, out } from '../context.js';
import { userSignInIdentity, userScopes } from '../options.js';
import { withRuntime } from '../runtime.js';
import { usageError } from '../../core/errors.js';
import { startAuthorization } from '../../flows/authorize.js';

export const run: Handler<AuthorizeUrlFlags> = async (ctx, { flags, global }) => {
  const { authority, clientId } = userSignInIdentity(flags, ctx);
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  if (flags.state !== undefined && flags.state.length < 8)
    throw usageError('--state must be at least 8 characters (the default is 256 random bits)');
  await withRuntime(ctx, global, async (rt) => {
    const scopes = userScopes(flags.scope, authority);
    const started = await startAuthorization(
      {
        authority,
        client_id: clientId,
        redirect_uri: flags.redirectUri,
        scopes,
        state: flags.state,
        pkce: flags.pkce,
        prompt: flags.prompt,
        login_hint: flags.loginHint,
        domain_hint: flags.domainHint,
        response_mode: flags.responseMode,
        claims,
      },
      { pending: rt.pending, now: ctx.now, trace: rt.trace },
    );
    out(ctx, started.url);
    if (!flags.pkce)
      err(ctx, 'entra-token: warning: --no-pkce: no code_challenge is sent; anyone who sees the code can redeem it');
    err(ctx, 'Open the URL above in a browser and sign in. The browser then goes to');
    err(ctx, `  ${flags.redirectUri}${flags.redirectUri.includes('?') ? '&' : '/?'}code=…&state=…`);
    err(ctx, 'and may show "this site can\'t be reached": that is expected. Copy the whole address and run');
    err(ctx, '  entra-token exchange     and paste it (not as an argument: other local users can read those)');
    err(ctx, 'within 10 minutes. The state, PKCE verifier and nonce are kept until then.');
  });
};
