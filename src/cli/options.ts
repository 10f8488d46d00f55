/**
 * Options shared by the commands that talk to Entra, and their resolution from flags and the
 * environment (flags win). Only the common identity options live here.
 */
import { Option, type Command } from 'commander';
import { resolveAuthority, type Authority } from '../core/authority.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES, type CloudName } from '../core/clouds.js';
import { usageError } from '../core/errors.js';
import type { CliContext } from './context.js';

export interface IdentityFlags {
  tenant?: string;
  authority?: string;
  cloud?: CloudName;
  clientId?: string;
}

/** --tenant, --authority, --cloud, --client-id */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .option('--tenant <tenant>', 'tenant id (GUID), verified domain, organizations or common [env: AZURE_TENANT_ID, ARM_TENANT_ID]')
    .option('--authority <url>', 'authority base, https://host/{tenant} (e.g. the emulator\'s, as it prints it)')
    .addOption(new Option('--cloud <cloud>', 'national cloud [env: ARM_ENVIRONMENT]').choices(['public', 'usgov', 'china']))
    .option('--client-id <id>', 'Application (client) ID of your app registration [env: AZURE_CLIENT_ID, ARM_CLIENT_ID]');
}

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

/** The authority and client id from flags, then environment. */
export function resolveIdentity(flags: IdentityFlags, ctx: CliContext, opts: { needClient?: boolean } = {}): { authority: Authority; clientId: string } {
  const env = ctx.env;
  const envCloud = env.ARM_ENVIRONMENT ? CLOUD_ALIASES[env.ARM_ENVIRONMENT.toLowerCase().replace(/[\s_-]/g, '')] : undefined;
  if (env.ARM_ENVIRONMENT && !envCloud && !flags.cloud) {
    throw usageError(`ARM_ENVIRONMENT=${env.ARM_ENVIRONMENT} is not a known cloud (public, usgovernment, china)`);
  }
  const authority = resolveAuthority({
    authority: flags.authority ?? env.ENTRA_TOKEN_AUTHORITY,
    tenant: flags.tenant ?? (flags.authority ? undefined : env.AZURE_TENANT_ID ?? env.ARM_TENANT_ID),
    cloud: flags.cloud ?? envCloud,
  });
  const clientId = flags.clientId ?? env.AZURE_CLIENT_ID ?? env.ARM_CLIENT_ID ?? '';
  if (!clientId && opts.needClient !== false) {
    throw usageError('no client id: give --client-id (the Application (client) ID of your app registration)', 'or set AZURE_CLIENT_ID');
  }
  return { authority, clientId };
}

/** Repeatable option collector. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Default user-flow scopes: Azure Databricks plus openid profile offline_access. */
export function userScopes(given: string[] | undefined): string[] {
  const scopes = given && given.length ? given.flatMap((s) => s.split(/\s+/).filter(Boolean)) : [AZURE_DATABRICKS_SCOPE, ...OIDC_SCOPES];
  return [...new Set(scopes)];
}

export type OutputFormat = 'json' | 'token' | 'text';

/** --output json|token|text; default json when stdout is not a terminal, text otherwise. */
export function addOutputOption(cmd: Command, choices: string[] = ['json', 'token', 'text']): Command {
  return cmd.addOption(new Option('-o, --output <format>', 'output format (default: json when piped, text on a terminal)').choices(choices));
}

export function outputFormat(flag: string | undefined, ctx: CliContext): OutputFormat {
  if (flag) return flag as OutputFormat;
  return ctx.stdout.isTTY ? 'text' : 'json';
}
