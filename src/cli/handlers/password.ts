/** `entra-token password`: the resource owner password grant, the password never on the command line unwarned. */
import type { Handler } from '../command.js';
import { claimsParameter } from '../claims.js';
import { PASSWORD_ENV, type PasswordFlags } from '../commands/password.js';
import { err } from '../context.js';
import { deliverTokens } from '../deliver.js';
import { userSignInIdentity, userScopes, cacheProvider } from '../options.js';
import { withRuntime } from '../runtime.js';
import { promptHidden, secretFromStdin } from '../secrets.js';
import { usageError } from '../../core/errors.js';
import { assertPasswordTenant, checkUserRealm, passwordTokens } from '../../flows/password.js';

export const run: Handler<PasswordFlags> = async (ctx, { flags, global }) => {
  const { authority, clientId } = userSignInIdentity(flags, ctx);
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  const username = flags.username ?? ctx.env.ENTRA_TOKEN_USERNAME;
  if (!username) throw usageError('no username: give --username (e.g. alice@contoso.com)');
  assertPasswordTenant(authority); // before asking for a password that would not be sent
  if (flags.passwordStdin && flags.password !== undefined)
    throw usageError('give either --password-stdin or --password, not both');
  // where the password will come from is settled before anything is sent
  const from = flags.passwordStdin
    ? 'stdin'
    : flags.password !== undefined
      ? 'flag'
      : ctx.env[PASSWORD_ENV]
        ? 'env'
        : ctx.stdin.isTTY
          ? 'prompt'
          : undefined;
  if (!from)
    throw usageError(`no password: standard input is not a terminal, so give --password-stdin or set ${PASSWORD_ENV}`);
  if (from === 'flag')
    err(
      ctx,
      'entra-token: warning: --password puts the password on the command line, where other local users can read it (ps); use the prompt, --password-stdin or ENTRA_TOKEN_PASSWORD',
    );
  await withRuntime(ctx, global, async (rt) => {
    // the realm first: a federated user is told to sign in interactively before typing a password
    await checkUserRealm({ authority, client_id: clientId, username }, rt.deps);
    const password =
      from === 'stdin'
        ? await secretFromStdin(ctx, 'password')
        : from === 'flag'
          ? flags.password!
          : from === 'env'
            ? ctx.env[PASSWORD_ENV]!
            : await promptHidden(ctx, `Password for ${username}: `);
    const result = await passwordTokens(
      {
        authority,
        client_id: clientId,
        username,
        password,
        scopes: userScopes(flags.scope, authority),
        realmChecked: true,
        claims,
      },
      rt.deps,
    );
    await deliverTokens(ctx, flags, {
      authority: authority.url,
      provider: cacheProvider(authority),
      client_id: clientId,
      scopes: userScopes(flags.scope, authority),
      tokens: result.tokens,
      idToken: result.idToken,
    });
  });
};
