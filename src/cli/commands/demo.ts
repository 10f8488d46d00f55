/**
 * `entra-token demo` (`npm run demo`): the documented flow end to end against the embedded emulator,
 * step by step: authorize URL, sign-in, redirect, token request, token, its claims, the Databricks call.
 * Secrets are shown redacted, as in every trace.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('demo')
    .description('Run the documented browser-plus-curl flow end to end against the embedded emulator, step by step')
    .addHelpText(
      'after',
      '\nExamples:\n  entra-token demo\n  npm run demo          # the same from a clone (builds first only when dist is older than src)\n' +
        "Exit codes: 0 every step passed; otherwise the failing step's error code.",
    );
  handle(cmd, ctx, () => import('../handlers/demo.js'));
}
