/** `entra-token serve` and `entra-token exec`: be the token source of Databricks tools (metadata-service auth). */
import type { Command } from 'commander';
import { ExitWith, type CliContext } from '../context.js';
import type { MetadataFlags } from '../metadata.js';

function metadataOptions(cmd: Command): Command {
  return cmd
    .option('--host <url>', 'workspace URL, e.g. https://adb-<id>.<n>.azuredatabricks.net (default: $DATABRICKS_HOST)')
    .option('--resource-id <id>', 'ARM id of the workspace (default: $DATABRICKS_AZURE_RESOURCE_ID)')
    .option('--subscription <id>', 'compose the resource id: subscription id')
    .option('--resource-group <name>', 'compose the resource id: resource group')
    .option('--workspace <name>', 'compose the resource id: workspace name')
    .option('--account <name>', 'which cached sign-in to use when several match (username or object id)')
    .option(
      '--token-stdin',
      'serve the access token (or token response JSON) read from standard input until it expires',
    );
}

const TOKENS =
  '\nTokens come from --token-stdin, $ENTRA_TOKEN_ACCESS_TOKEN, or the token cache (refreshed silently 25 min\nbefore expiry; sign in first with login, device-code, password or client-credentials).';

export function register(program: Command, ctx: CliContext): void {
  metadataOptions(
    program
      .command('serve')
      .description(
        'Serve Azure Databricks tokens to the Databricks CLI, SDKs and Terraform (metadata-service auth) on\n' +
          '127.0.0.1, at a random path, for one workspace; prints one JSON line and the export lines, then runs\n' +
          'until Ctrl-C, SIGTERM or the end of the process that started it.',
      )
      .option('--port <port>', 'listen on this port of 127.0.0.1 (default: a free one)'),
  )
    .addHelpText(
      'after',
      `${TOKENS}\n\nExamples:\n  entra-token serve --host https://adb-1234567890123456.7.azuredatabricks.net\n  entra-token serve > ms.out &   # line 1: JSON; then export lines (. <(tail -n +2 ms.out))\nExit codes: 0 stopped, 2 usage, 5 no usable sign-in, 8 insecure URL.`,
    )
    .action(async (flags: MetadataFlags, command: Command) => {
      const [{ createRuntime }, { serveWith }] = await Promise.all([
        import('../runtime.js'),
        import('../handlers/serve.js'),
      ]);
      const rt = await createRuntime(ctx, command);
      try {
        await serveWith(ctx, flags, rt);
      } finally {
        await rt.finish();
      }
    });

  metadataOptions(
    program
      .command('exec')
      .description(
        'Run a command with its own metadata service: DATABRICKS_HOST, DATABRICKS_AUTH_TYPE=metadata-service and\n' +
          'DATABRICKS_METADATA_SERVICE_URL are set for it (DATABRICKS_TOKEN and other competing credentials removed),\n' +
          "signals are passed on, and entra-token exits with the command's exit code.",
      )
      .argument('<command...>', 'the command and its arguments, after --'),
  )
    .addHelpText(
      'after',
      `${TOKENS}\n\nExamples:\n  entra-token exec --host https://adb-1234567890123456.7.azuredatabricks.net -- databricks clusters list\n  entra-token exec -- terraform apply\nExit codes: the command's; 127 command not found; before it starts: 2 usage, 5 no usable sign-in.`,
    )
    .action(async (argv: string[], flags: MetadataFlags, command: Command) => {
      const [{ createRuntime }, { execWith }] = await Promise.all([
        import('../runtime.js'),
        import('../handlers/exec.js'),
      ]);
      const rt = await createRuntime(ctx, command);
      let code: number;
      try {
        code = await execWith(ctx, flags, argv, rt);
      } finally {
        await rt.finish();
      }
      if (code !== 0) throw new ExitWith(code);
    });
}
