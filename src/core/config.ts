/**
 * Effective configuration and where each value came from. Precedence, for every setting:
 * command-line flag > environment variable (in the order listed) > `~/.databrickscfg` profile > default.
 * Pure: the environment and the already parsed profile are handed in.
 */
import { resolveAuthority, type Authority } from './authority.js';
import { CLOUDS, cloudOfHost, type CloudName } from './clouds.js';
import { DEFAULT_PROFILE, type ResolvedProfile } from './databrickscfg.js';
import { usageError } from './errors.js';

export type Env = Record<string, string | undefined>;

export type Source =
  | { kind: 'flag'; flag: string }
  | { kind: 'env'; name: string }
  | { kind: 'profile'; profile: string; file: string; line: number }
  | { kind: 'derived'; from: string }
  | { kind: 'default' };

export interface Setting {
  value: string;
  source: Source;
}

export type SettingName =
  | 'tenant'
  | 'client_id'
  | 'client_secret'
  | 'client_certificate_path'
  | 'host'
  | 'resource_id'
  | 'cloud'
  | 'authority'
  | 'authority_host'
  | 'issuer'
  | 'auth_type'
  | 'client_capabilities'
  | 'timeout';

export interface SettingSpec {
  name: SettingName;
  flag?: string;
  env: string[];
  profileKey?: string;
  secret?: boolean;
  description: string;
}

/** Every setting, its flag, environment variables (first set wins) and profile key. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    name: 'tenant',
    flag: '--tenant',
    env: ['AZURE_TENANT_ID', 'ARM_TENANT_ID'],
    profileKey: 'azure_tenant_id',
    description: 'tenant id, verified domain, organizations or common',
  },
  {
    name: 'client_id',
    flag: '--client-id',
    env: ['AZURE_CLIENT_ID', 'ARM_CLIENT_ID'],
    profileKey: 'azure_client_id',
    description: 'application (client) id',
  },
  {
    name: 'client_secret',
    flag: '--client-secret',
    env: ['AZURE_CLIENT_SECRET', 'ARM_CLIENT_SECRET'],
    profileKey: 'azure_client_secret',
    secret: true,
    description: 'client secret of a confidential app',
  },
  {
    name: 'client_certificate_path',
    flag: '--certificate',
    env: ['AZURE_CLIENT_CERTIFICATE_PATH'],
    description: 'PEM file with the certificate and private key of a confidential app',
  },
  {
    name: 'host',
    flag: '--host',
    env: ['DATABRICKS_HOST'],
    profileKey: 'host',
    description: 'Azure Databricks workspace URL',
  },
  {
    name: 'resource_id',
    flag: '--resource-id',
    env: ['DATABRICKS_AZURE_RESOURCE_ID'],
    profileKey: 'azure_workspace_resource_id',
    description: 'ARM resource id of the workspace',
  },
  {
    name: 'cloud',
    flag: '--cloud',
    env: ['ARM_ENVIRONMENT'],
    profileKey: 'azure_environment',
    description: 'national cloud: public, usgov or china',
  },
  {
    name: 'authority_host',
    env: ['AZURE_AUTHORITY_HOST'],
    description: 'Entra host URL, e.g. https://login.microsoftonline.us/ (selects the cloud)',
  },
  {
    name: 'authority',
    flag: '--authority',
    env: ['ENTRA_TOKEN_AUTHORITY'],
    description: 'Entra-shaped authority URL https://host/{tenant}',
  },
  {
    name: 'issuer',
    flag: '--issuer',
    env: ['ENTRA_TOKEN_ISSUER'],
    description: 'any OpenID provider, through {issuer}/.well-known/openid-configuration',
  },
  {
    name: 'auth_type',
    flag: '--auth-type',
    env: ['ENTRA_TOKEN_AUTH_TYPE'],
    profileKey: 'auth_type',
    description: 'which credential source to use (entra-token auth describe lists them)',
  },
  {
    name: 'client_capabilities',
    flag: '--client-capabilities',
    env: ['ENTRA_TOKEN_CLIENT_CAPABILITIES'],
    profileKey: 'client_capabilities',
    description: 'client capabilities to declare (cp1: this client answers claims challenges, so CAE applies)',
  },
  {
    name: 'timeout',
    flag: '--http-timeout',
    env: ['ENTRA_TOKEN_TIMEOUT'],
    description: 'seconds to wait for an HTTP answer',
  },
];

const CLOUD_ALIASES: Record<string, CloudName> = {
  public: 'public',
  azurecloud: 'public',
  azurepubliccloud: 'public',
  usgov: 'usgov',
  usgovernment: 'usgov',
  azureusgovernment: 'usgov',
  azureusgovernmentcloud: 'usgov',
  china: 'china',
  azurechinacloud: 'china',
};

/** `AzureUSGovernment`, `USGOVERNMENT`, `usgov` … → `usgov`; undefined when unknown. */
export function parseCloudName(value: string): CloudName | undefined {
  return CLOUD_ALIASES[value.toLowerCase().replace(/[\s_-]/g, '')];
}

