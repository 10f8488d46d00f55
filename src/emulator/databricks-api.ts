/**
 * The workspace's API endpoints beyond `clusters/list` (databricks.ts), each a row of `WORKSPACE_API`:
 * `clusters/get` and the SCIM `Me` the Databricks SDKs and CLI call first (`currentUser.me()`), in the shapes
 * the Databricks REST reference documents (https://docs.databricks.com/api/azure/workspace/clusters/get,
 * https://docs.databricks.com/api/azure/workspace/currentuser/me). Called after the bearer token is checked.
 */
import { createHash } from 'node:crypto';
import type { ClusterDetails, WorkspacePrincipal } from './databricks-seed.js';

export interface ApiCall {
  url: URL;
  /** The authenticated caller. */
  principal: WorkspacePrincipal;
  /** The caller's verified token claims. */
  claims: Record<string, unknown>;
  clusters: ClusterDetails[];
}

export type ApiAnswer = { status: number; json: unknown };
type Endpoint = (call: ApiCall) => ApiAnswer;

const badParam = (message: string): ApiAnswer => ({
  status: 400,
  json: { error_code: 'INVALID_PARAMETER_VALUE', message },
});

/** GET /api/2.x/clusters/get?cluster_id=… */
const getCluster: Endpoint = ({ url, clusters }) => {
  const id = url.searchParams.get('cluster_id');
  if (!id) return badParam('Missing required field: cluster_id');
  const c = clusters.find((x) => x.cluster_id === id);
  if (!c) return badParam(`Cluster ${id} does not exist`);
  return { status: 200, json: c };
};

/** A stable numeric SCIM id (workspaces use 15-16 digit ids). */
function scimId(key: string): string {
  const n = createHash('sha256').update(key.toLowerCase()).digest().readBigUInt64BE(0) % 9_000_000_000_000_000n;
  return String(n + 1_000_000_000_000_000n);
}

/** GET /api/2.0/preview/scim/v2/Me: the SCIM user of the token's identity (a service principal's is its app id). */
const scimMe: Endpoint = ({ principal, claims }) => {
  const userName = principal.upn ?? principal.appId ?? String(claims.oid ?? '');
  const display = principal.displayName ?? userName;
  const [givenName, ...rest] = display.split(' ');
  const user: Record<string, unknown> = {
    emails: principal.upn ? [{ type: 'work', value: principal.upn, primary: true }] : [],
    displayName: display,
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:workspace:2.0:User',
    ],
    name: { familyName: rest.join(' ') || undefined, givenName },
    active: true,
    groups: [
      { display: 'users', type: 'direct', value: scimId('group:users'), $ref: `Groups/${scimId('group:users')}` },
    ],
    id: scimId(userName),
    userName,
  };
  if (!principal.upn) delete user.name;
  if (principal.appId) user.applicationId = principal.appId;
  return { status: 200, json: JSON.parse(JSON.stringify(user)) };
};

/** The endpoints: method, path (after `/api`), handler. */
export const WORKSPACE_API: Array<{ method: string; path: RegExp; handle: Endpoint }> = [
  { method: 'GET', path: /^\/api\/2\.[01]\/clusters\/get\/?$/, handle: getCluster },
  { method: 'GET', path: /^\/api\/2\.0\/preview\/scim\/v2\/Me\/?$/, handle: scimMe },
];

export function workspaceApi(method: string, path: string): Endpoint | undefined {
  return WORKSPACE_API.find((e) => e.method === method && e.path.test(path))?.handle;
}
