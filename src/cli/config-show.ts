/** The body of `entra-token config show` (imported lazily by commands/config.ts). */
import { SETTINGS, describeSource, type Source } from '../core/config.js';
import { SECRET_PROFILE_KEYS, unknownKeys } from '../core/databrickscfg.js';
import { redactSecret } from '../core/redact.js';
import { out, type CliContext } from './context.js';
import { authorityFromSettings, endpointSource, resolveSettings } from './options.js';
import { renderTable } from './table.js';
import type { ConfigShowFlags } from './commands/config.js';

export interface ShownSetting {
  name: string;
  value: string | null;
  source: string;
  secret?: boolean;
}

/** A proxy URL with its password masked. */
export function maskProxy(value: string): string {
  try {
    const u = new URL(value);
    if (!u.password) return value;
    const path = u.pathname === '/' ? '' : u.pathname;
    return `${u.protocol}//${u.username}:${redactSecret(decodeURIComponent(u.password))}@${u.host}${path}`;
  } catch {
    return value;
  }
}

/** Everything `config show` prints, as data (the JSON output). */
export function configReport(ctx: CliContext, flags: ConfigShowFlags & { httpTimeout?: string }) {
  const { config, profile } = resolveSettings(flags as Record<string, unknown>, ctx);
  const settings: ShownSetting[] = [];
  const add = (name: string, value: string | undefined, source: Source | string, secret = false) =>
    settings.push({
      name,
      value: value === undefined ? null : secret ? redactSecret(value) : value,
      source: typeof source === 'string' ? source : describeSource(source),
      ...(secret ? { secret } : {}),
    });
  for (const spec of SETTINGS) {
    const s = config.settings[spec.name];
    add(spec.name, s?.value, s ? s.source : 'not set', Boolean(spec.secret));
  }
  const ep = endpointSource(config.settings);
  let authority: string | undefined;
  let tokenEndpoint: string | undefined;
  let authoritySource = 'derived from cloud and tenant';
  if (ep?.kind === 'issuer') {
    authoritySource = `discovered at run time from ${ep.setting.value.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  } else {
    try {
      const a = authorityFromSettings(config, flags);
      authority = a.url;
      tokenEndpoint = a.tokenEndpoint;
      authoritySource = ep
        ? `from ${describeSource(ep.setting.source)}`
        : config.settings.authority_host && !a.cloud
          ? 'derived from AZURE_AUTHORITY_HOST and tenant'
          : 'derived from cloud and tenant';
    } catch (e) {
      authoritySource = `unresolved: ${(e as Error).message}`;
    }
  }
  add('effective authority', authority, authoritySource);
  add('effective token endpoint', tokenEndpoint, tokenEndpoint ? authoritySource : 'unresolved');
  add(
    'profile',
    profile.profile?.name,
    profile.profile
      ? profile.choice.source
      : profile.exists
        ? `none (no [${profile.choice.name}] section)`
        : 'none (no config file)',
  );
  add(
    'config file',
    profile.file.display,
    profile.file.source.kind === 'default'
      ? `default${profile.exists ? '' : ' (does not exist)'}`
      : describeSource(profile.file.source),
  );
  const env = ctx.env;
  const proxyVars = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
  for (const name of proxyVars) if (env[name]) add(name, maskProxy(env[name]!), `env ${name}`);
  add(
    'NODE_EXTRA_CA_CERTS',
    env.NODE_EXTRA_CA_CERTS,
    env.NODE_EXTRA_CA_CERTS ? 'env NODE_EXTRA_CA_CERTS (read by Node at start)' : 'not set',
  );
  const other = profile.profile ? unknownKeys(profile.profile) : [];
  return {
    settings,
    profile: profile.profile
      ? {
          name: profile.profile.name,
          file: profile.profile.file,
          line: profile.profile.line,
          // keys entra-token does not read: names only, values of secret-looking keys never shown
          unused_keys: other.map((k) => ({
            key: k,
            line: profile.profile!.values[k]!.line,
            secret: SECRET_PROFILE_KEYS.has(k),
          })),
        }
      : null,
  };
}

export function configShow(ctx: CliContext, flags: ConfigShowFlags & { httpTimeout?: string }): void {
  const report = configReport(ctx, flags);
  if (flags.output === 'json') {
    out(ctx, JSON.stringify(report, null, 2));
    return;
  }
  ctx.stdout.write(
    renderTable(report.settings, [
      { header: 'SETTING', value: (s) => s.name },
      { header: 'VALUE', value: (s) => s.value, max: 100 },
      { header: 'SOURCE', value: (s) => s.source },
    ]),
  );
  const p = report.profile;
  if (p && p.unused_keys.length) {
    out(
      ctx,
      `\nprofile ${p.name} (${p.file}:${p.line}) also sets keys entra-token does not read: ${p.unused_keys.map((k) => `${k.key} (line ${k.line})`).join(', ')}`,
    );
  }
}
