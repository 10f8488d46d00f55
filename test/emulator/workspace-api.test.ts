// The workspace endpoints the SDKs, the CLI and the README call besides clusters/list (issues 19 and 23):
// GET /api/2.0/preview/scim/v2/Me (the SDKs' currentUser.me()) and GET /api/2.x/clusters/get.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
let userToken: string;
before(async () => {
  emu = await startEmulator();
  const r = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'password',
    username: emu.info.username,
    password: emu.info.password,
    scope: DATABRICKS_SCOPE,
  });
  userToken = r.json.access_token as string;
});
after(() => emu.close());

const ws = (path: string, token = userToken, headers: Record<string, string> = {}) =>
  get(`${emu.info.workspace_url as string}${path}`, { authorization: `Bearer ${token}`, ...headers });

test("SCIM Me is the token's user, in the SCIM shape Databricks returns", async () => {
  const r = await ws('/api/2.0/preview/scim/v2/Me');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type')!, /^application\/json/);
  assert.equal(r.json.userName, 'alice@contoso.com');
  assert.equal(r.json.displayName, 'Alice Smith');
  assert.deepEqual(r.json.name, { familyName: 'Smith', givenName: 'Alice' });
  assert.deepEqual(r.json.emails, [{ type: 'work', value: 'alice@contoso.com', primary: true }]);
  assert.equal(r.json.active, true);
  assert.match(String(r.json.id), /^\d{16}$/);
  assert.ok((r.json.schemas as string[]).includes('urn:ietf:params:scim:schemas:core:2.0:User'));
  assert.equal((await ws('/api/2.0/preview/scim/v2/Me')).json.id, r.json.id, 'a stable id');
  // the same checks as every API: no token, 401
  const none = await get(`${emu.info.workspace_url as string}/api/2.0/preview/scim/v2/Me`);
  assert.equal(none.status, 401);
});

test("SCIM Me for a service principal (with the Azure headers) is the app's identity", async () => {
  const sp = await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
  });
  const mgmt = await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: 'https://management.core.windows.net//.default',
  });
  const r = await ws('/api/2.0/preview/scim/v2/Me', sp.json.access_token as string, {
    'x-databricks-azure-workspace-resource-id': emu.info.workspace_resource_id as string,
    'x-databricks-azure-sp-management-token': mgmt.json.access_token as string,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.userName, emu.info.confidential_client_id);
  assert.equal(r.json.applicationId, emu.info.confidential_client_id);
});

test('clusters/get returns one cluster as clusters/list lists it; a missing or unknown id is INVALID_PARAMETER_VALUE', async () => {
  const list = await ws('/api/2.0/clusters/list');
  const first = (list.json.clusters as Array<Record<string, unknown>>)[0]!;
  for (const v of ['2.0', '2.1']) {
    const r = await ws(`/api/${v}/clusters/get?cluster_id=${String(first.cluster_id)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, first);
  }
  const missing = await ws('/api/2.1/clusters/get');
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json, {
    error_code: 'INVALID_PARAMETER_VALUE',
    message: 'Missing required field: cluster_id',
  });
  const unknown = await ws('/api/2.1/clusters/get?cluster_id=0000-000000-nothing0');
  assert.deepEqual(unknown.json, {
    error_code: 'INVALID_PARAMETER_VALUE',
    message: 'Cluster 0000-000000-nothing0 does not exist',
  });
  assert.equal((await ws('/api/2.1/clusters/nothing')).json.error_code, 'ENDPOINT_NOT_FOUND');
});
