/** `entra-token exchange`: steps 3–5 of the documented flow, from a pasted redirect to tokens. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addOutputOption } from '../options.js';

export interface ExchangeFlags {
  code?: string;
  state?: string;
  skipStateCheck?: boolean;
  sendState?: boolean;
  output?: string;
  cache?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('exchange')
    .description(
      'Exchange the redirect you were sent to after signing in for tokens: the whole URL\n' +
        '(http://localhost/?code=…&state=…&session_state=…) or its query string, pasted on stdin (or given as an\n' +
        'argument, which other local users can read: it warns).\n' +
        "The state must match a pending authorize-url; the POST adds the PKCE code_verifier to the documentation's form.",
    )
    .argument('[redirect]', 'the redirect URL or its query string (warns); nothing or - reads stdin')
    .option('--code <code>', 'the authorization code alone (with --state); - reads it from stdin')
    .option('--state <state>', 'the state that came with --code')
    .option('--skip-state-check', 'exchange a bare code without matching it to a pending sign-in (unsafe; warns)')
    .option('--send-state', "also send state in the token POST, as the documentation's curl does (Entra ignores it)")
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    '\nExamples:\n  entra-token exchange            (then paste http://localhost/?code=0.AXEA…&state=…&session_state=…)\n  pbpaste | entra-token exchange --output token',
  );
  handle(cmd, ctx, () => import('../handlers/exchange.js'));
}
