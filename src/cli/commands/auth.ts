/**
 * `entra-token auth describe`: which credential the chain would use for a scope, and why each earlier
 * source was skipped (as `databricks auth describe` does for the Databricks unified auth). No secret
 * is printed, no token requested.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, CHAIN_HELP, type CredentialFlags } from '../credential.js';
import { collect } from '../options.js';

export interface AuthDescribeFlags extends CredentialFlags {
  scope?: string[];
  output?: 'text' | 'json';
}

export function register(program: Command, ctx: CliContext): void {
  const auth = program
    .command('auth')
    .description('which credential entra-token would use, and why (the credential chain)');
  const describe = auth
    .command('describe')
    .description(
      'Show which source of the credential chain would give the token for a scope, where it is configured, and\n' +
        'why each earlier source was skipped. Reads the cache; sends nothing; never prints a secret.',
    )
    .option('--scope <scope>', 'scope of the token (default the Azure Databricks scope)', collect)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addCredentialOptions(describe).addHelpText(
    'after',
    `\n${CHAIN_HELP}.\n\nExamples:\n  entra-token auth describe\n  entra-token auth describe --profile emu --scope https://graph.microsoft.com/.default -o json`,
  );
  handle(describe, ctx, () => import('../handlers/auth-describe.js'));
}