/** The cloud whose Entra host is in an AZURE_AUTHORITY_HOST value (a URL or a bare host). */
export function cloudOfAuthorityHost(value: string): CloudName | undefined {
  let host = value.trim();
  try {
    host = new URL(/^[a-z]+:\/\//i.test(host) ? host : `https://${host}`).hostname;
  } catch {
    return undefined;
  }
  return cloudOfHost(host)?.name;
}

/** The cloud of a workspace URL, from its DNS zone (as the Databricks SDKs do). */
export function cloudOfWorkspaceHost(value: string): CloudName | undefined {
  let host: string;
  try {
    host = new URL(/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return Object.values(CLOUDS).find((c) => host === c.databricksDomain || host.endsWith(`.${c.databricksDomain}`))
    ?.name;
}

export interface ConfigInput {
  /** Flag values by setting name (undefined = not given). */
  flags: Partial<Record<SettingName, string | undefined>>;
  env: Env;
  /** The profile in use (DEFAULT keys already merged), if any. */
  profile?: ResolvedProfile | undefined;
}

export interface ResolvedConfig {
  settings: Partial<Record<SettingName, Setting>>;
  /** The cloud to use, always set (default public). */
  cloud: CloudName;
}

function pick(spec: SettingSpec, input: ConfigInput): Setting | undefined {
  const flag = input.flags[spec.name];
  if (flag !== undefined && flag !== '')
    return { value: flag, source: { kind: 'flag', flag: spec.flag ?? `--${spec.name}` } };
  for (const name of spec.env) {
    const v = input.env[name];
    if (v !== undefined && v.trim() !== '') return { value: v.trim(), source: { kind: 'env', name } };
  }
  if (spec.profileKey && input.profile) {
    const v = input.profile.values[spec.profileKey];
    if (v && v.value !== '')
      return {
        value: v.value,
        source: { kind: 'profile', profile: v.profile, file: input.profile.file, line: v.line },
      };
  }
  return undefined;
}

/** Name a source for messages: `--tenant`, `ARM_ENVIRONMENT`, `profile prod (~/.databrickscfg:3)`. */
export function describeSource(s: Source): string {
  switch (s.kind) {
    case 'flag':
      return s.flag;
    case 'env':
      return `env ${s.name}`;
    case 'profile':
      return `profile ${s.profile} in ${s.file}:${s.line}`;
    case 'derived':
      return `derived from ${s.from}`;
    case 'default':
      return 'default';
  }
}

/**
 * Resolve every setting by precedence. The cloud also follows from AZURE_AUTHORITY_HOST and, failing
 * everything else, from the workspace host's DNS zone; contradictions are usage errors, not guesses.
 */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const settings: Partial<Record<SettingName, Setting>> = {};
  for (const spec of SETTINGS) {
    const s = pick(spec, input);
    if (s) settings[spec.name] = s;
  }
  const cloudSetting = settings.cloud;
  let cloud: CloudName | undefined;
  if (cloudSetting) {
    cloud = parseCloudName(cloudSetting.value);
    if (!cloud) {
      throw usageError(
        `${describeSource(cloudSetting.source)}: ${JSON.stringify(cloudSetting.value)} is not a known cloud`,
        'use public (AzureCloud), usgov (AzureUSGovernment) or china (AzureChinaCloud)',
      );
    }
    settings.cloud = { value: cloud, source: cloudSetting.source };
  }
  const hostSetting = settings.authority_host;
  if (hostSetting) {
    const fromHost = cloudOfAuthorityHost(hostSetting.value);
    if (fromHost && cloud && fromHost !== cloud && cloudSetting?.source.kind !== 'flag') {
      throw usageError(
        `AZURE_AUTHORITY_HOST (${hostSetting.value}) is in the ${fromHost} cloud but ${describeSource(cloudSetting!.source)} says ${cloud}`,
        'unset one of them, or pass `cloud` to decide',
      );
    }
    if (fromHost && !cloud) {
      cloud = fromHost;
      settings.cloud = { value: cloud, source: { kind: 'env', name: 'AZURE_AUTHORITY_HOST' } };
    }
  }
  if (!cloud && settings.host) {
    const fromWorkspace = cloudOfWorkspaceHost(settings.host.value);
    if (fromWorkspace) {
      cloud = fromWorkspace;
      settings.cloud = {
        value: cloud,
        source: { kind: 'derived', from: `the workspace host (${describeSource(settings.host.source)})` },
      };
    }
  }
  if (!cloud) {
    cloud = 'public';
    settings.cloud = { value: cloud, source: { kind: 'default' } };
  }
  return { settings, cloud };
}

/** Which profile to load and from where: --profile > DATABRICKS_CONFIG_PROFILE > DEFAULT (only if it exists). */
export function profileChoice(flag: string | undefined, env: Env): { name: string; source: Source; explicit: boolean } {
  if (flag) return { name: flag, source: { kind: 'flag', flag: '--profile' }, explicit: true };
  const fromEnv = env.DATABRICKS_CONFIG_PROFILE?.trim();
  if (fromEnv) return { name: fromEnv, source: { kind: 'env', name: 'DATABRICKS_CONFIG_PROFILE' }, explicit: true };
  return { name: DEFAULT_PROFILE, source: { kind: 'default' }, explicit: false };
}

/** Which of --authority / --issuer / the cloud decides the endpoints: flags over env; two at one level is an error. */
export function endpointSource(
  s: ResolvedConfig['settings'],
): { kind: 'authority' | 'issuer'; setting: Setting } | undefined {
  const a = s.authority;
  const i = s.issuer;
  if (a && i) {
    const rank = (x: Setting) => (x.source.kind === 'flag' ? 0 : 1);
    if (rank(a) === rank(i))
      throw usageError(`give either ${describeSource(a.source)} or ${describeSource(i.source)}, not both`);
    return rank(a) < rank(i) ? { kind: 'authority', setting: a } : { kind: 'issuer', setting: i };
  }
  if (a) return { kind: 'authority', setting: a };
  if (i) return { kind: 'issuer', setting: i };
  return undefined;
}

/** Build the Entra authority for resolved settings (not for --issuer, which needs discovery). */
export function authorityFromSettings(config: ResolvedConfig, flags: { cloud?: string | undefined } = {}): Authority {
  const s = config.settings;
  const ep = endpointSource(s);
  if (ep?.kind === 'authority') {
    // the tenant in --authority wins; a tenant from a lower level is only used when the URL has none
    let parsed: URL;
    try {
      parsed = new URL(ep.setting.value.includes('://') ? ep.setting.value : `https://${ep.setting.value}`);
    } catch {
      throw usageError(
        `${describeSource(ep.setting.source)} is not a URL: ${JSON.stringify(ep.setting.value.slice(0, 200))}`,
        'give the authority as https://host/{tenant}, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com',
      );
    }
    const hasTenant = parsed.pathname.split('/').filter(Boolean).length > 0;
    const tenantFromFlag = s.tenant?.source.kind === 'flag' ? s.tenant.value : undefined;
    return resolveAuthority({
      authority: ep.setting.value,
      tenant: hasTenant ? tenantFromFlag : s.tenant?.value,
      cloud: flags.cloud ? config.cloud : undefined,
    });
  }
  const host = s.authority_host;
  // AZURE_AUTHORITY_HOST naming a host outside the known clouds (a private endpoint, the emulator) is used as is
  if (host && s.cloud?.source.kind !== 'flag' && !cloudOfAuthorityHost(host.value)) {
    const origin = host.value.includes('://') ? host.value : `https://${host.value}`;
    return resolveAuthority({ authority: origin.replace(/\/+$/, ''), tenant: s.tenant?.value });
  }
  return resolveAuthority({ tenant: s.tenant?.value, cloud: config.cloud });
}
