/**
 * The emulated workspace's seed: who may call it (workspace users and Azure role holders) and the
 * clusters it lists, in the shapes `clusters/list` returns (docs/protocol.md §9.3).
 */

/** Someone the workspace knows about: a workspace user, or an Azure role holder on the workspace resource. */
export interface WorkspacePrincipal {
  /** Matched against `upn` / `unique_name` / `preferred_username` of a delegated token (case-insensitive). */
  upn?: string;
  /** Matched against `appid` / `azp` of an app-only token. */
  appId?: string;
  /** Matched against `oid`. */
  oid?: string;
  displayName?: string;
  /** Member of the workspace: the bearer token alone suffices. */
  workspaceUser: boolean;
  /** Role on the Azure resource; a non-member with a role must send the Azure headers (§9.1). */
  azureRole?: 'Owner' | 'Contributor';
}

/** A ClusterDetails object as `clusters/list` returns it (docs/protocol.md §9.3; open-ended). */
export type ClusterDetails = Record<string, unknown> & { cluster_id: string; cluster_name: string; state: string };

export const DEFAULT_RESOURCE_ID =
  '/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-data/providers/Microsoft.Databricks/workspaces/dbw-prod';

/**
 * The seeded principals: alice is a workspace user; `adminUpn` (default admin@contoso.com) is an Owner of
 * the Azure resource but not a workspace user (needs the resource-id header); the confidential app's
 * service principal, when given, is a Contributor but not a workspace user (needs both Azure headers).
 */
export function defaultPrincipals(
  seed: { confidentialClientId?: string; adminUpn?: string } = {},
): WorkspacePrincipal[] {
  const list: WorkspacePrincipal[] = [
    { upn: 'alice@contoso.com', displayName: 'Alice Smith', workspaceUser: true },
    {
      upn: seed.adminUpn ?? 'admin@contoso.com',
      displayName: 'Workspace Admin',
      workspaceUser: false,
      azureRole: 'Owner',
    },
  ];
  if (seed.confidentialClientId) {
    list.push({
      appId: seed.confidentialClientId,
      displayName: 'contoso-automation',
      workspaceUser: false,
      azureRole: 'Contributor',
    });
  }
  return list;
}

/** Five clusters in the states a real workspace lists (times are fixed epoch milliseconds). */
export function seedClusters(): ClusterDetails[] {
  const base = (id: string, name: string, creator: string, extra: Record<string, unknown>): ClusterDetails => ({
    cluster_id: id,
    creator_user_name: creator,
    spark_context_id: 0,
    cluster_name: name,
    spark_version: '15.4.x-scala2.12',
    node_type_id: 'Standard_DS3_v2',
    driver_node_type_id: 'Standard_DS3_v2',
    spark_env_vars: { PYSPARK_PYTHON: '/databricks/python3/bin/python3' },
    autotermination_minutes: 30,
    enable_elastic_disk: true,
    cluster_source: 'UI',
    enable_local_disk_encryption: false,
    azure_attributes: { first_on_demand: 1, availability: 'ON_DEMAND_AZURE', spot_bid_max_price: -1.0 },
    state: 'TERMINATED',
    state_message: '',
    start_time: 1735895723412,
    last_state_loss_time: 0,
    num_workers: 2,
    default_tags: { Vendor: 'Databricks', Creator: creator, ClusterName: name, ClusterId: id },
    data_security_mode: 'USER_ISOLATION',
    runtime_engine: 'STANDARD',
    ...extra,
  });
  const clusters = [
    base('0103-141523-abcd1234', 'etl-shared', 'alice@contoso.com', {
      state: 'RUNNING',
      spark_context_id: 4821937761046825,
      jdbc_port: 10000,
      cluster_memory_mb: 43008,
      cluster_cores: 12,
      last_restarted_time: 1735895823412,
    }),
    base('0104-093012-ml4gpu77', 'ml-training-gpu', 'alice@contoso.com', {
      spark_version: '15.4.x-gpu-ml-scala2.12',
      node_type_id: 'Standard_NC6s_v3',
      driver_node_type_id: 'Standard_NC6s_v3',
      autoscale: { min_workers: 1, max_workers: 4 },
      num_workers: undefined,
      azure_attributes: { first_on_demand: 1, availability: 'SPOT_WITH_FALLBACK_AZURE', spot_bid_max_price: -1.0 },
      state_message: 'Inactive cluster terminated (inactive for 30 minutes).',
      start_time: 1735980612000,
      terminated_time: 1735988012000,
      termination_reason: { code: 'INACTIVITY', type: 'SUCCESS', parameters: { inactivity_duration_min: '30' } },
      data_security_mode: 'SINGLE_USER',
      single_user_name: 'alice@contoso.com',
    }),
    base('0105-110245-bob5678x', 'bob-adhoc', 'bob@contoso.com', {
      num_workers: 0,
      spark_conf: { 'spark.databricks.cluster.profile': 'singleNode', 'spark.master': 'local[*, 4]' },
      custom_tags: { ResourceClass: 'SingleNode' },
      state: 'PENDING',
      state_message: 'Finding instances for new nodes, acquiring more instances if necessary',
      start_time: 1736075000000,
      data_security_mode: 'SINGLE_USER',
      single_user_name: 'bob@contoso.com',
    }),
    base('0106-020000-job9a1b2', 'job-1042-run-88231', 'alice@contoso.com', {
      cluster_source: 'JOB',
      spark_version: '14.3.x-scala2.12',
      node_type_id: 'Standard_D4ds_v5',
      driver_node_type_id: 'Standard_D4ds_v5',
      num_workers: 4,
      state_message: 'Job cluster terminated: run finished.',
      start_time: 1736128800000,
      terminated_time: 1736130912000,
      termination_reason: { code: 'JOB_FINISHED', type: 'SUCCESS' },
      runtime_engine: 'PHOTON',
    }),
    base('0107-151733-err0r5xz', 'nightly-reports', 'admin@contoso.com', {
      node_type_id: 'Standard_E8ds_v5',
      driver_node_type_id: 'Standard_E8ds_v5',
      state: 'ERROR',
      state_message: 'Cluster failed to launch: cloud provider quota exceeded.',
      start_time: 1736263053000,
      terminated_time: 1736263353000,
      termination_reason: {
        code: 'CLOUD_PROVIDER_LAUNCH_FAILURE',
        type: 'CLOUD_FAILURE',
        parameters: { azure_error_code: 'QuotaExceeded' },
      },
    }),
  ];
  // JSON drops undefined fields; keep the objects clean for deepEqual in tests
  return clusters.map((c) => JSON.parse(JSON.stringify(c)) as ClusterDetails);
}
