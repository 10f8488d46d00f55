/** `entra-token cache list|clear`: what the token cache holds (never a secret), and forgetting it. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const cache = program
    .command('cache')
    .description(
      'Inspect or clear the token cache (tokens.json, 0600, in the user cache directory or ENTRA_TOKEN_CACHE_DIR)',
    );

  cache
    .command('list')
    .description('List cached accounts, their scopes and expiry times (no token is printed)')
    .addOption(
      new Option('-o, --output <format>', 'output format (default: json when piped, text on a terminal)').choices([
        'json',
        'text',
      ]),
    )
    .action(async (flags: { output?: string }) => {
      const { openStore } = await import('../cache-store.js');
      const { out } = await import('../context.js');
      const store = openStore(ctx);
      const data = await store.read();
      const now = ctx.now();
      const accounts = data.accounts.map((a) => ({
        home_account_id: a.account,
        kind: a.kind,
        username: a.username ?? null,
        name: a.name ?? null,
        tid: a.tid ?? null,
        authority: a.authority,
        client_id: a.client_id,
        has_refresh_token: Boolean(a.refresh_token),
        updated_at: new Date(a.updated_at).toISOString(),
        tokens: data.tokens
          .filter((t) => t.authority === a.authority && t.client_id === a.client_id && t.account === a.account)
          .map((t) => ({
            resource: t.resource,
            scopes: t.scopes,
            granted: t.granted,
            expires_on: new Date(t.expires_at).toISOString(),
            expires_in: Math.floor((t.expires_at - now) / 1000),
          })),
      }));
      const format = flags.output ?? (ctx.stdout.isTTY ? 'text' : 'json');
      if (format === 'json') return out(ctx, JSON.stringify({ cache: store.location, accounts }, null, 2));
      if (accounts.length === 0) return out(ctx, `The token cache ${store.location} is empty.`);
      const { renderTable } = await import('../table.js');
      const { relative } = await import('../output.js');
      const rows = accounts.flatMap((a) => (a.tokens.length ? a.tokens : [undefined]).map((t) => ({ a, t })));
      ctx.stdout.write(
        renderTable(rows, [
          { header: 'ACCOUNT', value: (r) => r.a.username ?? r.a.home_account_id },
          { header: 'CLIENT', value: (r) => r.a.client_id },
          { header: 'AUTHORITY', value: (r) => r.a.authority, max: 60 },
          {
            header: 'SCOPES',
            value: (r) => (r.t ? (r.t.granted.length ? r.t.granted : r.t.scopes).join(' ') : ''),
            max: 60,
          },
          { header: 'EXPIRES', value: (r) => (r.t ? `${r.t.expires_on} (${relative(r.t.expires_in * 1000)})` : '') },
          { header: 'REFRESH', value: (r) => (r.a.has_refresh_token ? 'yes' : 'no') },
        ]),
      );
      out(ctx, `cache: ${store.location}`);
    });

  cache
    .command('clear')
    .description("Remove cached tokens: all of them, or one account's (--account)")
    .option('--account <account>', 'username, home account id (oid.tid) or object id')
    .action(async (flags: { account?: string }) => {
      const { openStore } = await import('../cache-store.js');
      const { removeAccounts } = await import('../../io/token-cache.js');
      const { err } = await import('../context.js');
      const store = openStore(ctx);
      const removed = await store.update((d) => {
        const n = removeAccounts(d, flags.account);
        if (flags.account === undefined) d.tokens = [];
        return n;
      });
      if (flags.account !== undefined && removed === 0) {
        const { EntraTokenError } = await import('../../core/errors.js');
        throw new EntraTokenError('EUSAGE', `no cached account matches ${flags.account}`, {
          hint: 'entra-token cache list shows the cached accounts',
        });
      }
      err(
        ctx,
        `Removed ${removed} account${removed === 1 ? '' : 's'} and ${removed === 1 ? 'its' : 'their'} tokens from ${store.location}.`,
      );
    });
}
