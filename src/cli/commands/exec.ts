/** `entra-token exec -- <command>`: run a Databricks tool with a metadata service of its own (docs/protocol.md §12). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { metadataOptions, TOKENS_HELP } from './serve.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = metadataOptions(
    program
      .command('exec')
      .description(
        'Run a command with its own metadata service: DATABRICKS_HOST, DATABRICKS_AUTH_TYPE=metadata-service and\n' +
          'DATABRICKS_METADATA_SERVICE_URL are set for it (DATABRICKS_TOKEN and other competing credentials removed),\n' +
          "signals are passed on, and entra-token exits with the command's exit code.",
      )
      .argument('<command...>', 'the command and its arguments, after --'),
  ).addHelpText(
    'after',
    `${TOKENS_HELP}\n\nExamples:\n  entra-token exec --host https://adb-1234567890123456.7.azuredatabricks.net -- databricks clusters list\n  entra-token exec -- terraform apply\nExit codes: the command's (128+n for signal n); 127 command not found, 126 not runnable; before it starts: 2 usage, 5 no usable sign-in.`,
  );
  handle(cmd, ctx, () => import('../handlers/exec.js'));
}
