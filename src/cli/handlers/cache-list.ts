/** `entra-token cache list`: the cached accounts, their scopes and expiry times (never a token). */
import type { Handler } from '../command.js';
import { openStore } from '../cache-store.js';
import { out } from '../context.js';
import { relative } from '../output.js';
import { renderTable } from '../table.js';

export const run: Handler<{ output?: string }> = async (ctx, { flags }) => {
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
};
