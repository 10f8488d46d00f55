/**
 * `entra-token databricks clusters list` and `entra-token databricks api METHOD PATH`: call an Azure
 * Databricks workspace with an Entra access token, sending the Azure headers a workspace admin or a
 * service principal that is not a workspace user needs.
 */
import { Option, type Command } from 'commander';
import { out, err, type CliContext } from '../context.js';
import type { Runtime } from '../runtime.js';

interface WorkspaceCliOptions {
  host?: string;
  resourceId?: string;
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  spManagementToken?: string;
  tokenStdin?: boolean;
  account?: string;
  skipTokenChecks?: boolean;
}

interface ClustersListOptions extends WorkspaceCliOptions {
  apiVersion: '2.0' | '2.1';
  output: 'table' | 'json';
  pageSize?: string;
}

interface ApiOptions extends WorkspaceCliOptions {
  data?: string;
}

function workspaceOptions(cmd: Command): Command {
  return cmd
    .option('--host <url>', 'workspace URL, e.g. https://adb-<id>.<n>.azuredatabricks.net (default: $DATABRICKS_HOST)')
    .option(
      '--resource-id <id>',
      'ARM id of the workspace, sent as X-Databricks-Azure-Workspace-Resource-Id (default: $DATABRICKS_AZURE_RESOURCE_ID)',
    )
    .option('--subscription <id>', 'compose the resource id: subscription id')
    .option('--resource-group <name>', 'compose the resource id: resource group')
    .option('--workspace <name>', 'compose the resource id: workspace name')
    .option(
      '--sp-management-token <token|@file>',
      'service principals that are not workspace users: an Azure management token of the same app (or $DATABRICKS_AZURE_SP_MANAGEMENT_TOKEN)',
    )
    .option('--token-stdin', 'read the access token (or a token response JSON) from standard input')
    .option('--account <name>', 'which cached sign-in to use when several match (username or object id)')
    .option('--skip-token-checks', 'send the token even if its audience, lifetime or tenant look wrong');
}

export function register(program: Command, ctx: CliContext): void {
  const databricks = program
    .command('databricks')
    .description('call the Azure Databricks REST API with an Entra access token')
    .addHelpText(
      'after',
      '\nThe token comes from --token-stdin, $ENTRA_TOKEN_ACCESS_TOKEN, or the token cache (refreshed silently;\nsign in first with login, device-code, password or client-credentials).\nExit codes: 0 ok, 2 usage, 7 token claim check failed, 8 insecure URL, 9 the workspace refused the call.',
    );

  const clusters = databricks.command('clusters').description('clusters API');
  workspaceOptions(
    clusters
      .command('list')
      .description('list the clusters of the workspace (every page of /api/2.1/clusters/list, or /api/2.0)')
      .addOption(new Option('--api-version <version>', 'Clusters API version').choices(['2.0', '2.1']).default('2.1'))
      .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('--page-size <n>', 'API 2.1 page size (all pages are fetched)'),
  ).action(async (opts: ClustersListOptions, command: Command) => {
    await clustersList(ctx, opts, command);
  });

  workspaceOptions(
    databricks
      .command('api')
      .description('call any workspace API and print its JSON answer')
      .argument('<method>', 'GET, POST, PUT, PATCH or DELETE')
      .argument('<path>', 'API path, e.g. /api/2.0/clusters/get')
      .option('--data <json|@file>', 'JSON request body (for GET: query parameters)'),
  ).action(async (method: string, path: string, opts: ApiOptions, command: Command) => {
    await apiCall(ctx, method, path, opts, command);
  });
}

/** A secret given as `@file`, literally, or through an environment variable. */
async function secretValue(ctx: CliContext, value: string | undefined, envName: string): Promise<string | undefined> {
  const v = value ?? ctx.env[envName];
  if (v === undefined || v === '') return undefined;
  if (!v.startsWith('@')) return v.trim();
  const { readFile } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  const { badInput } = await import('../../core/errors.js');
  try {
    return (await readFile(resolve(ctx.cwd, v.slice(1)), 'utf8')).trim();
  } catch (e) {
    throw badInput(`cannot read ${v.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function workspaceClient(ctx: CliContext, opts: WorkspaceCliOptions, rt: Runtime) {
  const api = await import('../../apis/databricks.js');
  const { usageError } = await import('../../core/errors.js');
  const { resolveAccessToken } = await import('../access-token.js');
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
  const send: import('../../apis/databricks.js').Send = (req, o) =>
    rt.http.send(req, { signal: ctx.signal, trace: rt.trace, ...o });

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

async function clustersList(ctx: CliContext, opts: ClustersListOptions, command: Command): Promise<void> {
  const { usageError } = await import('../../core/errors.js');
  let pageSize: number | undefined;
  if (opts.pageSize !== undefined) {
    if (!/^\d+$/.test(opts.pageSize) || Number(opts.pageSize) < 1)
      throw usageError(`--page-size must be a positive integer, got ${JSON.stringify(opts.pageSize)}`);
    pageSize = Number(opts.pageSize);
  }
  const { createRuntime } = await import('../runtime.js');
  const rt = await createRuntime(ctx, command);
  try {
    const client = await workspaceClient(ctx, opts, rt);
    const clusters = await client.listClusters({ apiVersion: opts.apiVersion, ...(pageSize ? { pageSize } : {}) });
    if (opts.output === 'json') {
      out(ctx, JSON.stringify(clusters, null, 2));
      return;
    }
    if (clusters.length === 0) {
      err(ctx, 'no clusters');
      return;
    }
    const { renderTable } = await import('../table.js');
    ctx.stdout.write(
      renderTable(clusters, [
        { header: 'CLUSTER ID', value: (c) => c.cluster_id },
        { header: 'NAME', value: (c) => c.cluster_name, max: 40 },
        { header: 'STATE', value: (c) => c.state },
        { header: 'RUNTIME', value: (c) => c.spark_version },
        { header: 'NODE TYPE', value: (c) => c.node_type_id },
        { header: 'CREATOR', value: (c) => c.creator_user_name },
      ]),
    );
  } finally {
    await rt.finish();
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

async function apiCall(
  ctx: CliContext,
  methodInput: string,
  path: string,
  opts: ApiOptions,
  command: Command,
): Promise<void> {
  const { usageError, badInput } = await import('../../core/errors.js');
  const method = methodInput.toUpperCase() as (typeof METHODS)[number];
  if (!METHODS.includes(method))
    throw usageError(`unsupported method ${JSON.stringify(methodInput)}: use ${METHODS.join(', ')}`);
  let data: unknown;
  if (opts.data !== undefined) {
    let text = opts.data;
    if (text.startsWith('@')) {
      const { readFile } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      try {
        text = await readFile(resolve(ctx.cwd, text.slice(1)), 'utf8');
      } catch (e) {
        throw badInput(`cannot read ${text.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    try {
      data = JSON.parse(text);
    } catch {
      throw badInput(
        '--data is not JSON',
        'pass a JSON object, e.g. --data \'{"cluster_id":"0103-141523-abcd1234"}\', or --data @file.json',
      );
    }
  }
  const { createRuntime } = await import('../runtime.js');
  const rt = await createRuntime(ctx, command);
  try {
    const client = await workspaceClient(ctx, opts, rt);
    const answer = await client.call(method, path, data);
    out(ctx, JSON.stringify(answer, null, 2));
  } finally {
    await rt.finish();
  }
}
