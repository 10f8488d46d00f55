/** `entra-token exchange`: a pasted redirect (or --code) checked against its pending sign-in and redeemed. */
import type { Handler } from '../command.js';
import type { ExchangeFlags } from '../commands/exchange.js';
import { err, readStdin } from '../context.js';
import { deliverTokens, pendingProvider } from '../deliver.js';
import { withRuntime } from '../runtime.js';
import { usageError } from '../../core/errors.js';
import { warnSecretOnArgv } from '../secrets.js';
import { exchangeCode, type CallbackInput } from '../../flows/auth-code.js';

export const run: Handler<ExchangeFlags> = async (ctx, { flags, global, args }) => {
  const redirect = args[0];
  if (redirect !== undefined && flags.code !== undefined)
    throw usageError('give either a redirect or --code, not both');
  let input: CallbackInput;
  if (flags.code !== undefined) {
    let code = flags.code;
    if (code === '-') {
      if (ctx.stdin.isTTY) err(ctx, 'Paste the authorization code, then press Enter and Ctrl-D:');
      code = await readStdin(ctx);
    } else {
      warnSecretOnArgv(ctx, 'the code', 'give --code - and paste it on standard input');
    }
    input = { code: code.trim(), state: flags.state?.trim() };
  } else {
    if (flags.state !== undefined)
      throw usageError('--state goes with --code; a pasted redirect carries its own state');
    let text = redirect;
    if (text === undefined || text === '-') {
      // a redirect on the command line could be read by other local users: paste it here instead
      if (ctx.stdin.isTTY) err(ctx, 'Paste the redirect URL, then press Enter and Ctrl-D:');
      text = await readStdin(ctx);
    } else if (/(^|[?&#\s])code=/.test(text)) {
      // (an error redirect carries no code, so no secret)
      warnSecretOnArgv(
        ctx,
        'the redirect (with its code)',
        'paste it on standard input instead: entra-token exchange, or pbpaste | entra-token exchange',
      );
    }
    input = { redirect: text, via: redirect === undefined || redirect === '-' ? 'pasted on stdin' : 'argument' };
  }
  await withRuntime(ctx, global, async (rt) => {
    const result = await exchangeCode(
      {
        input,
        pending: rt.pending,
        skipStateCheck: flags.skipStateCheck,
        sendState: flags.sendState,
        warn: (l) => err(ctx, l),
      },
      rt.deps,
    );
    const p = result.pending;
    await deliverTokens(ctx, flags, {
      authority: p.authority,
      provider: pendingProvider(p),
      client_id: p.client_id,
      scopes: p.scopes,
      tokens: result.tokens,
      idToken: result.idToken,
    });
  });
};
