/** `entra-token device-code`: sign in on another device (RFC 8628), polling until the user finishes. */
import type { Handler } from '../command.js';
import { claimsParameter } from '../claims.js';
import type { DeviceCodeFlags } from '../commands/device-code.js';
import { err } from '../context.js';
import { deliverTokens } from '../deliver.js';
import { userSignInIdentity, userScopes, cacheProvider } from '../options.js';
import { withRuntime } from '../runtime.js';
import { usageError } from '../../core/errors.js';
import { forTerminal } from '../../core/terminal-text.js';
import { deviceCodeTokens } from '../../flows/device-code.js';

export const run: Handler<DeviceCodeFlags> = async (ctx, { flags, global, given }) => {
  const { authority, clientId } = userSignInIdentity(flags, ctx);
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  if (flags.v1 && flags.scope) throw usageError('--v1 takes --resource, not --scope');
  if (!flags.v1 && given('resource')) throw usageError('--resource goes with --v1; the v2 endpoint takes --scope');
  await withRuntime(ctx, global, async (rt) => {
    const result = await deviceCodeTokens(
      {
        authority,
        client_id: clientId,
        scopes: userScopes(flags.scope, authority),
        v1Resource: flags.v1 ? flags.resource : undefined,
        claims,
        onPrompt: (d) => {
          err(ctx, forTerminal(d.message, { oneLine: true })); // the server's text: never interpreted by the terminal
          err(
            ctx,
            `Waiting for the sign-in (code ${forTerminal(d.user_code, { oneLine: true })}, expires in ${Math.round(d.expires_in / 60)} min; Ctrl-C to stop)…`,
          );
        },
      },
      rt.deps,
    );
    err(ctx, 'Signed in.');
    const scopes = flags.v1 ? [`${flags.resource}/.default`] : userScopes(flags.scope, authority);
    await deliverTokens(ctx, flags, {
      authority: authority.url,
      provider: cacheProvider(authority),
      client_id: clientId,
      scopes,
      tokens: result.tokens,
      idToken: result.idToken,
    });
  });
};
