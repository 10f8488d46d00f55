/** `entra-token admin-consent-url`: the URL a tenant administrator opens to consent for the whole tenant. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { err, out } from '../context.js';
import { addIdentityOptions, collect, resolveIdentity, type IdentityFlags } from '../options.js';

interface Flags extends IdentityFlags {
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
    .option(
      '--scope <scope>',
      'scope to consent to (repeatable, v2) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default]',
      collect,
    )
    .option('--redirect-uri <uri>', 'a redirect URI registered for the app', 'http://localhost')
    .option('--state <state>', 'state value (default: random)')
    .option('--v1', 'the legacy /adminconsent URL (no scope)')
    .addHelpText(
      'after',
      '\nExamples:\n  entra-token admin-consent-url --tenant <tenant id> --client-id <app id> --scope https://graph.microsoft.com/.default\n  entra-token admin-consent-url --tenant <tenant id> --client-id <app id> --v1',
    )
    .action(async (flags: Flags) => {
      const { usageError } = await import('../../core/errors.js');
      const { authority, clientId } = resolveIdentity(flags, ctx);
      if (flags.v1 && flags.scope)
        throw usageError('--v1 has no scope: it consents to every permission configured on the app');
      const { adminConsentUrlV1, adminConsentUrlV2 } = await import('../../core/admin-consent.js');
      const { cryptoRandom } = await import('../../io/random.js');
      const state = flags.state ?? cryptoRandom.state();
      const p = { authority, client_id: clientId, redirect_uri: flags.redirectUri, state };
      const url = flags.v1
        ? adminConsentUrlV1(p)
        : adminConsentUrlV2({
            ...p,
            scopes: flags.scope?.flatMap((s) => s.split(/\s+/).filter(Boolean)) ?? [
              '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
            ],
          });
      out(ctx, url);
      err(ctx, 'A tenant administrator opens this URL and accepts. The browser then goes to');
      err(
        ctx,
        `  ${flags.redirectUri}${flags.redirectUri.includes('?') ? '&' : '/?'}admin_consent=True&tenant=…&state=${state}`,
      );
      err(ctx, 'Check that state matches; do not trust the tenant value in that redirect for authorization.');
    });
}
