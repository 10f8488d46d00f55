// Issue 20 item 1 proof for the library: createCredential (a cached user sign-in) + listUsers / WorkspaceClient
// through withClaimsChallenge, against the emulator: revoke → 401 with claims → getToken({ claims }) (a refresh
// carrying them, not the cache) → success. And when the refresh token is revoked too: one EINTERACTION_REQUIRED.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from '../../src/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { resolveAuthority } from '../../src/core/authority.js';
import type { EntraTokenError } from '../../src/core/errors.js';

let emu: Emulator;
let http: lib.HttpClient;
before(async () => {
  emu = await startEmulator();
  http = lib.createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await emu.close();
});

const GRAPH_ALL = 'https://graph.microsoft.com/User.Read.All';
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const tick = () => new Promise((r) => setTimeout(r, 5));
const send = (req: Parameters<lib.HttpClient['send']>[0]) => http.send(req, {});

/** A credential over a memory cache holding alice's sign-in for `scope` (as `entra-token password` leaves it). */
async function signedIn(scope: string) {
  const store = new lib.MemoryTokenStore();
  const authority = resolveAuthority({ authority: emu.info.authority });
  const r = await lib.passwordTokens(
    {
      authority,
      client_id: emu.info.public_client_id,
      username: String(emu.info.username),
      password: String(emu.info.password),
      scopes: [scope, 'openid', 'profile', 'offline_access'],
    },
    { http, now: Date.now },
  );
  await store.update((d) =>
    lib.putTokens(d, {
      authority: authority.url,
      client_id: emu.info.public_client_id,
      scopes: [scope],
      tokens: r.tokens,
      idToken: r.idToken,
      now: Date.now(),
    }),
  );
  const credential = lib.createCredential({
    authority: emu.info.authority,
    clientId: emu.info.public_client_id,
    env: {},
    store,
    http,
  });
  return credential;
}

const tokenCalls = () => emu.requests().filter((q) => q.path.endsWith('/oauth2/v2.0/token'));

test('library: listUsers through withClaimsChallenge answers a CAE challenge with one getToken({ claims }) refresh', async () => {
  const credential = await signedIn(GRAPH_ALL);
  const list = () =>
    lib.withClaimsChallenge(
      async (claims) => (await credential.getToken('https://graph.microsoft.com/.default', { claims })).token,
      (token) => lib.listUsers({ token, send, graphUrl: String(emu.info.graph_url) }),
      { resource: 'Microsoft Graph' },
    );
  assert.ok((await list()).length >= 3);
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  assert.ok((await list()).length >= 3);
  assert.equal(emu.requests().filter((q) => q.path === '/v1.0/users').length, 2);
  assert.equal(tokenCalls().length, 1);
  assert.equal(tokenCalls()[0]!.form?.grant_type, 'refresh_token');
  assert.match(
    tokenCalls()[0]!.form?.claims ?? '',
    /^\{"access_token":\{"nbf":\{"essential":true,"value":"\d+"\}\}\}$/,
  );
  assert.equal(credential.last?.from, 'refresh');
});

test('library: WorkspaceClient.listClusters, same; a full revocation then rejects once with the login --claims command', async () => {
  const credential = await signedIn(DBX);
  const clusters = () =>
    lib.withClaimsChallenge(
      async (claims) =>
        new lib.WorkspaceClient({
          host: String(emu.info.workspace_url),
          token: (await credential.getToken(DBX, { claims })).token,
          send,
        }),
      (client) => client.listClusters(),
      { resource: 'Azure Databricks' },
    );
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  assert.ok((await clusters()).length >= 2);
  assert.equal(tokenCalls().length, 1);
  assert.ok(tokenCalls()[0]!.form?.claims);

  emu.revokeUser(String(emu.info.username));
  await tick();
  emu.clearRequests();
  await assert.rejects(clusters(), (e: EntraTokenError) => {
    assert.equal(e.code, 'EINTERACTION_REQUIRED');
    assert.match(e.message, /^Azure Databricks asked for a new token with claims .* AADSTS50173/);
    assert.match(
      e.hint ?? '',
      /entra-token login --authority \S+ --client-id \S+ --scope \S+ --claims '\{"access_token"/,
    );
    return true;
  });
  assert.equal(emu.requests().filter((q) => q.path.endsWith('/clusters/list')).length, 1);
  assert.equal(tokenCalls().length, 1);
});
