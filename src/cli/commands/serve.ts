/** `entra-token serve`: be the token source of Databricks tools (metadata-service auth, docs/protocol.md §12). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, CHAIN_HELP } from '../credential.js';

/** The options `serve` and `exec` share: the workspace, and the credential chain's options. */
export function metadataOptions(cmd: Command): Command {
  return addCredentialOptions(
    cmd
      .option(
        '--host <url>',
        'workspace URL, e.g. https://adb-<id>.<n>.azuredatabricks.net (default: $DATABRICKS_HOST)',
      )
      .option('--resource-id <id>', 'ARM id of the workspace (default: $DATABRICKS_AZURE_RESOURCE_ID)')
      .option('--subscription <id>', 'compose the resource id: subscription id')
      .option('--resource-group <name>', 'compose the resource id: resource group')
      .option('--workspace <name>', 'compose the resource id: workspace name'),
  );
}

export const TOKENS_HELP = `\n${CHAIN_HELP}. A new token is fetched when the chain would refresh it (5 min before\nexpiry); only the first one may come from an interactive sign-in. A token given as is is served until it expires.`;

export function register(program: Command, ctx: CliContext): void {
  const cmd = metadataOptions(
    program
      .command('serve')
      .description(
        'Serve Azure Databricks tokens to the Databricks CLI, SDKs and Terraform (metadata-service auth) on\n' +
          '127.0.0.1, at a random path, for one workspace; prints one JSON line and the export lines, then runs\n' +
          'until Ctrl-C, SIGTERM or the end of the process that started it.',
      )
      .option('--port <port>', 'listen on this port of 127.0.0.1 (default: a free one)'),
  ).addHelpText(
    'after',
    `${TOKENS_HELP}\n\nExamples:\n  entra-token serve --host https://adb-1234567890123456.7.azuredatabricks.net\n  entra-token serve > ms.out &   # line 1: the JSON line; then the export lines\nExit codes: 0 stopped, 2 usage, 5 no usable sign-in, 8 insecure URL.`,
  );
  handle(cmd, ctx, () => import('../handlers/serve.js'));
}
