/** `entra-token whoami`: the identity the credential chain would use now, and where each part of it comes from. */
import type { Handler } from '../command.js';
import type { WhoamiFlags } from '../commands/whoami.js';
import { chosenAccount, tilde } from '../account.js';
import { out } from '../context.js';
import { chainDeps, chainOptions } from '../credential.js';
import { tokenScopes } from '../token-fast.js';
import { lookup } from '../../core/cache-keys.js';
import { describeSource } from '../../core/config.js';
import { chainCacheQuery } from '../../core/credential-chain.js';
import { EntraTokenError } from '../../core/errors.js';
import { decodeJwtUnverified } from '../../core/jwt.js';
import { AZURE_CLI_CLIENT_ID } from '../../core/provider.js';
import { cacheAuthorityOf, chainScopes, describeAuthority, planCredential } from '../../flows/credential.js';
import { defaultAccountPath, readDefaultAccount } from '../../io/default-account.js';

interface Identity {
  kind: 'user' | 'app' | 'managed-identity' | 'token';
  username?: string | undefined;
  name?: string | undefined;
  account?: string | undefined;
  tenant?: string | undefined;
  client_id?: string | undefined;
  authority?: string | undefined;
}

export const run: Handler<WhoamiFlags> = async (ctx, { flags }) => {
  const opts = await chainOptions(ctx, flags);
  const deps = await chainDeps(ctx, undefined);
  const scopes = chainScopes(tokenScopes(flags.scope));
  const plan = await planCredential(opts, deps, scopes);
  const s = opts.config.settings;
  const choice = chosenAccount(flags, ctx);
  const saved = readDefaultAccount(ctx.env);
  const chosen = plan.chosen;
  let identity: Identity | null = null;
  let token: { expires_on: string; expires_in: number; refresh_token: boolean } | null = null;
  let accountFrom: string | null = null;

  if (chosen?.id === 'cached-sign-in') {
    const cache = await deps.store.read();
    const now = deps.now();
    const found = lookup(
      cache,
      chainCacheQuery({ settings: s, scopes, account: opts.account, cacheAuthority: cacheAuthorityOf(opts) }),
      now,
      0,
    );
    if (found.account) {
      const a = found.account;
      identity = {
        kind: a.kind,
        username: a.username,
        name: a.name,
        account: a.account,
        tenant: a.tid,
        client_id: a.client_id,
        authority: a.authority,
      };
      if (found.token)
        token = {
          expires_on: new Date(found.token.expires_at).toISOString(),
          expires_in: Math.max(0, Math.round((found.token.expires_at - now) / 1000)),
          refresh_token: Boolean(a.refresh_token),
        };
      else token = null;
      accountFrom = choice ? choice.via : 'the only cached sign-in that can answer';
    }
  } else if (chosen && ['client-secret', 'certificate', 'federated'].includes(chosen.id)) {
    identity = { kind: 'app', client_id: s.client_id?.value, authority: describeAuthority(opts) };
  } else if (chosen?.id === 'managed-identity') {
    identity = { kind: 'managed-identity', client_id: opts.managedIdentity ?? s.client_id?.value };
  } else if (chosen?.id === 'access-token') {
    identity = { kind: 'token' };
    const raw = ctx.env.ENTRA_TOKEN_ACCESS_TOKEN?.trim();
    if (raw && !flags.tokenStdin) {
      try {
        const c = decodeJwtUnverified(raw).claims;
        const str = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
        identity = {
          kind: str('upn') || str('preferred_username') ? 'user' : 'app',
          username: str('upn') ?? str('preferred_username') ?? str('unique_name'),
          name: str('name'),
          tenant: str('tid'),
          client_id: str('appid') ?? str('azp'),
        };
      } catch {
        identity = { kind: 'token' }; // not a JWT: the token is used as given, nothing more is known
      }
    }
  }

  if (!chosen)
    throw new EntraTokenError(
      'EINTERACTION_REQUIRED',
      'nobody: no credential is configured and no cached sign-in matches',
      {
        hint: 'sign in: entra-token login --host <workspace URL> (entra-token auth describe shows why each source was skipped)',
      },
    );

  const report = {
    identity,
    source: chosen.id,
    via: chosen.detection.via,
    account_from: accountFrom,
    default_account: saved
      ? { account: saved.account, username: saved.username ?? null, file: defaultAccountPath(ctx.env) }
      : null,
    scope: scopes.join(' '),
    client_id: s.client_id
      ? { value: s.client_id.value, source: describeSource(s.client_id.source) }
      : chosen.id === 'interactive'
        ? { value: AZURE_CLI_CLIENT_ID, source: "default: the Azure CLI's public client" }
        : null,
    token,
  };
  if (flags.output === 'json') {
    out(ctx, JSON.stringify(report, null, 2));
    return;
  }
  const row = (k: string, v: string) => out(ctx, `  ${k.padEnd(10)} ${v}`);
  if (chosen.id === 'interactive') {
    out(ctx, 'not signed in: the next command signs in interactively');
    row('how', chosen.detection.via);
    if (report.client_id) row('client', `${report.client_id.value} (${report.client_id.source})`);
    return;
  }
  const who = identity?.username
    ? `${identity.username}${identity.name ? ` (${identity.name})` : ''}`
    : identity?.kind === 'app'
      ? `app ${identity.client_id ?? '(client id not set)'}`
      : identity?.kind === 'managed-identity'
        ? `managed identity${identity.client_id ? ` ${identity.client_id}` : ' (system-assigned)'}`
        : 'the access token given';
  out(ctx, who);
  row('source', `${plan.chosen!.title}: ${chosen.detection.via}`);
  if (accountFrom) row('account', `chosen by ${accountFrom}`);
  if (identity?.tenant) row('tenant', identity.tenant);
  if (identity?.client_id && identity.kind !== 'managed-identity') {
    const src =
      s.client_id && s.client_id.value === identity.client_id ? ` (${describeSource(s.client_id.source)})` : '';
    row('client', `${identity.client_id}${src}`);
  }
  if (identity?.authority) row('authority', identity.authority);
  if (token)
    row(
      'token',
      `${report.scope}: ${token.expires_in > 0 ? `valid ${Math.round(token.expires_in / 60)} min more` : 'expired'}; refresh token: ${token.refresh_token ? 'yes' : 'no'}`,
    );
  if (saved && accountFrom !== null && !accountFrom.startsWith('the default account'))
    row(
      'default',
      `${saved.username ?? saved.account} (${tilde(defaultAccountPath(ctx.env), ctx.env)}), not used here`,
    );
};
