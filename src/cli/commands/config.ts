/**
 * `entra-token config show`: every effective setting and where it came from (flag, env NAME, profile
 * NAME in FILE:LINE, default), secrets masked. Offline: `--issuer` is shown, not discovered.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, withoutDiscovery } from '../options.js';

export interface ConfigShowFlags {
  tenant?: string;
  authority?: string;
  issuer?: string;
  cloud?: string;
  clientId?: string;
  profile?: string;
  host?: string;
  resourceId?: string;
  certificate?: string;
  output?: 'text' | 'json';
}

export function register(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description('show the configuration entra-token would use, and where each value comes from');
  const show = config
    .command('show')
    .description(
      'Print each effective setting and its source: a flag, an environment variable, a ~/.databrickscfg profile\n' +
        '(with file and line) or the default. Precedence: flag > environment > profile > default. Secrets are masked.',
    );
  addIdentityOptions(show)
    .option('--host <url>', 'Azure Databricks workspace URL [env: DATABRICKS_HOST]')
    .option('--resource-id <id>', 'ARM id of the workspace [env: DATABRICKS_AZURE_RESOURCE_ID]')
    .option(
      '--certificate <file>',
      'PEM certificate and key of a confidential app [env: AZURE_CLIENT_CERTIFICATE_PATH]',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  show.addHelpText(
    'after',
    '\nExamples:\n  entra-token config show\n  entra-token config show --profile emu -o json\n' +
      'Exit codes: 0 shown; 2 a setting is malformed (a bad tenant, an unknown profile).',
  );
  withoutDiscovery(show);
  handle(show, ctx, () => import('../handlers/config-show.js'));
}
