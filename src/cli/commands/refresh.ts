/** `entra-token refresh`: redeem a refresh token for new tokens (MSAL's acquire_token_by_refresh_token). */
import type { Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, addOutputOption, collect, type IdentityFlags } from '../options.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export interface RefreshFlags extends IdentityFlags, ClaimsFlags {
  refreshTokenStdin?: boolean;
  scope?: string[];
  output?: string;
  cache?: boolean;
}

export const REFRESH_TOKEN_ENV = 'ENTRA_TOKEN_REFRESH_TOKEN';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('refresh')
    .description(
      'Redeem a refresh token for new tokens (grant_type=refresh_token). The refresh token comes from\n' +
        `--refresh-token-stdin (the raw token or a whole token response JSON), ${REFRESH_TOKEN_ENV}, or the token cache.\n` +
        'Entra returns a new refresh token: it replaces the old one (printed with -o json/text; the cache is updated).',
    );
  addIdentityOptions(cmd)
    .option('--refresh-token-stdin', 'read the refresh token (or a token response JSON) from standard input')
    .option(
      '--scope <scope>',
      `scope to request (repeatable; any resource the app has consent for) [default: ${AZURE_DATABRICKS_SCOPE} ${OIDC_SCOPES.join(' ')}]`,
      collect,
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    `\nEnvironment:\n  ${REFRESH_TOKEN_ENV}   the refresh token (instead of stdin)\n\nExamples:\n` +
      '  entra-token password … -o json > t.json && entra-token refresh --authority … --client-id … --refresh-token-stdin < t.json\n' +
      '  entra-token refresh --tenant … --client-id … --refresh-token-stdin --scope https://graph.microsoft.com/.default < t.json',
  );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/refresh.js'));
}
