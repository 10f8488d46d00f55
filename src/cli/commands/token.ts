/** `entra-token token`: an access token from the credential chain, printed for scripts. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, CHAIN_HELP } from '../credential.js';
import { collect, withoutDiscovery } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('token')
    .description(
      'Print an access token: a cached one with at least 5 minutes left is printed at once; otherwise it comes\n' +
        'from the credential chain (a client secret or certificate, the cached refresh token redeemed silently,\n' +
        'an interactive sign-in on a terminal). With nothing configured it fails with EINTERACTION_REQUIRED (exit 5)\n' +
        'and names the command that signs in.',
    )
    .option(
      '--scope <scope>',
      'scope of the token (repeatable; default the Azure Databricks scope, or with --issuer any token of the sign-in)',
      collect,
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'token (bare), json, az (as az account get-access-token), databricks (as databricks auth token)',
      )
        .choices(['token', 'json', 'az', 'databricks'])
        .default('token'),
    );
  addCredentialOptions(cmd).addHelpText(
    'after',
    `\n${CHAIN_HELP}. With --issuer (a sign-in with another OpenID provider) only that sign-in in the cache counts.\n\n` +
      'Examples:\n  export DATABRICKS_TOKEN=$(entra-token token)\n' +
      '  entra-token token --scope https://graph.microsoft.com/.default --output json\n' +
      '  AZURE_CLIENT_SECRET=… entra-token token --tenant <tenant id> --client-id <app id>   # app-only, cached\n' +
      '  entra-token token --issuer https://adb-1234567890123456.7.azuredatabricks.net/oidc\n' +
      '  entra-token token --output az | jq -r .accessToken',
  );
  // --issuer needs no discovery here: the cache kept the issuer's token endpoint
  withoutDiscovery(cmd);
  handle(cmd, ctx, () => import('../handlers/token.js'));
}
