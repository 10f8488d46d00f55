/** `entra-token exchange`: steps 3–5 of the documented flow, from a pasted redirect to tokens. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { err, readStdin } from '../context.js';
import { addOutputOption, outputFormat } from '../options.js';

interface Flags {
  code?: string;
  state?: string;
  skipStateCheck?: boolean;
  sendState?: boolean;
  output?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('exchange')
    .description(
      'Exchange the redirect you were sent to after signing in for tokens: the whole URL\n' +
        '(http://localhost/?code=…&state=…&session_state=…), its query string, or - to paste it on stdin.\n' +
        "The state must match a pending authorize-url; the POST adds the PKCE code_verifier to the documentation's form.",
    )
    .argument('[redirect]', 'the redirect URL or its query string, or - for stdin')
    .option('--code <code>', 'the authorization code alone (with --state)')
    .option('--state <state>', 'the state that came with --code')
    .option('--skip-state-check', 'exchange a bare code without matching it to a pending sign-in (unsafe; warns)')
    .option('--send-state', "also send state in the token POST, as the documentation's curl does (Entra ignores it)")
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      "\nExamples:\n  entra-token exchange 'http://localhost/?code=0.AXEA…&state=…&session_state=…'\n  pbpaste | entra-token exchange - --output token",
    )
    .action(async (redirect: string | undefined, flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      if (redirect !== undefined && flags.code !== undefined)
        throw usageError('give either a redirect or --code, not both');
      let input: import('../../flows/auth-code.js').CallbackInput;
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
      const { createRuntime } = await import('../runtime.js');
      const { exchangeCode } = await import('../../flows/auth-code.js');
      const { printTokens } = await import('../output.js');
      const rt = await createRuntime(ctx, command);
      try {
        const result = await exchangeCode(
          {
            input,
            pending: rt.pending,
            skipStateCheck: flags.skipStateCheck,
            sendState: flags.sendState,
            warn: (l) => err(ctx, l),
          },
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        const { storeTokens } = await import('../cache-store.js');
        const p = result.pending;
        await storeTokens(ctx, command, {
          authority: p.authority,
          client_id: p.client_id,
          scopes: p.scopes,
          tokens: result.tokens,
          idToken: result.idToken,
        });
        printTokens(ctx, outputFormat(flags.output, ctx), result.tokens, result.idToken);
      } finally {
        await rt.finish();
      }
    });
}
