/** `entra-token login`: the interactive flow without copy and paste (loopback listener + browser), with paste-back. */
import { Option, type Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, addOutputOption, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export interface LoginFlags extends IdentityFlags, ClaimsFlags {
  host?: string;
  redirectUri: string;
  port?: string;
  browser: boolean;
  timeout: string;
  scope?: string[];
  pkce: boolean;
  prompt?: 'login' | 'none' | 'consent' | 'select_account' | 'create';
  loginHint?: string;
  domainHint?: string;
  responseMode?: 'query' | 'form_post';
  output?: string;
  cache?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('login')
    .summary('sign in with the system browser and a loopback listener (paste the address back over SSH)')
    .description(
      'Sign in interactively: listen on loopback (127.0.0.1 and ::1), open the system browser at the authorize URL,\n' +
        'receive the redirect, check its state and exchange the code, as `exchange` does.\n' +
        'Where the browser cannot reach this machine (SSH, WSL, containers), paste the address the browser ends on\n' +
        'into the terminal instead: whichever arrives first wins.',
    );
  addIdentityOptions(cmd)
    .option(
      '--host <url>',
      "an Azure Databricks workspace: sign in to its tenant, found from the workspace's /aad/auth redirect (no --tenant needed) [env: DATABRICKS_HOST, profile host]",
    )
    .option(
      '--redirect-uri <uri>',
      'loopback redirect URI registered for the app (its path is served; Entra ignores the port of http://localhost)',
      'http://localhost',
    )
    .option('--port <n>', "listen on this fixed port (default: the redirect URI's port, else an ephemeral one)")
    .option(
      '--no-browser',
      'do not open a browser: print the URL to open anywhere (then paste the address back if needed)',
    )
    .option('--timeout <seconds>', 'give up waiting for the sign-in after this many seconds', '300')
    .option(
      '--scope <scope>',
      `scope to request (repeatable) [default: ${AZURE_DATABRICKS_SCOPE} ${OIDC_SCOPES.join(' ')}]`,
      collect,
    )
    .option('--no-pkce', 'send no code_challenge (less safe; for comparison with the documentation only)')
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
      new Option('--response-mode <mode>', 'how the provider returns the code to the listener').choices([
        'query',
        'form_post',
      ]),
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    '\nExamples:\n' +
      '  entra-token login --host https://adb-1234567890123456.7.azuredatabricks.net   # tenant from the workspace, Azure CLI client\n' +
      '  entra-token login --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90\n' +
      '  entra-token login --no-browser --client-id … --tenant …      # over SSH: open the URL on your laptop, paste the address back\n' +
      '  TOKEN=$(entra-token login --client-id … --tenant … -o token)\n' +
      'Exit codes: 0 signed in; 2 usage; 3 state; 4 Entra refused (e.g. AADSTS65004 consent declined); 6 timeout; 130 cancelled.',
  );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/login.js'));
}
