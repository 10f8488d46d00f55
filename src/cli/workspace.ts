/**
 * The Azure Databricks workspace client of `databricks …` commands: host and resource id from flags or
 * environment, the access token (access-token.ts), the token checked against the workspace's tenant
 * (unless --skip-token-checks), and every call sent through the command's runtime (so it is traced).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { WorkspaceCliOptions } from './commands/databricks.js';
import { err, type CliContext } from './context.js';
import type { Runtime } from './runtime.js';
import { chainSession } from './credential.js';
import { warnSecretOnArgv } from './secrets.js';
import { resolveSettings } from './options.js';
import * as api from '../apis/databricks.js';
import { badInput, usageError } from '../core/errors.js';

/** The Azure management resource's scope (its v1 resource URI ends in a slash, hence the double slash). */
const MANAGEMENT_SCOPE = 'https://management.core.windows.net//.default';

/** A secret given as `@file`, literally, or through an environment variable. */
async function secretValue(ctx: CliContext, value: string | undefined, envName: string): Promise<string | undefined> {
  const v = value ?? ctx.env[envName];
  if (v === undefined || v === '') return undefined;
  if (!v.startsWith('@')) return v.trim();
  try {
    return (await readFile(resolve(ctx.cwd, v.slice(1)), 'utf8')).trim();
  } catch (e) {
    throw badInput(`cannot read ${v.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export async function workspaceClient(
  ctx: CliContext,
  opts: WorkspaceCliOptions,
  rt: Runtime,
  claims?: string,
): Promise<api.WorkspaceClient> {
  // --host > DATABRICKS_HOST > the profile's host (as every other setting); the same for the resource id
  const settings = resolveSettings(opts as Record<string, unknown>, ctx).config.settings;
  const hostInput = settings.host?.value;
  if (!hostInput)
    throw usageError(
      'no workspace host',
      'pass --host https://adb-<id>.<n>.azuredatabricks.net, set DATABRICKS_HOST, or use a profile with host (--profile)',
    );
  const host = api.normalizeWorkspaceHost(hostInput);
  const composed = opts.subscription !== undefined || opts.resourceGroup !== undefined || opts.workspace !== undefined;
  const fromProfile =
    settings.resource_id?.source.kind === 'profile' && !composed ? settings.resource_id.value : undefined;
  const resourceId = api.resolveResourceId({ ...opts, resourceId: opts.resourceId ?? fromProfile }, ctx.env);
  if (opts.spManagementToken !== undefined && !opts.spManagementToken.startsWith('@'))
    warnSecretOnArgv(
      ctx,
      'the --sp-management-token value',
      'give it as @file (mode 600) or in DATABRICKS_AZURE_SP_MANAGEMENT_TOKEN',
    );
  let spManagementToken = await secretValue(ctx, opts.spManagementToken, 'DATABRICKS_AZURE_SP_MANAGEMENT_TOKEN');
  const chain = await chainSession(ctx, rt, opts);
  const got = await chain.token([api.AZURE_DATABRICKS_APP_ID + '/.default'], claims);
  const token = got.access_token;
  if (!spManagementToken && resourceId && (got.source === 'client-secret' || got.source === 'certificate')) {
    // a service principal that need not be a workspace user: the Azure management token of the same app
    // goes with the resource id, as the Databricks SDKs do for azure-client-secret (docs/protocol.md §9)
    rt.trace.note(
      'service principal with a workspace resource id: also a management token for X-Databricks-Azure-SP-Management-Token',
    );
    spManagementToken = (await chain.token([MANAGEMENT_SCOPE])).access_token;
  }
  rt.trace.step('Call Azure Databricks');
  const send: api.Send = (req, o) => rt.http.send(req, { signal: ctx.signal, trace: rt.trace, ...o });

  if (opts.skipTokenChecks) {
    err(
      ctx,
      'entra-token: warning: --skip-token-checks: sending the token without checking its audience, lifetime or tenant',
    );
  } else if (!api.isPersonalAccessToken(token)) {
    let workspaceTenant: string | undefined;
    try {
      workspaceTenant = await api.discoverWorkspaceTenant(host, send);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EBAD_RESPONSE') throw e;
      err(ctx, `entra-token: warning: ${(e as Error).message}; the token's tenant is not checked`);
    }
    api.checkWorkspaceToken(token, { nowMs: ctx.now(), workspaceTenant });
  }
  return new api.WorkspaceClient({ host, token, send, resourceId, spManagementToken });
}
