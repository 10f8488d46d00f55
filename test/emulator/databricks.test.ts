import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { request } from 'undici';
import {
  closeServer,
  createWorkspaceServer,
  defaultPrincipals,
  DEFAULT_RESOURCE_ID,
  listenLoopback,
  seedClusters,
} from '../../src/emulator/databricks.js';
import {
  CONF_CLIENT,
  createMinter,
  DATABRICKS,
  MANAGEMENT,
  OTHER_TENANT,
  TENANT,
  type Minter,
} from '../helpers/mint.js';

let minter: Minter;
let server: Server;
let url: string;
let emptyServer: Server;
let emptyUrl: string;

async function get(path: string, headers: Record<string, string> = {}, base = url) {
  const res = await request(`${base}${path}`, { method: 'GET', headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

before(async () => {
  minter = await createMinter();
  const common = {
    tenantId: TENANT,
    keys: { getKey: minter.getKey },
    authorityHost: 'http://127.0.0.1:9/',
    principals: defaultPrincipals({ confidentialClientId: CONF_CLIENT }),
  };
  server = createWorkspaceServer(common);
  url = await listenLoopback(server);
  emptyServer = createWorkspaceServer({ ...common, clusters: [] });
  emptyUrl = await listenLoopback(emptyServer);
});
after(async () => {
  await closeServer(server);
  await closeServer(emptyServer);
});

describe('workspace tenant discovery', () => {
  test('GET /aad/auth redirects 302 to {authority}/{tenant}/oauth2/authorize without needing a token', async () => {
    const r = await get('/aad/auth');
    assert.equal(r.status, 302);
    const loc = new URL(String(r.headers.location));
    assert.equal(loc.origin, 'http://127.0.0.1:9');
    assert.equal(loc.pathname, `/${TENANT}/oauth2/authorize`);
    assert.equal(loc.pathname.split('/')[1], TENANT); // what databricks-sdk-py reads
    assert.equal(loc.searchParams.get('client_id'), DATABRICKS);
    assert.equal(r.headers.server, 'databricks');
  });

  test('GET /oidc/oauth2/v2.0/authorize redirects to the Entra v2 authorize URL keeping the query', async () => {
    const r = await get('/oidc/oauth2/v2.0/authorize?client_id=x&state=s1');
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `http://127.0.0.1:9/${TENANT}/oauth2/v2.0/authorize?client_id=x&state=s1`);
  });
});

describe('workspace refusals (docs/protocol.md §9.2)', () => {
  test('no Authorization header is 401 with a numeric error_code and a ReqId', async () => {
    const r = await get('/api/2.0/clusters/list');
    assert.equal(r.status, 401);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.headers.server, 'databricks');
    const body = JSON.parse(r.body);
    assert.equal(body.error_code, 401);
    assert.match(
      body.message,
      /^Credential was not sent or was of an unsupported type for this API\. \[ReqId: [0-9a-f-]{36}\]$/,
    );
  });

  test('a Basic credential is 401 like a missing one', async () => {
    const r = await get('/api/2.0/clusters/list', { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error_code, 401);
  });

  test('a token signed by another key is the 403 Jetty page "Invalid access token."', async () => {
    const other = await createMinter();
    const r = await get('/api/2.0/clusters/list', bearer(await other.user(DATABRICKS)));
    assert.equal(r.status, 403);
    assert.equal(r.headers['content-type'], 'text/html;charset=utf-8');
    assert.match(r.body, /<title>Error 403 Invalid access token\.<\/title>/);
    assert.match(
      r.body,
      /Problem accessing \/api\/2\.0\/clusters\/list\. Reason:\n<pre> {4}Invalid access token\.<\/pre>/,
    );
  });

  test('a PAT-looking opaque token is refused as an invalid access token', async () => {
    const r = await get('/api/2.0/clusters/list', bearer('dapi0123456789abcdef'));
    assert.equal(r.status, 403);
    assert.match(r.body, /Invalid access token\./);
  });

  test('a management-audience token is 400 IncorrectClaimException naming both audiences', async () => {
    const r = await get('/api/2.0/clusters/list', bearer(await minter.user(MANAGEMENT)));
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'text/html;charset=utf-8');
    const reason = `io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: ${DATABRICKS}, but was: ${MANAGEMENT}.`;
    assert.ok(r.body.includes(`<title>Error 400 ${reason}</title>`));
    assert.ok(r.body.includes(`<pre>    ${reason}</pre>`));
  });

  test('an expired token is 403 {"error_code":403,"message":"JWT has expired"} with X-Databricks-Reason-Phrase', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const r = await get(
      '/api/2.0/clusters/list',
      bearer(await minter.user(DATABRICKS, {}, { nowSec: past, lifetime: 3600 })),
    );
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), { error_code: 403, message: 'JWT has expired' });
    assert.equal(r.headers['x-databricks-reason-phrase'], 'JWT has expired');
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  });

  test('a token with less than 30 s left is 403 "Token is expiring within 30 seconds. (token expired)"', async () => {
    const r = await get('/api/2.0/clusters/list', bearer(await minter.user(DATABRICKS, {}, { lifetime: 20 })));
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), {
      error_code: 403,
      message: 'Token is expiring within 30 seconds. (token expired)',
    });
  });

  test('a token from another tenant is 400 IncorrectClaimException on iss', async () => {
    const t = await minter.user(DATABRICKS, { tid: OTHER_TENANT, iss: `https://sts.windows.net/${OTHER_TENANT}/` });
    const r = await get('/api/2.0/clusters/list', bearer(t));
    assert.equal(r.status, 400);
    assert.ok(
      r.body.includes(
        `Expected iss claim to be: https://sts.windows.net/${TENANT}/, but was: https://sts.windows.net/${OTHER_TENANT}/.`,
      ),
    );
  });

  test('a user unknown to the workspace is the 403 Jetty page "User not authorized."', async () => {
    const t = await minter.user(DATABRICKS, {
      upn: 'mallory@contoso.com',
      unique_name: 'mallory@contoso.com',
      oid: 'x',
    });
    const r = await get('/api/2.0/clusters/list', bearer(t));
    assert.equal(r.status, 403);
    assert.match(r.body, /<title>Error 403 User not authorized\.<\/title>/);
  });

  test('an unknown API path is 404 ENDPOINT_NOT_FOUND (after authentication)', async () => {
    const t = bearer(await minter.user(DATABRICKS));
    const r = await get('/api/2.0/clusters/lists', t);
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), {
      error_code: 'ENDPOINT_NOT_FOUND',
      message: "No API found for 'GET /clusters/lists'",
    });
    const unauth = await get('/api/2.0/clusters/lists');
    assert.equal(unauth.status, 401);
  });

  test('POST to clusters/list is not a route', async () => {
    const res = await request(`${url}/api/2.0/clusters/list`, {
      method: 'POST',
      headers: bearer(await minter.user(DATABRICKS)),
      body: '{}',
    });
    assert.equal(res.statusCode, 404);
    assert.equal(JSON.parse(await res.body.text()).message, "No API found for 'POST /clusters/list'");
  });
});

