/** `entra-token account use NAME`: the default account of every command (like `az account set`). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export interface AccountUseFlags {
  none?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const account = program
    .command('account')
    .description('the default account: which cached sign-in commands use when several could answer');
  const use = account
    .command('use')
    .summary('make a cached sign-in the default account (like az account set)')
    .description(
      'Make a cached sign-in the default account: `token`, `databricks`, `graph`, `serve`, `exec` and `auth describe`\n' +
        'use it when no --account or ENTRA_TOKEN_ACCOUNT names one. NAME is a username, a home account id (oid.tid)\n' +
        'or an object id of a cached account (entra-token cache list shows them). Kept in default-account.json\n' +
        '(0600) in the state directory; --none forgets it. `entra-token whoami` shows which account is used and why.',
    )
    .argument('[name]', 'username, home account id (oid.tid) or object id of a cached sign-in')
    .option('--none', 'forget the default account');
  use.addHelpText(
    'after',
    '\nExamples:\n' +
      '  entra-token account use alice@contoso.com\n' +
      '  entra-token account use 3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46.72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13\n' +
      '  entra-token account use --none\n' +
      'Exit codes: 0 done; 2 no such cached account, or several accounts share that name.',
  );
  handle(use, ctx, () => import('../handlers/account-use.js'));
}
