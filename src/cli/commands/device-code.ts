/** `entra-token device-code`: sign in on another device (RFC 8628 device authorization grant). */
import type { Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, addOutputOption, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_APP_ID, AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export interface DeviceCodeFlags extends IdentityFlags, ClaimsFlags {
  scope?: string[];
  v1?: boolean;
  resource?: string;
  output?: string;
  cache?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('device-code')
    .description(
      "Sign in on another device: Entra's instructions (the page and the code to enter) go to stderr, then the\n" +
        'token endpoint is polled at the interval Entra asks for until you finish, decline, or the code expires.\n' +
        'Ctrl-C stops. Works over SSH and in containers where no browser can open; supports MFA.',
    );
  addIdentityOptions(cmd)
    .option(
      '--scope <scope>',
      `scope to request (repeatable) [default: ${AZURE_DATABRICKS_SCOPE} ${OIDC_SCOPES.join(' ')}]`,
      collect,
    )
    .option('--v1', 'use the v1 endpoints (/oauth2/devicecode, /oauth2/token) with resource=')
    .option('--resource <id>', 'the v1 resource (with --v1)', AZURE_DATABRICKS_APP_ID)
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    '\nExample:\n  entra-token device-code --tenant organizations --client-id 6a0c9e2d-… -o token',
  );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/device-code.js'));
}
