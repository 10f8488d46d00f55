/** `entra-token admin-consent-url`: the URL a tenant administrator opens to consent for the whole tenant. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_SCOPE } from '../../core/clouds.js';

export interface AdminConsentUrlFlags extends IdentityFlags {
  scope?: string[];
  redirectUri: string;
  state?: string;
  v1?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('admin-consent-url')
    .description(
      'Print the admin-consent URL for an app: v2 /{tenant}/v2.0/adminconsent with a scope (default), or the legacy\n' +
        "/{tenant}/adminconsent the Graph daemon quickstart shows (--v1: all the app's configured permissions).\n" +
        'An administrator opens it, signs in and accepts; the browser then goes to the redirect URI with admin_consent=True.',
    );
  addIdentityOptions(cmd)
    .option('--scope <scope>', `scope to consent to (repeatable, v2) [default: ${AZURE_DATABRICKS_SCOPE}]`, collect)
    .option('--redirect-uri <uri>', 'a redirect URI registered for the app', 'http://localhost')
    .option('--state <state>', 'state value (default: random)')
    .option('--v1', 'the legacy /adminconsent URL (no scope)')
    .addHelpText(
      'after',
      '\nExamples:\n  entra-token admin-consent-url --tenant <tenant id> --client-id <app id> --scope https://graph.microsoft.com/.default\n  entra-token admin-consent-url --tenant <tenant id> --client-id <app id> --v1',
    );
  handle(cmd, ctx, () => import('../handlers/admin-consent-url.js'));
}
