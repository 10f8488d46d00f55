/**
 * Options shared by the commands that talk to Entra, and their resolution. For every setting:
 * flag > environment variable > `~/.databrickscfg` profile > default (core/config.ts has the table).
 * `--issuer` (any OpenID provider) is resolved through its discovery document before the action runs
 * (a preAction hook, see {@link installIssuerDiscovery}), so `resolveIdentity` stays synchronous.
 */
import { withFlags } from './param-flags.js';
import { Option, type Command } from 'commander';
import type { Authority } from '../core/authority.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES, type CloudName } from '../core/clouds.js';
import {
  authorityFromSettings,
  describeSource,
  endpointSource,
  resolveConfig,
  type ResolvedConfig,
  type SettingName,
} from '../core/config.js';
import { usageError } from '../core/errors.js';
import {
  AZURE_CLI_CLIENT_ID,
  defaultClientId,
  defaultClientNote,
  defaultPublicClientId,
  defaultUserScopes,
} from '../core/provider.js';
import type { StoreInput } from '../io/token-cache.js';
import { loadProfile, type ProfileLoad } from '../io/config-files.js';
import type { CliContext } from './context.js';
import { httpTimeoutMs } from './http-timeout.js';

export interface IdentityFlags {
  tenant?: string;
  authority?: string;
  cloud?: CloudName;
  clientId?: string;
  profile?: string;
  issuer?: string;
}

/** --tenant, --authority, --issuer, --cloud, --client-id, --profile */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .option(
      '--tenant <tenant>',
      'tenant id (GUID), verified domain, organizations or common [env: AZURE_TENANT_ID, ARM_TENANT_ID]',
    )
    .option(
      '--authority <url>',
      "authority base, https://host/{tenant} (e.g. the emulator's, as it prints it) [env: ENTRA_TOKEN_AUTHORITY]",
    )
    .option(
      '--issuer <url>',
      'any OpenID provider, by its issuer URL (endpoints from its /.well-known/openid-configuration) [env: ENTRA_TOKEN_ISSUER]',
    )
    .addOption(
      new Option('--cloud <cloud>', 'national cloud [env: ARM_ENVIRONMENT, AZURE_AUTHORITY_HOST]').choices([
        'public',
        'usgov',
        'china',
      ]),
    )
    .option(
      '--client-id <id>',
      'Application (client) ID of your app registration [env: AZURE_CLIENT_ID, ARM_CLIENT_ID]',
    )
    .option(
      '--profile <name>',
      '~/.databrickscfg profile to read azure_* settings and host from [env: DATABRICKS_CONFIG_PROFILE]',
    );
}

/** Everything option resolution found: each setting with its source, and the profile in use. */
export interface Settings {
  config: ResolvedConfig;
  profile: ProfileLoad;
}

/** Flag values (by setting name) from a command's parsed options; unknown options are ignored. */
export function flagSettings(flags: Record<string, unknown>): Partial<Record<SettingName, string>> {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    tenant: str(flags.tenant),
    client_id: str(flags.clientId),
    client_secret: undefined, // secrets never come from argv as values (commands read @file / stdin themselves)
    client_certificate_path: str(flags.certificate),
    host: str(flags.host),
    resource_id: str(flags.resourceId),
    cloud: str(flags.cloud),
    authority: str(flags.authority),
    issuer: str(flags.issuer),
    auth_type: str(flags.authType),
    client_capabilities: str(flags.clientCapabilities),
    timeout: str(flags.httpTimeout),
  };
}

/** Resolve every setting (flags > env > profile > defaults), reading the profile file once. */
export function resolveSettings(flags: Record<string, unknown>, ctx: CliContext): Settings {
  const profile = loadProfile(typeof flags.profile === 'string' ? flags.profile : undefined, ctx.env, ctx.cwd);
  const config = resolveConfig({ flags: flagSettings(flags), env: ctx.env, profile: profile.profile });
  return { config, profile };
}

/** Authorities found by discovery, keyed by the command's option object (set by the preAction hook). */
const discovered = new WeakMap<object, Authority>();

export { authorityFromSettings, endpointSource, httpTimeoutMs };

/** The authority and client id: flags, then environment, then the profile, then defaults. */
export function resolveIdentity(
  flags: IdentityFlags,
  ctx: CliContext,
  opts: { needClient?: boolean; publicClient?: boolean } = {},
): { authority: Authority; clientId: string; defaultClient: boolean } {
  const { config } = resolveSettings(flags as Record<string, unknown>, ctx);
  const ep = endpointSource(config.settings);
  let authority: Authority;
  if (ep?.kind === 'issuer') {
    // the issuer names its tenant (or has none); a --tenant beside it would be silently meaningless
    if (config.settings.tenant?.source.kind === 'flag')
      throw usageError(
        `--tenant cannot be combined with ${describeSource(ep.setting.source)}: the issuer decides the tenant`,
        'drop --tenant, or use --authority https://login.microsoftonline.com/<tenant> instead of --issuer',
      );
    const found = discovered.get(flags);
    if (!found)
      throw usageError(
        `${describeSource(ep.setting.source)}: this command cannot use an OpenID provider by issuer`,
        'use --authority or --tenant instead',
      );
    authority = found;
  } else {
    try {
      authority = authorityFromSettings(config, flags);
    } catch (e) {
      // both missing: say so at once rather than one at a time (issue 23)
      const noTenant = e instanceof Error && e.message.startsWith('no tenant');
      if (noTenant && !config.settings.client_id && !opts.publicClient && opts.needClient !== false)
        throw usageError(
          'no tenant and no client id: give --tenant (a tenant id, a verified domain, or organizations) and --client-id (the Application (client) ID of your app registration)',
          'or set AZURE_TENANT_ID and AZURE_CLIENT_ID, or use a profile with azure_tenant_id and azure_client_id (--profile)',
        );
      throw e;
    }
  }
  // a Databricks workspace's own OAuth has a well-known public client (databricks-cli); a user sign-in on Entra
  // uses the Azure CLI's public client, as azure-identity does (core/provider.ts)
  const given = config.settings.client_id?.value;
  const fallback = opts.publicClient ? defaultPublicClientId(authority) : defaultClientId(authority);
  const clientId = given ?? fallback ?? '';
  if (!clientId && opts.needClient !== false) {
    throw usageError(
      'no client id: give --client-id (the Application (client) ID of your app registration)',
      'or set AZURE_CLIENT_ID',
    );
  }
  return { authority, clientId, defaultClient: given === undefined && clientId !== '' };
}

