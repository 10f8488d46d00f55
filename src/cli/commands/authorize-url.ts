/** `entra-token authorize-url`: step 1 of the documented flow. */
import { Option, type Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export interface AuthorizeUrlFlags extends IdentityFlags, ClaimsFlags {
  redirectUri: string;
  scope?: string[];
  state?: string;
  pkce: boolean;
  prompt?: 'login' | 'none' | 'consent' | 'select_account' | 'create';
  loginHint?: string;
  domainHint?: string;
  responseMode?: 'query' | 'fragment' | 'form_post';
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('authorize-url')
    .description(
      'Build the authorize URL of the documented flow and remember its state, PKCE verifier and nonce for `exchange`.\n' +
        'The URL alone goes to stdout; what to do next goes to stderr.\n' +
        'Default scopes add "openid profile offline_access" to the Azure Databricks scope, so an id token and a\n' +
        "refresh token come back (the documentation's curl asks only for the Databricks scope and gets no refresh token).",
    );
  addIdentityOptions(cmd)
    .option('--redirect-uri <uri>', 'redirect URI registered for the app', 'http://localhost')
    .option(
      '--scope <scope>',
      `scope to request (repeatable) [default: ${AZURE_DATABRICKS_SCOPE} ${OIDC_SCOPES.join(' ')}]`,
      collect,
    )
    .option('--state <state>', 'state value (default: 256 random bits)')
    .option('--no-pkce', "send no code_challenge, reproducing the documentation's request byte for byte (less safe)")
    .addOption(
      new Option('--prompt <prompt>', 'prompt behaviour').choices([
        'login',
        'none',
        'consent',
        'select_account',
        'create',
      ]),
    )
    .option('--login-hint <upn>', 'pre-fill the username')
    .option('--domain-hint <domain>', 'skip home-realm discovery')
    .addOption(
      new Option('--response-mode <mode>', 'how Entra returns the code').choices(['query', 'fragment', 'form_post']),
    )
    .addHelpText(
      'after',
      '\nExample:\n  entra-token authorize-url --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/authorize-url.js'));
}
