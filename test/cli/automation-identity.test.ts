/**
 * Automation identities through the credential chain (issue 24; docs/protocol.md §13, §14), as a job
 * would run them: a GitHub Actions workflow, an AKS pod with a projected token file, an Azure Pipelines
 * job, an App Service and a VM — `token`, `databricks clusters list`, `auth describe` and the library,
 * with no secret anywhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createCredential } from '../../src/index.js';
import { runInProcess } from '../helpers/cli.js';

const DBX_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
let emu: Emulator;
let I: Record<string, string>;
let dir: string;
let n = 0;
before(async () => {
  emu = await startEmulator();
  I = emu.info as unknown as Record<string, string>;
  dir = mkdtempSync(join(tmpdir(), 'automation-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function home(): Record<string, string> {
  const h = join(dir, `home-${++n}`);
  return { HOME: h, ENTRA_TOKEN_CACHE_DIR: join(h, 'cache'), ENTRA_TOKEN_STATE_DIR: join(h, 'state'), CI: 'true' };
}

const github = () => ({
  ...home(),
  ACTIONS_ID_TOKEN_REQUEST_URL: I.actions_id_token_request_url!,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: I.actions_id_token_request_token!,
  AZURE_CLIENT_ID: I.federated_client_id!,
  AZURE_TENANT_ID: I.tenant_id!,
  AZURE_AUTHORITY_HOST: I.url!,
});
const appService = () => ({ ...home(), IDENTITY_ENDPOINT: I.identity_endpoint!, IDENTITY_HEADER: I.identity_header! });

describe('workload identity federation', () => {
  test('GitHub Actions: token --auth-type github-oidc-azure, then databricks clusters list from the cache', async () => {
    const env = github();
    const t = await runInProcess(['token', '--auth-type', 'github-oidc-azure'], { env });
    assert.equal(t.code, 0, t.stderr);
    const claims = decodeJwt(t.stdout.trim());
    assert.equal(claims.appid, I.federated_client_id);
    assert.equal(claims.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
    emu.clearRequests();
    const list = await runInProcess(
      ['databricks', 'clusters', 'list', '--host', I.workspace_url!, '--output', 'json'],
      {
        env,
      },
    );
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as unknown[]).length > 0);
    assert.equal(
      emu.requests().filter((r) => r.server === 'federation').length,
      0,
      'the second command is a cache hit: no new GitHub token, no token request',
    );
  });

  test('the chain finds the GitHub token by itself; auth describe says why every earlier source was skipped', async () => {
    const env = github();
    const d = await runInProcess(['auth', 'describe'], { env });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /use\s+federated token \(workload identity federation\): ACTIONS_ID_TOKEN_REQUEST_URL/);
    assert.match(d.stdout, /client secret.*AZURE_CLIENT_SECRET/);
    assert.doesNotMatch(d.stdout, new RegExp(I.actions_id_token_request_token!));
    const t = await runInProcess(['token'], { env });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(decodeJwt(t.stdout.trim()).appid, I.federated_client_id);
  });

  test('AKS workload identity: the projected token file; a refusal names the federated credential that would match', async () => {
    const mint = async (body: Record<string, unknown>) =>
      (
        (await (await fetch(I.cluster_token_url!, { method: 'POST', body: JSON.stringify(body) })).json()) as {
          token: string;
        }
      ).token;
    const file = join(dir, `token-${n}`);
    writeFileSync(file, await mint({}));
    const env = {
      ...home(),
      AZURE_FEDERATED_TOKEN_FILE: file,
      AZURE_CLIENT_ID: I.federated_client_id!,
      AZURE_TENANT_ID: I.tenant_id!,
      AZURE_AUTHORITY_HOST: I.url!,
    };
    const ok = await runInProcess(['token', '--auth-type', 'azure-workload-identity'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    writeFileSync(file, await mint({ subject: 'system:serviceaccount:prod:other' }));
    const bad = await runInProcess(['token', '--auth-type', 'azure-workload-identity'], { env: { ...env, ...home() } });
    assert.equal(bad.code, 4, bad.stderr);
    assert.match(bad.stderr, /AADSTS700213/);
    assert.match(
      bad.stderr,
      /hint: add a federated identity credential to the app with issuer ".*", subject "system:serviceaccount:prod:other", audience "api:\/\/AzureADTokenExchange"/,
    );
  });

  test('a configured source that fails is an error, not a fall-through: GitHub refuses the request token', async () => {
    const env = { ...github(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' };
    const r = await runInProcess(['token'], { env });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /GitHub Actions token service answered HTTP 401/);
    assert.match(r.stderr, /id-token: write/);
    assert.doesNotMatch(r.stderr, /wrong/);
  });

  test('Databricks OAuth token federation names (env-oidc, file-oidc) are refused: they do not give an Entra token', async () => {
    const r = await runInProcess(['token', '--auth-type', 'file-oidc'], { env: github() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not give an Entra ID token/);
  });
});

describe('managed identity', () => {
  test('App Service: token --auth-type azure-msi, then databricks clusters list', async () => {
    const env = appService();
    const t = await runInProcess(['token', '--auth-type', 'azure-msi'], { env });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(decodeJwt(t.stdout.trim()).appid, I.system_identity_client_id);
    const json = await runInProcess(['token', '--auth-type', 'azure-msi', '-o', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { scope: string; resource: string };
    assert.deepEqual(
      [out.scope, out.resource],
      ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d'],
      'a managed identity token says what it is for (it was "" before)',
    );
    const list = await runInProcess(['databricks', 'clusters', 'list', '--host', I.workspace_url!], { env });
    assert.equal(list.code, 0, list.stderr);
  });

  test('a VM (IMDS): the user-assigned identity by --client-id, found by the chain itself', async () => {
    const env = { ...home(), AZURE_POD_IDENTITY_AUTHORITY_HOST: I.imds_url! };
    const t = await runInProcess(['token', '--client-id', I.user_identity_client_id!], { env });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(decodeJwt(t.stdout.trim()).appid, I.user_identity_client_id);
    const d = await runInProcess(['auth', 'describe'], { env });
    assert.match(d.stdout, /use\s+managed identity: AZURE_POD_IDENTITY_AUTHORITY_HOST/);
    const byResource = await runInProcess(
      ['token', '--auth-type', 'azure-msi', '--managed-identity', I.user_identity_resource_id!],
      { env: { ...env, ...home() } },
    );
    assert.equal(byResource.code, 0, byResource.stderr);
    assert.equal(decodeJwt(byResource.stdout.trim()).appid, I.user_identity_client_id);
    const none = await runInProcess(
      ['token', '--auth-type', 'azure-msi', '--managed-identity', '11111111-1111-1111-1111-111111111111'],
      { env: { ...env, ...home() } },
    );
    assert.equal(none.code, 4);
    assert.match(none.stderr, /Identity not found/);
  });

  test('azure-msi with no endpoint answering fails fast with the endpoint named', async () => {
    const started = Date.now();
    const r = await runInProcess(['token', '--auth-type', 'azure-msi'], {
      env: { ...home(), AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' },
    });
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:9/);
    assert.ok(Date.now() - started < 15_000);
  });
});

describe('library', () => {
  test('createCredential on a federated and on a managed identity', async () => {
    {
      const fed = createCredential({ env: github(), cache: false });
      const t1 = await fed.getToken(DBX_SCOPE);
      assert.equal(decodeJwt(t1!.token).appid, I.federated_client_id);
      const mi = createCredential({ env: appService(), authType: 'azure-msi', cache: false });
      const t2 = await mi.getToken(DBX_SCOPE);
      assert.equal(decodeJwt(t2!.token).appid, I.system_identity_client_id);
      assert.ok(t2!.expiresOnTimestamp > Date.now());
    }
  });
});
