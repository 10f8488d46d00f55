/** `entra-token exchange`: a pasted redirect (or --code) checked against its pending sign-in and redeemed. */
import type { Handler } from '../command.js';
import type { ExchangeFlags } from '../commands/exchange.js';
import { err, readStdin } from '../context.js';
import { deliverTokens, pendingProvider } from '../deliver.js';
import { withRuntime } from '../runtime.js';
import { usageError } from '../../core/errors.js';
import { exchangeCode, type CallbackInput } from '../../flows/auth-code.js';

export const run: Handler<ExchangeFlags> = async (ctx, { flags, global, args }) => {
  const redirect = args[0];
  if (redirect !== undefined && flags.code !== undefined)
    throw usageError('give either a redirect or --code, not both');
  let input: CallbackInput;
  if (flags.code !== undefined) {
    input = { code: flags.code.trim(), state: flags.state?.trim() };
  } else {
    if (flags.state !== undefined)
      throw usageError('--state goes with --code; a pasted redirect carries its own state');
    let text = redirect;
    if (text === undefined || text === '-') {
      if (text === undefined && ctx.stdin.isTTY)
        throw usageError('give the redirect URL as an argument, or - to paste it on stdin');
      if (ctx.stdin.isTTY) err(ctx, 'Paste the redirect URL, then press Enter and Ctrl-D:');
      text = await readStdin(ctx);
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
