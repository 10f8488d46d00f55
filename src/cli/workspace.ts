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
import { resolveAccessToken } from './access-token.js';
import * as api from '../apis/databricks.js';
import { badInput, usageError } from '../core/errors.js';

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
): Promise<api.WorkspaceClient> {
  const hostInput = opts.host ?? ctx.env.DATABRICKS_HOST;
  if (!hostInput)
    throw usageError(
      'no workspace host',
      'pass --host https://adb-<id>.<n>.azuredatabricks.net or set DATABRICKS_HOST',
    );
  const host = api.normalizeWorkspaceHost(hostInput);
  const resourceId = api.resolveResourceId(opts, ctx.env);
  const spManagementToken = await secretValue(ctx, opts.spManagementToken, 'DATABRICKS_AZURE_SP_MANAGEMENT_TOKEN');
  const token = await resolveAccessToken(ctx, rt, {
    tokenStdin: opts.tokenStdin,
    account: opts.account,
    scope: api.AZURE_DATABRICKS_APP_ID + '/.default',
  });
  rt.trace.step('Call Azure Databricks');
  const send: api.Send = (req, o) => rt.http.send(req, { signal: ctx.signal, trace: rt.trace, ...o });

  if (opts.skipTokenChecks) {
    err(ctx, 'warning: --skip-token-checks: sending the token without checking its audience, lifetime or tenant');
  } else if (!api.isPersonalAccessToken(token)) {
    let workspaceTenant: string | undefined;
    try {
      workspaceTenant = await api.discoverWorkspaceTenant(host, send);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EBAD_RESPONSE') throw e;
      err(ctx, `warning: ${(e as Error).message}; the token's tenant is not checked`);
    }
    api.checkWorkspaceToken(token, { nowMs: ctx.now(), workspaceTenant });
  }
  return new api.WorkspaceClient({ host, token, send, resourceId, spManagementToken });
}