/**
 * The identity of a user sign-in (login, device-code, authorize-url, password): as {@link resolveIdentity}, but
 * with no client id given the provider's public client is used (the Azure CLI's on Entra), said on stderr.
 */
export function userSignInIdentity(
  flags: IdentityFlags,
  ctx: CliContext,
): { authority: Authority; clientId: string; defaultClient: boolean } {
  const id = resolveIdentity(flags, ctx, { publicClient: true });
  if (id.defaultClient && id.clientId === AZURE_CLI_CLIENT_ID)
    ctx.stderr.write(`${withFlags(defaultClientNote(id.clientId))}\n`);
  return id;
}

/** Fetch and check `{issuer}/.well-known/openid-configuration`; the provider as an Authority. */
export async function discoverAuthority(issuer: string, ctx: CliContext, timeoutMs?: number): Promise<Authority> {
  const { discoveryRequest, processDiscoveryResponse, authorityFromMetadata } = await import('../core/discovery.js');
  const { createHttpClient } = await import('../io/http.js');
  const req = discoveryRequest(issuer);
  const http = createHttpClient({ env: ctx.env, ...(timeoutMs ? { timeoutMs } : {}) });
  try {
    const res = await http.send(req, { signal: ctx.signal });
    return authorityFromMetadata(processDiscoveryResponse(res, issuer));
  } finally {
    await http.close();
  }
}

const offline = new WeakSet<Command>();

/** Mark a command whose --issuer is only displayed, never discovered (`config show`). */
export function withoutDiscovery(cmd: Command): Command {
  offline.add(cmd);
  return cmd;
}

/**
 * Program-level wiring for configuration: the global `--http-timeout`, and a preAction hook that
 * resolves `--issuer` (or ENTRA_TOKEN_ISSUER) by discovery for commands with identity options.
 */
export function installIssuerDiscovery(program: Command, ctx: CliContext): void {
  program.option(
    '--http-timeout <seconds>',
    'seconds to wait for each HTTP answer (default 30) [env: ENTRA_TOKEN_TIMEOUT]',
  );
  program.hook('preAction', async (root, action) => {
    const timeoutMs = httpTimeoutMs((root.opts() as { httpTimeout?: string }).httpTimeout, ctx.env);
    if (offline.has(action) || !action.options.some((o) => o.long === '--issuer')) return;
    const flags = action.opts() as IdentityFlags;
    if (flags.issuer === undefined && !ctx.env.ENTRA_TOKEN_ISSUER) return;
    const { config } = resolveSettings(flags as Record<string, unknown>, ctx);
    const ep = endpointSource(config.settings);
    if (ep?.kind !== 'issuer') return;
    discovered.set(flags, await discoverAuthority(ep.setting.value, ctx, timeoutMs));
  });
}

/** Repeatable option collector. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * User-flow scopes: those given, else the provider's defaults (core/provider): Azure Databricks plus
 * openid profile offline_access for Entra, `all-apis offline_access` for a Databricks workspace's own
 * OAuth, `openid` (+ `offline_access` where advertised) for any other OpenID provider.
 */
export function userScopes(given: string[] | undefined, authority?: Authority): string[] {
  const scopes =
    given && given.length
      ? given.flatMap((s) => s.split(/\s+/).filter(Boolean))
      : authority
        ? defaultUserScopes(authority)
        : [AZURE_DATABRICKS_SCOPE, ...OIDC_SCOPES];
  return [...new Set(scopes)];
}

/** What the token cache keeps about a provider found by discovery, so a silent refresh needs no discovery. */
export function cacheProvider(authority: Authority): StoreInput['provider'] {
  return authority.issuer === undefined
    ? undefined
    : { kind: authority.kind, issuer: authority.issuer, token_endpoint: authority.tokenEndpoint };
}

export type OutputFormat = 'json' | 'token' | 'text';

/** --output json|token|text; default json when stdout is not a terminal, text otherwise. */
export function addOutputOption(cmd: Command, choices: string[] = ['json', 'token', 'text']): Command {
  return cmd.addOption(
    new Option('-o, --output <format>', 'output format (default: json when piped, text on a terminal)').choices(
      choices,
    ),
  );
}

export function outputFormat(flag: string | undefined, ctx: CliContext): OutputFormat {
  if (flag) return flag as OutputFormat;
  return ctx.stdout.isTTY ? 'text' : 'json';
}
