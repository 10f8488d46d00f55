/** `entra-token token`: a cached access token, refreshed silently when needed; never interactive. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { collect, withoutDiscovery } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('token')
    .description(
      'Print an access token from the cache: one with at least 5 minutes left is printed at once; otherwise\n' +
        'the cached refresh token is redeemed (the rotated one is saved first). Never signs in: with nothing\n' +
        'usable it fails with EINTERACTION_REQUIRED (exit 5) and names the command that signs in.',
    )
    .option(
      '--scope <scope>',
      'scope of the token (repeatable; default the Azure Databricks scope, or with --issuer any token of the sign-in)',
      collect,
    )
    .option('--account <account>', 'which cached account: username, home account id (oid.tid) or object id')
    .option('--tenant <tenant>', 'tenant id or domain the token must come from [env: AZURE_TENANT_ID, ARM_TENANT_ID]')
    .option('--authority <url>', 'authority base, https://host/{tenant}')
    .option(
      '--issuer <url>',
      'a sign-in with any OpenID provider, by its issuer URL (refreshed at the token endpoint it had) [env: ENTRA_TOKEN_ISSUER]',
    )
    .addOption(new Option('--cloud <cloud>', 'national cloud').choices(['public', 'usgov', 'china']))
    .option('--client-id <id>', 'the client the token was issued to [env: AZURE_CLIENT_ID, ARM_CLIENT_ID]')
    .addOption(
      new Option(
        '-o, --output <format>',
        'token (bare), json, az (as az account get-access-token), databricks (as databricks auth token)',
      )
        .choices(['token', 'json', 'az', 'databricks'])
        .default('token'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  export DATABRICKS_TOKEN=$(entra-token token)\n  entra-token token --issuer https://adb-1234567890123456.7.azuredatabricks.net/oidc\n  entra-token token --scope https://graph.microsoft.com/.default --output json\n  entra-token token --output az | jq -r .accessToken',
    );
  // --issuer needs no discovery here: the cache kept the issuer's token endpoint
  withoutDiscovery(cmd);
  handle(cmd, ctx, () => import('../handlers/token.js'));
}