describe('Azure headers for principals that are not workspace users (§9.1)', () => {
  test('the confidential app SP without the Azure headers is "User not authorized."', async () => {
    const r = await get('/api/2.0/clusters/list', bearer(await minter.app(DATABRICKS)));
    assert.equal(r.status, 403);
    assert.match(r.body, /User not authorized\./);
  });

  test('the SP with only the resource-id header is still refused', async () => {
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(await minter.app(DATABRICKS)),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID,
    });
    assert.equal(r.status, 403);
    assert.match(r.body, /User not authorized\./);
  });

  test('the SP with both headers is allowed, the resource id compared case-insensitively', async () => {
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(await minter.app(DATABRICKS)),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID.toUpperCase(),
      'x-databricks-azure-sp-management-token': await minter.app(MANAGEMENT),
    });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).clusters.length, 5);
  });

  test('a management token with the Databricks audience is refused as PERMISSION_DENIED', async () => {
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(await minter.app(DATABRICKS)),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID,
      'x-databricks-azure-sp-management-token': await minter.app(DATABRICKS),
    });
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), {
      error_code: 'PERMISSION_DENIED',
      message: `Invalid Azure management token: expected aud claim to be: https://management.core.windows.net/, but was: ${DATABRICKS}.`,
    });
  });

  test('a management token of another client is refused', async () => {
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(await minter.app(DATABRICKS)),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID,
      'x-databricks-azure-sp-management-token': await minter.app(MANAGEMENT, { appid: 'another-app' }),
    });
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.body).message, /issued to another client/);
  });

  test('the workspace admin (Owner, not a user) needs the resource-id header and nothing else', async () => {
    const t = await minter.user(DATABRICKS, { upn: 'admin@contoso.com', unique_name: 'admin@contoso.com', oid: 'adm' });
    const without = await get('/api/2.0/clusters/list', bearer(t));
    assert.equal(without.status, 403);
    assert.match(without.body, /User not authorized\./);
    const withHeader = await get('/api/2.0/clusters/list', {
      ...bearer(t),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID,
    });
    assert.equal(withHeader.status, 200);
  });

  test('a malformed resource-id header is 400 INVALID_PARAMETER_VALUE', async () => {
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(await minter.user(DATABRICKS)),
      'x-databricks-azure-workspace-resource-id':
        '/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm',
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).error_code, 'INVALID_PARAMETER_VALUE');
  });

  test('a resource id of another workspace is 403 PERMISSION_DENIED', async () => {
    const t = await minter.user(DATABRICKS, { upn: 'admin@contoso.com', unique_name: 'admin@contoso.com', oid: 'adm' });
    const r = await get('/api/2.0/clusters/list', {
      ...bearer(t),
      'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID.replace('dbw-prod', 'dbw-dev'),
    });
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error_code, 'PERMISSION_DENIED');
  });

  test('with autoProvision the SP is a workspace user after its first call with the headers', async () => {
    const s = createWorkspaceServer({
      tenantId: TENANT,
      keys: { getKey: minter.getKey },
      autoProvision: true,
      principals: defaultPrincipals({ confidentialClientId: CONF_CLIENT }),
    });
    const u = await listenLoopback(s);
    try {
      const t = await minter.app(DATABRICKS);
      assert.equal((await get('/api/2.0/clusters/list', bearer(t), u)).status, 403);
      const first = await get(
        '/api/2.0/clusters/list',
        {
          ...bearer(t),
          'x-databricks-azure-workspace-resource-id': DEFAULT_RESOURCE_ID,
          'x-databricks-azure-sp-management-token': await minter.app(MANAGEMENT),
        },
        u,
      );
      assert.equal(first.status, 200);
      assert.equal((await get('/api/2.0/clusters/list', bearer(t), u)).status, 200);
    } finally {
      await closeServer(s);
    }
  });
});

