/** `entra-token graph users list`: list the directory's users through Microsoft Graph with an access token. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, CHAIN_HELP, type CredentialFlags } from '../credential.js';

export interface UsersListOptions extends CredentialFlags {
  top?: string;
  max?: string;
  pageSize?: string;
  output: 'table' | 'json';
  graphUrl?: string;
  skipTokenChecks?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const graph = program
    .command('graph')
    .description('call Microsoft Graph with an Entra access token')
    .addHelpText(
      'after',
      `\n${CHAIN_HELP} (scope https://graph.microsoft.com/.default).\nAn app-only token needs the User.Read.All application permission.\n` +
        'Examples:\n  AZURE_CLIENT_SECRET=… entra-token graph users list --tenant <tenant id> --client-id <app id>   # the daemon app\n' +
        '  entra-token graph users list --top 3 --output json\n' +
        'Exit codes: 0 ok, 2 usage, 5 no credential, 7 token claim check failed, 9 Graph refused the call.',
    );
  const users = graph.command('users').description('users API');
  const list = users.command('list');
  list
    .description('list users (GET /v1.0/users, following @odata.nextLink on the same host)')
    .option('--top <n>', 'list at most this many users (every page is fetched up to that)')
    .option(
      '--page-size <n>',
      "users per Graph page, sent as $top (1-999; default --top when it fits, else Graph's 100)",
    )
    .addOption(new Option('--max <n>', 'the same as --top (its former name)').hideHelp())
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--graph-url <url>', 'Graph base URL (default: $ENTRA_TOKEN_GRAPH_URL or https://graph.microsoft.com)')
    .option('--skip-token-checks', 'send the token even if its audience or lifetime look wrong');
  addCredentialOptions(list).addHelpText(
    'after',
    '\nExamples:\n  entra-token graph users list --top 3\n' +
      '  AZURE_CLIENT_SECRET=… entra-token graph users list --tenant <tenant id> --client-id <app id> --output json\n' +
      'Exit codes: 0 ok, 2 usage, 5 no credential, 7 token claim check failed, 9 Graph refused the call.',
  );
  handle(list, ctx, () => import('../handlers/graph-users-list.js'));
}
