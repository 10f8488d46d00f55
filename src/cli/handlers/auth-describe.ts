/** `entra-token auth describe`: the credential chain's decision for a scope, with every skip reason. */
import type { Handler } from '../command.js';
import type { AuthDescribeFlags } from '../commands/auth.js';
import { out } from '../context.js';
import { chainDeps, chainOptions } from '../credential.js';
import { tokenScopes } from '../token-fast.js';
import { describeSource } from '../../core/config.js';
import { describePlan } from '../../core/credential-chain.js';
import { AZURE_CLI_CLIENT_ID } from '../../core/provider.js';
import { chainScopes, describeAuthority, planCredential } from '../../flows/credential.js';

export const run: Handler<AuthDescribeFlags> = async (ctx, { flags }) => {
  const opts = await chainOptions(ctx, flags);
  const deps = await chainDeps(ctx, undefined);
  const scopes = chainScopes(tokenScopes(flags.scope));
  const plan = await planCredential(opts, deps, scopes);
  const s = opts.config.settings;
  const setting = (name: 'client_id' | 'auth_type') => {
    const v = s[name];
    return v ? { value: v.value, source: describeSource(v.source) } : null;
  };
  const profile = opts.profile?.profile;
  const report = {
    scope: scopes.join(' '),
    authority: describeAuthority(opts),
    client_id: setting('client_id'),
    // no client id: an interactive sign-in on Entra uses the Azure CLI's public client (core/provider.ts)
    default_client_id: !s.client_id && !s.issuer ? AZURE_CLI_CLIENT_ID : null,
    profile: profile ? { name: profile.name, file: profile.file, line: profile.line } : null,
    auth_type: setting('auth_type'),
    credential: plan.chosen ? { source: plan.chosen.id, via: plan.chosen.detection.via } : null,
    steps: plan.steps.map((st) => ({
      source: st.id,
      title: st.title,
      used: plan.chosen?.id === st.id,
      configured: st.detection.use,
      ...(st.detection.use ? { via: st.detection.via } : {}),
      ...(st.skipped ? { skipped: st.skipped } : {}),
    })),
  };
  if (flags.output === 'json') {
    out(ctx, JSON.stringify(report, null, 2));
    return;
  }
  const row = (k: string, v: string) => out(ctx, `${k.padEnd(11)}${v}`);
  row('scope', report.scope);
  row('authority', report.authority);
  row(
    'client id',
    report.client_id
      ? `${report.client_id.value} (${report.client_id.source})`
      : report.default_client_id
        ? `- (not set: a user sign-in uses the Azure CLI's public client ${report.default_client_id})`
        : '- (not set)',
  );
  row('profile', profile ? `${profile.name} (${profile.file}:${profile.line})` : '- (none)');
  row(
    'auth type',
    report.auth_type ? `${report.auth_type.value} (${report.auth_type.source})` : '- (the first configured source)',
  );
  row(
    'credential',
    plan.chosen
      ? `${plan.chosen.title} (${plan.chosen.detection.via})`
      : 'none: every source was skipped (a token request would fail with EINTERACTION_REQUIRED, exit 5)',
  );
  out(ctx, '');
  for (const line of describePlan(plan)) out(ctx, line);
};
