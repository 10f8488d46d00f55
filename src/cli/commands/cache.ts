/** `entra-token cache list|clear`: what the token cache holds (never a secret), and forgetting it. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export function register(program: Command, ctx: CliContext): void {
  const cache = program
    .command('cache')
    .description(
      'Inspect or clear the token cache (tokens.json, 0600, in the user cache directory or ENTRA_TOKEN_CACHE_DIR)',
    );

  const list = cache
    .command('list')
    .description('List cached accounts, their scopes and expiry times (no token is printed)')
    .addOption(
      new Option('-o, --output <format>', 'output format (default: json when piped, text on a terminal)').choices([
        'json',
        'text',
      ]),
    );
  list.addHelpText('after', '\nExamples:\n  entra-token cache list\n  entra-token cache list -o text');
  handle(list, ctx, () => import('../handlers/cache-list.js'));

  const clear = cache
    .command('clear')
    .description("Remove cached tokens: all of them, or one account's (--account)")
    .option('--account <account>', 'username, home account id (oid.tid) or object id');
  clear.addHelpText(
    'after',
    '\nExamples:\n  entra-token cache clear --account alice@contoso.com\n  entra-token cache clear            # every account\n' +
      'Exit codes: 0 removed; 2 no cached account matches --account; 10 the cache cannot be read or written.',
  );
  handle(clear, ctx, () => import('../handlers/cache-clear.js'));
}
