/** `entra-token password`: the resource owner password grant (the documentation's get-tokens-for-user). */
import type { Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, addOutputOption, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export interface PasswordFlags extends IdentityFlags, ClaimsFlags {
  username?: string;
  passwordStdin?: boolean;
  password?: string;
  scope?: string[];
  output?: string;
  cache?: boolean;
}

export const PASSWORD_ENV = 'ENTRA_TOKEN_PASSWORD';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('password')
    .description(
      "Get tokens with a username and password (the OAuth 2.0 resource owner password grant, as MSAL's\n" +
        'acquire_token_by_username_password). The password is asked for without echo on a terminal, or read from\n' +
        `--password-stdin or ${PASSWORD_ENV}. Needs "Allow public client flows" on the app; does not work with MFA,\n` +
        'federated (ADFS) users or personal accounts, and not over the common / consumers authorities.',
    );
  addIdentityOptions(cmd)
    .option('--username <upn>', 'the user principal name, e.g. alice@contoso.com [env: ENTRA_TOKEN_USERNAME]')
    .option('--password-stdin', 'read the password from standard input (one line)')
    .option('--password <value>', 'the password on the command line (unsafe: other local users can read it; warns)')
    .option(
      '--scope <scope>',
      `scope to request (repeatable) [default: ${AZURE_DATABRICKS_SCOPE} ${OIDC_SCOPES.join(' ')}]`,
      collect,
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    `\nEnvironment:\n  ${PASSWORD_ENV}   the password (instead of the prompt)\n\nExamples:\n` +
      '  entra-token password --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-… --username alice@contoso.com\n' +
      '  printf %s "$PW" | entra-token password --authority … --client-id … --username alice@contoso.com --password-stdin -o token',
  );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/password.js'));
}
