/** `entra-token whoami`: which identity the next command will use, and from where. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, type CredentialFlags } from '../credential.js';
import { collect } from '../options.js';

export interface WhoamiFlags extends CredentialFlags {
  scope?: string[];
  output?: 'text' | 'json';
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('whoami')
    .summary('which identity the next command will use, and from where')
    .description(
      'Show the identity a command such as `token` or `databricks` would use now, with the same options: a cached\n' +
        'sign-in (and why that account: --account, ENTRA_TOKEN_ACCOUNT, the default account of `account use`, or\n' +
        'the only one), an app (client secret, certificate, federated token: from a flag, the environment or a\n' +
        'profile), a managed identity, or an interactive sign-in to come. Reads the cache; sends nothing.',
    )
    .option('--scope <scope>', 'scope of the token (default the Azure Databricks scope)', collect)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addCredentialOptions(cmd).addHelpText(
    'after',
    '\nExamples:\n' +
      '  entra-token whoami\n' +
      '  entra-token whoami -o json | jq -r .identity.username\n' +
      '  entra-token whoami --profile emu --scope https://graph.microsoft.com/.default\n' +
      'Exit codes: 0 an identity (or an interactive sign-in) would be used; 2 usage; 5 nothing is configured or cached.',
  );
  handle(cmd, ctx, () => import('../handlers/whoami.js'));
}
