import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { request } from 'undici';
import { closeServer, listenLoopback } from '../../src/emulator/databricks.js';
import { createGraphServer, seedGraphUsers } from '../../src/emulator/graph.js';
import { createMinter, DATABRICKS, GRAPH, OTHER_TENANT, TENANT, type Minter } from '../helpers/mint.js';

let minter: Minter;
let server: Server;
let url: string;

async function get(pathOrUrl: string, headers: Record<string, string> = {}) {
  const res = await request(pathOrUrl.startsWith('http') ? pathOrUrl : `${url}${pathOrUrl}`, {
    method: 'GET',
    headers,
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body, json: JSON.parse(body) };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function assertGraphError(json: { error: Record<string, unknown> }, code: string, message: string) {
  assert.deepEqual(Object.keys(json), ['error']);
  assert.equal(json.error.code, code);
  assert.equal(json.error.message, message);
  const inner = json.error.innerError as Record<string, string>;
  assert.deepEqual(Object.keys(inner), ['date', 'request-id', 'client-request-id']);
  assert.match(inner.date!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/); // no zone designator, like Graph
  assert.match(inner['request-id']!, /^[0-9a-f-]{36}$/);
}

before(async () => {
  minter = await createMinter();
  server = createGraphServer({ tenantId: TENANT, keys: { getKey: minter.getKey } });
  url = await listenLoopback(server);
});
after(() => closeServer(server));

describe('Graph GET /v1.0/users', () => {
  test('an app-only token with User.Read.All lists users with the default properties and @odata.context', async () => {
    const r = await get('/v1.0/users', bearer(await minter.graph()));
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json;odata\.metadata=minimal/);
    assert.equal(r.json['@odata.context'], `${url}/v1.0/$metadata#users`);
    assert.equal(r.json['@odata.nextLink'], undefined);
    assert.deepEqual(r.json.value, seedGraphUsers());
    assert.deepEqual(Object.keys(r.json.value[0]), [
      'businessPhones',
      'displayName',
      'givenName',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
      'id',
    ]);
  });

  test('$top pages with @odata.nextLink carrying $top and $skiptoken, absent on the last page', async () => {
    const t = bearer(await minter.graph());
    const p1 = await get('/v1.0/users?$top=3', t);
    assert.equal(p1.json.value.length, 3);
    const next = new URL(p1.json['@odata.nextLink']);
    assert.equal(next.origin, url);
    assert.equal(next.searchParams.get('$top'), '3');
    assert.match(next.searchParams.get('$skiptoken')!, /^X'[0-9A-F]+'$/);
    const p2 = await get(p1.json['@odata.nextLink'], t);
    const p3 = await get(p2.json['@odata.nextLink'], t);
    assert.equal(p3.json['@odata.nextLink'], undefined);
    const all = [...p1.json.value, ...p2.json.value, ...p3.json.value].map((u: { id: string }) => u.id);
    assert.deepEqual(
      all,
      seedGraphUsers().map((u) => u.id),
    );
  });

  test('a delegated token with User.ReadBasic.All may list users', async () => {
    const r = await get('/v1.0/users', bearer(await minter.user(GRAPH, { scp: 'User.ReadBasic.All openid' })));
    assert.equal(r.status, 200);
  });

  test('the https://graph.microsoft.com audience is accepted too', async () => {
    const r = await get('/v1.0/users?$top=1', bearer(await minter.graph({ aud: 'https://graph.microsoft.com' })));
    assert.equal(r.status, 200);
  });

  test('an app-only token without User.Read.All is 403 Authorization_RequestDenied', async () => {
    const r = await get('/v1.0/users', {
      ...bearer(await minter.graph({ roles: undefined })),
      'client-request-id': 'abc-123',
    });
    assert.equal(r.status, 403);
    assertGraphError(r.json, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    assert.equal(r.json.error.innerError['client-request-id'], 'abc-123');
    assert.equal(r.headers['client-request-id'], 'abc-123');
  });

  test('no token is 401 InvalidAuthenticationToken with WWW-Authenticate', async () => {
    const r = await get('/v1.0/users');
    assert.equal(r.status, 401);
    assertGraphError(r.json, 'InvalidAuthenticationToken', 'Access token is empty.');
    assert.equal(
      r.headers['www-authenticate'],
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
    );
  });

  test('an expired token is 401 "Access token has expired or is not yet valid."', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const r = await get('/v1.0/users', bearer(await minter.graph({}, { nowSec: past, lifetime: 3600 })));
    assert.equal(r.status, 401);
    assertGraphError(r.json, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  });

  test('a Databricks token is 401 invalid audience', async () => {
    const r = await get('/v1.0/users', bearer(await minter.app(DATABRICKS, { roles: ['User.Read.All'] })));
    assert.equal(r.status, 401);
    assertGraphError(r.json, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  });

  test('a token signed by another key is 401 validation failure', async () => {
    const other = await createMinter();
    const r = await get('/v1.0/users', bearer(await other.graph()));
    assert.equal(r.status, 401);
    assertGraphError(r.json, 'InvalidAuthenticationToken', 'Access token validation failure.');
  });

  test('a Graph-audience token without a header nonce verifies as issued', async () => {
    const t = await minter.token({ aud: GRAPH, roles: ['User.Read.All'], appid: 'a', idtyp: 'app' });
    assert.equal((await get('/v1.0/users', bearer(t))).status, 200);
  });

  test('a token of another tenant is 401', async () => {
    const r = await get('/v1.0/users', bearer(await minter.graph({ tid: OTHER_TENANT })));
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'InvalidAuthenticationToken');
  });

  test('an out-of-range $top and an unknown $skiptoken are 400s in Graph shape', async () => {
    const t = bearer(await minter.graph());
    const a = await get('/v1.0/users?$top=0', t);
    assert.equal(a.status, 400);
    assert.equal(a.json.error.code, 'Request_BadRequest');
    const b = await get("/v1.0/users?$skiptoken=X'ZZ'", t);
    assert.equal(b.status, 400);
    assert.equal(b.json.error.code, 'Directory_ExpiredPageToken');
  });

  test('another resource is 400 "Resource not found for the segment"', async () => {
    const r = await get('/v1.0/groupz', bearer(await minter.graph()));
    assert.equal(r.status, 400);
    assertGraphError(r.json, 'BadRequest', "Resource not found for the segment 'groupz'.");
  });
});
