/**
 * The Databricks client for `login` with a workspace host and no tenant (the tenant is found from the workspace's
 * `/aad/auth` redirect, docs/protocol.md §9), loaded only then: most logins name their tenant, and the listener
 * is up sooner without it (test/bench/network-budget.test.ts).
 */
export function loadDatabricksApi(): Promise<typeof import('../apis/databricks.js')> {
  return import('../apis/databricks.js');
}