describe('clusters/list', () => {
  test('2.0 returns every cluster without pagination fields', async () => {
    const r = await get('/api/2.0/clusters/list', bearer(await minter.user(DATABRICKS)));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body), ['clusters']);
    assert.deepEqual(body.clusters, seedClusters());
    assert.equal(body.clusters[0].cluster_id, '0103-141523-abcd1234');
    assert.equal(body.clusters[0].state, 'RUNNING');
  });

  test('2.0 and 2.1 answer {} for a workspace without clusters', async () => {
    const t = bearer(await minter.user(DATABRICKS));
    assert.equal((await get('/api/2.0/clusters/list', t, emptyUrl)).body, '{}');
    assert.equal((await get('/api/2.1/clusters/list', t, emptyUrl)).body, '{}');
  });

  test('2.1 pages with page_size and page_token; "" marks the first and last page', async () => {
    const t = bearer(await minter.user(DATABRICKS));
    const p1 = JSON.parse((await get('/api/2.1/clusters/list?page_size=2', t)).body);
    assert.deepEqual(
      p1.clusters.map((c: { cluster_id: string }) => c.cluster_id),
      ['0103-141523-abcd1234', '0104-093012-ml4gpu77'],
    );
    assert.equal(p1.prev_page_token, '');
    assert.notEqual(p1.next_page_token, '');
    const p2 = JSON.parse((await get(`/api/2.1/clusters/list?page_size=2&page_token=${p1.next_page_token}`, t)).body);
    assert.equal(p2.clusters.length, 2);
    assert.notEqual(p2.prev_page_token, '');
    const p3 = JSON.parse((await get(`/api/2.1/clusters/list?page_size=2&page_token=${p2.next_page_token}`, t)).body);
    assert.deepEqual(
      p3.clusters.map((c: { cluster_id: string }) => c.cluster_id),
      ['0107-151733-err0r5xz'],
    );
    assert.equal(p3.next_page_token, '');
    const back = JSON.parse((await get(`/api/2.1/clusters/list?page_size=2&page_token=${p3.prev_page_token}`, t)).body);
    assert.deepEqual(back.clusters, p2.clusters);
  });

  test('2.1 without page_size returns everything on one page', async () => {
    const body = JSON.parse((await get('/api/2.1/clusters/list', bearer(await minter.user(DATABRICKS)))).body);
    assert.equal(body.clusters.length, 5);
    assert.equal(body.next_page_token, '');
    assert.equal(body.prev_page_token, '');
  });

  test('2.1 refuses a bad page_token or page_size with 400 INVALID_PARAMETER_VALUE', async () => {
    const t = bearer(await minter.user(DATABRICKS));
    const a = await get('/api/2.1/clusters/list?page_token=garbage', t);
    assert.equal(a.status, 400);
    assert.deepEqual(JSON.parse(a.body), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid page token' });
    const b = await get('/api/2.1/clusters/list?page_size=-1', t);
    assert.equal(b.status, 400);
    assert.equal(JSON.parse(b.body).error_code, 'INVALID_PARAMETER_VALUE');
  });

  test('seeded clusters carry realistic ClusterDetails fields', () => {
    const c = seedClusters();
    assert.equal(c.length, 5);
    for (const k of [
      'cluster_id',
      'cluster_name',
      'spark_version',
      'node_type_id',
      'state',
      'creator_user_name',
      'start_time',
      'azure_attributes',
    ]) {
      assert.ok(
        c.every((x) => k in x),
        k,
      );
    }
    assert.deepEqual(new Set(c.map((x) => x.state)), new Set(['RUNNING', 'TERMINATED', 'PENDING', 'ERROR']));
  });
});
