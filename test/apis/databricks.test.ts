import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import {
  checkWorkspaceToken,
  composeResourceId,
  discoverWorkspaceTenant,
  normalizeWorkspaceHost,
  parseWorkspaceError,
  resolveResourceId,
  validateResourceId,
  workspaceError,
  WorkspaceClient,
} from '../../src/apis/databricks.js';
import { EntraTokenError } from '../../src/core/errors.js';
import {
  closeServer,
  createWorkspaceServer,
  defaultPrincipals,
  DEFAULT_RESOURCE_ID,
  listenLoopback,
  seedClusters,
} from '../../src/emulator/databricks.js';
import { createHttpClient, NO_RETRY, type HttpClient } from '../../src/io/http.js';
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
let host: string;
let http: HttpClient;
const send = (req: Parameters<HttpClient['send']>[0]) => http.send(req, { retry: NO_RETRY });

function rejectsWith(p: Promise<unknown> | (() => unknown), code: string, message: RegExp, hint?: RegExp) {
  const check = (e: unknown) => {
    assert.ok(e instanceof EntraTokenError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  };
  return typeof p === 'function' ? assert.throws(p, check) : assert.rejects(p, check);
}

before(async () => {
  minter = await createMinter();
  server = createWorkspaceServer({
    tenantId: TENANT,
    keys: { getKey: minter.getKey },
    authorityHost: 'https://login.microsoftonline.com',
    principals: defaultPrincipals({ confidentialClientId: CONF_CLIENT }),
  });
  host = await listenLoopback(server);
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await closeServer(server);
});

describe('workspace host and resource id', () => {
  test('a host is normalized to its origin with or without https:// and trailing slashes', () => {
    assert.equal(
      normalizeWorkspaceHost('adb-3917264580417452.12.azuredatabricks.net'),
      'https://adb-3917264580417452.12.azuredatabricks.net',
    );
    assert.equal(
      normalizeWorkspaceHost('https://adb-1.2.azuredatabricks.net///'),
      'https://adb-1.2.azuredatabricks.net',
    );
    assert.equal(
      normalizeWorkspaceHost(' https://adb-1.2.azuredatabricks.net/?o=1#x '),
      'https://adb-1.2.azuredatabricks.net',
    );
    assert.equal(normalizeWorkspaceHost('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  });

  test('plain http to a non-loopback workspace is EINSECURE', () => {
    rejectsWith(
      () => normalizeWorkspaceHost('http://adb-1.2.azuredatabricks.net'),
      'EINSECURE',
      /refusing plain http to non-loopback host adb-1\.2\.azuredatabricks\.net/,
    );
  });

  test('a resource id is validated case-insensitively and composed from its parts', () => {
    const lower = DEFAULT_RESOURCE_ID.toLowerCase();
    assert.equal(validateResourceId(`${lower}/`), lower);
    assert.equal(composeResourceId('0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e', 'rg-data', 'dbw-prod'), DEFAULT_RESOURCE_ID);
    rejectsWith(
      () => validateResourceId('/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/vms/a'),
      'EUSAGE',
      /not a Databricks workspace resource id/,
      /Microsoft\.Databricks\/workspaces/,
    );
    rejectsWith(
      () =>
        validateResourceId('/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/w'),
      'EUSAGE',
      /subscription id .* is not a GUID/,
    );
  });

  test('the resource id comes from the option, the parts, or DATABRICKS_AZURE_RESOURCE_ID', () => {
    assert.equal(resolveResourceId({}, {}), undefined);
    assert.equal(resolveResourceId({}, { DATABRICKS_AZURE_RESOURCE_ID: DEFAULT_RESOURCE_ID }), DEFAULT_RESOURCE_ID);
    assert.equal(
      resolveResourceId({
        subscription: '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
        resourceGroup: 'rg-data',
        workspace: 'dbw-prod',
      }),
      DEFAULT_RESOURCE_ID,
    );
    rejectsWith(
      () => resolveResourceId({ subscription: '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' }),
      'EUSAGE',
      /must be given together/,
    );
    rejectsWith(
      () => resolveResourceId({ resourceId: DEFAULT_RESOURCE_ID, workspace: 'w' }),
      'EUSAGE',
      /mutually exclusive/,
    );
  });
});

describe('tenant discovery and token checks', () => {
  test('the workspace tenant is read from the /aad/auth redirect without following it', async () => {
    assert.equal(await discoverWorkspaceTenant(host, send), TENANT);
  });

  test('a token for another audience is ECLAIM with the Databricks scope as the fix', async () => {
    rejectsWith(() => checkWorkspaceToken('x', { nowMs: 0 }), 'EBAD_INPUT', /3 dot-separated segments/);
    const t = await minter.user(MANAGEMENT);
    rejectsWith(
      () => checkWorkspaceToken(t, { nowMs: Date.now() }),
      'ECLAIM',
      /audience is "https:\/\/management\.core\.windows\.net\/", not Azure Databricks/,
      /2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default/,
    );
  });

  test('a token with 30 s or less left is refused before sending', async () => {
    const t = await minter.user(DATABRICKS, {}, { lifetime: 30 });
    rejectsWith(
      () => checkWorkspaceToken(t, { nowMs: Date.now() }),
      'ECLAIM',
      /expires in (30|29) s; Databricks refuses tokens with 30 s or less left/,
    );
    const old = await minter.user(DATABRICKS, {}, { nowSec: 1000, lifetime: 60 });
    rejectsWith(() => checkWorkspaceToken(old, { nowMs: 2_000_000 }), 'ECLAIM', /the token expired 940 s ago/);
  });

  test('a token of another tenant than the workspace is refused', async () => {
    const t = await minter.user(DATABRICKS, { tid: OTHER_TENANT });
    rejectsWith(
      () => checkWorkspaceToken(t, { nowMs: Date.now(), workspaceTenant: TENANT }),
      'ECLAIM',
      new RegExp(`from tenant ${OTHER_TENANT}, but the workspace belongs to tenant ${TENANT}`),
    );
    checkWorkspaceToken(await minter.user(DATABRICKS), { nowMs: Date.now(), workspaceTenant: TENANT });
  });

  test('a personal access token skips the JWT checks', () => {
    checkWorkspaceToken('dapi0123456789abcdef0123456789abcdef', { nowMs: Date.now(), workspaceTenant: TENANT });
  });
});

describe('refusal parsing (docs/protocol.md §9.2 shapes)', () => {
  const sent = { method: 'GET', path: '/api/2.0/clusters/list', resourceIdSent: false, managementTokenSent: false };
  test('JSON with a numeric error_code', () => {
    const e = workspaceError(
      {
        status: 403,
        headers: { 'x-databricks-reason-phrase': 'JWT has expired' },
        body: '{"error_code": 403, "message": "JWT has expired"}',
      },
      sent,
    );
    assert.equal(e.code, 'EAPI');
    assert.equal(e.message, 'Databricks refused GET /api/2.0/clusters/list (403): JWT has expired');
    assert.match(e.hint!, /has expired/);
  });
  test('JSON with a string error_code', () => {
    const e = workspaceError(
      { status: 404, headers: {}, body: '{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for \'GET /x\'"}' },
      sent,
    );
    assert.equal(
      e.message,
      "Databricks refused GET /api/2.0/clusters/list (404): ENDPOINT_NOT_FOUND: No API found for 'GET /x'",
    );
    assert.match(e.hint!, /check the API path/);
  });
  test('HTML: the <pre> reason wins over the title', () => {
    const body =
      '<html><head><title>Error 400 io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d, but was: https://management.core.windows.net/.</title></head><body><h2>HTTP ERROR 400</h2><p>Problem accessing /api/2.0/clusters/list. Reason:\n<pre>    io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d, but was: https://management.core.windows.net/.</pre></p></body></html>';
    const e = workspaceError({ status: 400, headers: {}, body }, sent);
    assert.equal(
      e.message,
      'Databricks refused GET /api/2.0/clusters/list (400): io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d, but was: https://management.core.windows.net/.',
    );
    assert.match(e.hint!, /another resource: request one with scope 2ff814a6/);
  });
  test('HTML with only a title; plain text; SCIM; API 1.2', () => {
    assert.equal(
      parseWorkspaceError({
        status: 403,
        headers: {},
        body: '<html><title>Error 403 User not authorized.</title></html>',
      }).message,
      'User not authorized.',
    );
    assert.deepEqual(parseWorkspaceError({ status: 403, headers: {}, body: 'PERMISSION_DENIED: nope' }), {
      status: 403,
      reasonPhrase: undefined,
      error_code: 'PERMISSION_DENIED',
      message: 'nope',
    });
    assert.equal(
      parseWorkspaceError({ status: 403, headers: {}, body: '{"detail":"denied","status":"403","scimType":"x"}' })
        .message,
      'denied',
    );
    assert.equal(parseWorkspaceError({ status: 400, headers: {}, body: '{"error":"bad thing"}' }).message, 'bad thing');
    assert.equal(
      parseWorkspaceError({ status: 403, headers: {}, body: 'Token is expiring within 30 seconds. (token expired)' })
        .message,
      'Token is expiring within 30 seconds. (token expired)',
    );
  });
  test('"User not authorized." says what the principal is missing', () => {
    const body = '<title>Error 403 User not authorized.</title>';
    assert.match(
      workspaceError({ status: 403, headers: {}, body }, { ...sent, principal: 'user' }).hint!,
      /pass --resource-id/,
    );
    assert.match(
      workspaceError({ status: 403, headers: {}, body }, { ...sent, principal: 'app' }).hint!,
      /--resource-id and --sp-management-token/,
    );
    assert.match(
      workspaceError({ status: 403, headers: {}, body }, { ...sent, principal: 'app', resourceIdSent: true }).hint!,
      /also needs --sp-management-token/,
    );
    assert.match(
      workspaceError({ status: 403, headers: {}, body }, { ...sent, principal: 'user', resourceIdSent: true }).hint!,
      /neither a workspace user nor Contributor\/Owner/,
    );
  });
});

describe('calls against the emulated workspace', () => {
  test('listClusters follows every 2.1 page', async () => {
    const c = new WorkspaceClient({ host, token: await minter.user(DATABRICKS), send });
    const all = await c.listClusters({ pageSize: 2 });
    assert.deepEqual(all, seedClusters());
  });

  test('listClusters with apiVersion 2.0 makes one unpaged call', async () => {
    const c = new WorkspaceClient({ host, token: await minter.user(DATABRICKS), send });
    assert.equal((await c.listClusters({ apiVersion: '2.0' })).length, 5);
  });

  test('the SP reaches the workspace with the resource id and a management token', async () => {
    const token = await minter.app(DATABRICKS);
    const bare = new WorkspaceClient({ host, token, send });
    await rejectsWith(
      bare.listClusters(),
      'EAPI',
      /^Databricks refused GET \/api\/2\.1\/clusters\/list \(403\): User not authorized\.$/,
      /--resource-id and --sp-management-token/,
    );
    const half = new WorkspaceClient({ host, token, send, resourceId: DEFAULT_RESOURCE_ID });
    await rejectsWith(half.listClusters(), 'EAPI', /User not authorized/, /also needs --sp-management-token/);
    const full = new WorkspaceClient({
      host,
      token,
      send,
      resourceId: DEFAULT_RESOURCE_ID.toLowerCase(),
      spManagementToken: await minter.app(MANAGEMENT),
    });
    assert.equal((await full.listClusters()).length, 5);
  });

  test('call() maps an expired token refusal to EAPI with the fix', async () => {
    const c = new WorkspaceClient({ host, token: await minter.user(DATABRICKS, {}, { nowSec: 1000 }), send });
    await rejectsWith(c.call('GET', '/api/2.0/clusters/list'), 'EAPI', /\(403\): JWT has expired$/, /get a new token/);
  });

  test('call() sends GET data as query parameters and refuses paths that leave the host', async () => {
    const c = new WorkspaceClient({ host, token: 't', send });
    assert.equal(
      c.buildRequest('GET', '/api/2.1/clusters/list', { page_size: 2 }).url,
      `${host}/api/2.1/clusters/list?page_size=2`,
    );
    const post = c.buildRequest('POST', '/api/2.0/clusters/start', { cluster_id: 'x' });
    assert.equal(post.body, '{"cluster_id":"x"}');
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(post.idempotent, false);
    rejectsWith(() => c.buildRequest('GET', '//evil.example/api'), 'EUSAGE', /single "\/"/);
    rejectsWith(() => c.buildRequest('GET', 'https://evil.example/api'), 'EUSAGE', /single "\/"/);
  });

  test('an unknown endpoint is EAPI ENDPOINT_NOT_FOUND', async () => {
    const c = new WorkspaceClient({ host, token: await minter.user(DATABRICKS), send });
    await rejectsWith(
      c.call('GET', '/api/2.0/nope'),
      'EAPI',
      /\(404\): ENDPOINT_NOT_FOUND: No API found for 'GET \/nope'/,
    );
  });
});
