/** `entra-token graph users list`: list the directory's users through Microsoft Graph with an access token. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export interface UsersListOptions {
  top?: string;
  max?: string;
  output: 'table' | 'json';
  graphUrl?: string;
  authority?: string;
  tokenStdin?: boolean;
  account?: string;
  skipTokenChecks?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const graph = program
    .command('graph')
    .description('call Microsoft Graph with an Entra access token')
    .addHelpText(
      'after',
      '\nThe token comes from --token-stdin, $ENTRA_TOKEN_ACCESS_TOKEN, or the token cache (scope\nhttps://graph.microsoft.com/.default, refreshed silently). An app-only token needs the\nUser.Read.All application permission (scope https://graph.microsoft.com/.default).\nExit codes: 0 ok, 2 usage, 7 token claim check failed, 9 Graph refused the call.',
    );
  const users = graph.command('users').description('users API');
  const list = users
    .command('list')
    .description('list users (GET /v1.0/users, following @odata.nextLink on the same host)')
    .option('--top <n>', 'page size sent as $top (1-999); every page is fetched')
    .option('--max <n>', 'stop after this many users')
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--graph-url <url>', 'Graph base URL (default: $ENTRA_TOKEN_GRAPH_URL or https://graph.microsoft.com)')
    .option(
      '--authority <url>',
      'authority for the admin-consent link in hints, e.g. https://login.microsoftonline.com/<tenant>',
    )
    .option('--token-stdin', 'read the access token (or a token response JSON) from standard input')
    .option('--account <name>', 'which cached sign-in to use when several match (username or object id)')
    .option('--skip-token-checks', 'send the token even if its audience or lifetime look wrong');
  handle(list, ctx, () => import('../handlers/graph-users-list.js'));
}
