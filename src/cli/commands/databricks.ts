/**
 * `entra-token databricks clusters list` and `entra-token databricks api METHOD PATH`: call an Azure
 * Databricks workspace with an Entra access token, sending the Azure headers a workspace admin or a
 * service principal that is not a workspace user needs.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addCredentialOptions, CHAIN_HELP, type CredentialFlags } from '../credential.js';

export interface WorkspaceCliOptions extends CredentialFlags {
  host?: string;
  resourceId?: string;
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  spManagementToken?: string;
  skipTokenChecks?: boolean;
}

export interface ClustersListOptions extends WorkspaceCliOptions {
  apiVersion: '2.0' | '2.1';
  output: 'table' | 'json';
  pageSize?: string;
}

export interface ApiOptions extends WorkspaceCliOptions {
  data?: string;
}

function workspaceOptions(cmd: Command): Command {
  cmd
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
    .option('--skip-token-checks', 'send the token even if its audience, lifetime or tenant look wrong');
  return addCredentialOptions(cmd);
}

export function register(program: Command, ctx: CliContext): void {
  const databricks = program
    .command('databricks')
    .description('call the Azure Databricks REST API with an Entra access token')
    .addHelpText(
      'after',
      `\n${CHAIN_HELP}.\n` +
        'Example (a service principal profile, no prior command):\n  entra-token databricks clusters list --profile emu\n' +
        'Exit codes: 0 ok, 2 usage, 5 no credential, 7 token claim check failed, 8 insecure URL, 9 the workspace refused the call.',
    );

  const clusters = databricks.command('clusters').description('clusters API');
  const clustersList = workspaceOptions(
    clusters
      .command('list')
      .description('list the clusters of the workspace (every page of /api/2.1/clusters/list, or /api/2.0)')
      .addOption(new Option('--api-version <version>', 'Clusters API version').choices(['2.0', '2.1']).default('2.1'))
      .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('--page-size <n>', 'API 2.1 page size (all pages are fetched)'),
  );
  clustersList.addHelpText(
    'after',
    '\nExamples:\n  entra-token databricks clusters list --host https://adb-1234567890123456.7.azuredatabricks.net\n' +
      '  entra-token databricks clusters list --profile emu --output json\n' +
      '  entra-token token | entra-token databricks clusters list --host … --token-stdin --api-version 2.0',
  );
  handle(clustersList, ctx, () => import('../handlers/databricks-clusters-list.js'));

  const api = workspaceOptions(
    databricks
      .command('api')
      .description('call any workspace API and print its JSON answer')
      .argument('<method>', 'GET, POST, PUT, PATCH or DELETE')
      .argument('<path>', 'API path, e.g. /api/2.0/clusters/get')
      .option('--data <json|@file>', 'JSON request body (for GET: query parameters)'),
  );
  api.addHelpText(
    'after',
    '\nExamples:\n  entra-token databricks api GET /api/2.0/clusters/get --data \'{"cluster_id":"0103-141523-abcd1234"}\' --host …\n' +
      '  entra-token databricks api GET /api/2.0/preview/scim/v2/Me --host …\n' +
      '  entra-token databricks api POST /api/2.1/clusters/start --data @start.json --profile emu',
  );
  handle(api, ctx, () => import('../handlers/databricks-api.js'));
}
