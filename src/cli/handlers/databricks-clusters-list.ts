/** `entra-token databricks clusters list`: every page of the workspace's clusters, as a table or JSON. */
import type { Handler } from '../command.js';
import type { ClustersListOptions } from '../commands/databricks.js';
import { err, out } from '../context.js';
import { withRuntime } from '../runtime.js';
import { renderTable } from '../table.js';
import { workspaceClient } from '../workspace.js';
import { withClaimsChallenge } from '../../flows/claims-challenge.js';
import { usageError } from '../../core/errors.js';

export const run: Handler<ClustersListOptions> = async (ctx, { flags: opts, global }) => {
  let pageSize: number | undefined;
  if (opts.pageSize !== undefined) {
    if (!/^\d+$/.test(opts.pageSize) || Number(opts.pageSize) < 1)
      throw usageError(`--page-size must be a positive integer, got ${JSON.stringify(opts.pageSize)}`);
    pageSize = Number(opts.pageSize);
  }
  await withRuntime(ctx, global, async (rt) => {
    // a claims challenge from the workspace (CAE): one new token with its claims, one more call
    const clusters = await withClaimsChallenge(
      (claims) => workspaceClient(ctx, opts, rt, claims),
      (client) => client.listClusters({ apiVersion: opts.apiVersion, ...(pageSize ? { pageSize } : {}) }),
      { resource: 'Azure Databricks', trace: rt.trace, notify: (line) => err(ctx, line) },
    );
    if (opts.output === 'json') {
      out(ctx, JSON.stringify(clusters, null, 2));
      return;
    }
    if (clusters.length === 0) {
      err(ctx, 'no clusters');
      return;
    }
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
  });
};
