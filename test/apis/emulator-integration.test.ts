/**
 * The Databricks and Graph clients against the full emulator: real tokens from its Entra (client
 * credentials for the app, the auto-approved authorization code flow for alice, done here with plain
 * HTTP calls), verified by its workspace and Graph with the emulator's signing key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { discoverWorkspaceTenant, checkWorkspaceToken, WorkspaceClient } from '../../src/apis/databricks.js';
import { listUsers } from '../../src/apis/graph.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createHttpClient, NO_RETRY, type HttpClient } from '../../src/io/http.js';
import { codeFor, post, tokenUrl } from '../emulator/helpers.js';

let emu: Emulator;
let http: HttpClient;
const send = (req: Parameters<HttpClient['send']>[0]) => http.send(req, { retry: NO_RETRY });

async function appToken(
  scope: string,
  clientId = emu.info.confidential_client_id,
  secret = emu.info.client_secret,
): Promise<string> {
  const r = await post(tokenUrl(emu), {
    client_id: clientId,
    client_secret: secret,
    grant_type: 'client_credentials',
    scope,
  });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token as string;
}

async function aliceToken(): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = await codeFor(emu, { state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
  const r = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'authorization_code',
    code: q.get('code')!,
    redirect_uri: 'http://localhost:8400/',
    code_verifier: verifier,
    scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid offline_access',
  });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token as string;
}

before(async () => {
  emu = await startEmulator({ autoApprove: true });
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await emu.close();
});

describe('emulator info', () => {
  test('startEmulator sets workspace_url, workspace_resource_id and graph_url on loopback ports of their own', () => {
    const w = new URL(String(emu.info.workspace_url));
    const g = new URL(String(emu.info.graph_url));
    assert.equal(w.hostname, '127.0.0.1');
    assert.equal(g.hostname, '127.0.0.1');
    assert.notEqual(w.port, new URL(emu.url).port);
    assert.notEqual(w.port, g.port);
    assert.match(
      String(emu.info.workspace_resource_id),
      /^\/subscriptions\/.+\/providers\/Microsoft\.Databricks\/workspaces\/dbw-prod$/,
    );
  });
});

describe('Databricks with emulator tokens', () => {
  test('the workspace names the emulator tenant through /aad/auth', async () => {
    assert.equal(await discoverWorkspaceTenant(String(emu.info.workspace_url), send), emu.info.tenant_id);
  });

  test('alice (a workspace user) lists every cluster with her delegated token', async () => {
    const token = await aliceToken();
    checkWorkspaceToken(token, { nowMs: Date.now(), workspaceTenant: emu.info.tenant_id });
    const c = new WorkspaceClient({ host: String(emu.info.workspace_url), token, send });
    const clusters = await c.listClusters({ pageSize: 2 });
    assert.equal(clusters.length, 5);
    assert.equal(clusters[0]!.cluster_id, '0103-141523-abcd1234');
    const workspaceCalls = emu
      .requests()
      .filter((r) => r.server === 'workspace' && r.path === '/api/2.1/clusters/list');
    assert.equal(workspaceCalls.length, 3);
    assert.deepEqual(
      workspaceCalls.map((r) => r.status),
      [200, 200, 200],
    );
  });

  test('the confidential app SP needs the resource id and a management token from the same app', async () => {
    const token = await appToken('2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default');
    const host = String(emu.info.workspace_url);
    await assert.rejects(new WorkspaceClient({ host, token, send }).listClusters(), (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(e.message, 'Databricks refused GET /api/2.1/clusters/list (403): User not authorized.');
      assert.match(e.hint!, /--resource-id and --sp-management-token/);
      return true;
    });
    const spManagementToken = await appToken('https://management.core.windows.net//.default');
    const ok = new WorkspaceClient({
      host,
      token,
      send,
      resourceId: String(emu.info.workspace_resource_id),
      spManagementToken,
    });
    assert.equal((await ok.listClusters({ apiVersion: '2.0' })).length, 5);
  });

  test('a token expired on the emulator clock is refused by the workspace as "JWT has expired"', async () => {
    const e2 = await startEmulator({ autoApprove: true });
    try {
      const r = await post(tokenUrl(e2), {
        client_id: e2.info.confidential_client_id,
        client_secret: e2.info.client_secret,
        grant_type: 'client_credentials',
        scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
      });
      e2.advanceClock(Number(r.json.expires_in) + 10);
      const c = new WorkspaceClient({
        host: String(e2.info.workspace_url),
        token: r.json.access_token as string,
        send,
      });
      await assert.rejects(c.call('GET', '/api/2.0/clusters/list'), /\(403\): JWT has expired$/);
    } finally {
      await e2.close();
    }
  });
});

describe('Graph with emulator tokens', () => {
  test('the confidential app (User.Read.All) lists the directory users across pages', async () => {
    const token = await appToken('https://graph.microsoft.com/.default');
    const users = await listUsers({ token, send, graphUrl: String(emu.info.graph_url), top: 2 });
    const upns = users.map((u) => u.userPrincipalName);
    assert.ok(upns.includes('alice@contoso.com'));
    assert.equal(
      users.find((u) => u.userPrincipalName === 'alice@contoso.com')!.id,
      emu.directory.users.find((u) => u.upn === 'alice@contoso.com')!.object_id,
    );
    assert.equal(new Set(users.map((u) => u.id)).size, users.length);
    assert.ok(emu.requests().filter((r) => r.server === 'graph').length >= 3);
  });

  test('an app without Graph roles gets 403 with the admin-consent hint', async () => {
    const token = await appToken(
      'https://graph.microsoft.com/.default',
      String(emu.info.no_roles_client_id),
      String(emu.info.no_roles_client_secret),
    );
    await assert.rejects(
      listUsers({ token, send, graphUrl: String(emu.info.graph_url), authority: emu.info.authority }),
      (e: unknown) => {
        assert.ok(e instanceof EntraTokenError);
        assert.equal(
          e.message,
          'Microsoft Graph refused GET /v1.0/users (403): Authorization_RequestDenied: Insufficient privileges to complete the operation.',
        );
        assert.match(
          e.hint!,
          new RegExp(
            `${emu.info.authority.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/adminconsent\\?client_id=${emu.info.no_roles_client_id}`,
          ),
        );
        return true;
      },
    );
  });
});
