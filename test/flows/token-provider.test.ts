import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { FileTokenStore } from '../../src/io/token-cache.js';
import { createTokenProvider } from '../../src/flows/token-provider.js';
import { acquireTokenSilent } from '../../src/flows/silent.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { permissionsOn } from '../../src/core/cache-keys.js';

const GRAPH = '00000003-0000-0000-c000-000000000000';
import { seedCache, refreshRequests, DATABRICKS_SCOPE } from '../e2e/helpers/token-cache-seed.js';

describe('token provider (getToken) against the emulator', () => {
  let emu: Emulator;
  let http: HttpClient;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    http = createHttpClient({ env: {} });
  });
  after(async () => {
    await http.close();
    await emu.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'et-provider-'));
    emu.clearRequests();
  });

  test('1,000 concurrent getToken() calls on an expired entry cause exactly one refresh request', async () => {
    await seedCache(dir, emu, Date.now() - 1000);
    const provider = createTokenProvider({ store: new FileTokenStore(dir), http, scopes: [DATABRICKS_SCOPE] });
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()));
    assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
    assert.ok(tokens[0]!.expiresOnTimestamp > Date.now() + 5 * 60_000);
    const refreshes = refreshRequests(emu);
    console.log(`# 1,000 concurrent getToken() on an expired entry: ${refreshes} refresh request(s)`);
    assert.equal(refreshes, 1);
    assert.equal(provider.fetches, 1);
    // hits are answered from memory: no more cache reads or requests
    await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()));
    assert.equal(provider.fetches, 1);
  });

  test('inside the 5 minute margin the current token is returned and one background refresh starts', async () => {
    const seeded = await seedCache(dir, emu, Date.now() + 3 * 60_000);
    let now = Date.now() - 10 * 60_000; // first read: the token has 13 min left
    const provider = createTokenProvider({ store: new FileTokenStore(dir), http, now: () => now });
    assert.equal((await provider.getToken()).token, seeded.access_token);
    now = Date.now(); // 3 min left: proactive
    const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
    assert.equal(a.token, seeded.access_token);
    assert.equal(b.token, seeded.access_token);
    while (provider.fetches < 2 || refreshRequests(emu) < 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const next = await provider.getToken();
    assert.notEqual(next.token, seeded.access_token);
    assert.equal(refreshRequests(emu), 1);
  });

  test('no cached account: EINTERACTION_REQUIRED with the sign-in command', async () => {
    const provider = createTokenProvider({
      store: new FileTokenStore(dir),
      http,
      authority: emu.info.authority,
      client_id: emu.info.public_client_id,
    });
    await assert.rejects(provider.getToken(), (e: EntraTokenError) => {
      assert.equal(e.code, 'EINTERACTION_REQUIRED');
      assert.equal(
        e.hint,
        `sign in first: entra-token login --authority ${emu.info.authority} --client-id ${emu.info.public_client_id} --scope ${DATABRICKS_SCOPE}  (entra-token cache list shows what is cached)`,
      );
      return true;
    });
  });

  test('a refresh token for another scope answers a Graph request (one refresh, Graph audience)', async () => {
    await seedCache(dir, emu, Date.now() + 3600_000);
    const r = await acquireTokenSilent(
      { scopes: ['https://graph.microsoft.com/.default'] },
      { store: new FileTokenStore(dir), http: () => http, now: Date.now },
    );
    assert.equal(r.source, 'refresh');
    const aud = JSON.parse(Buffer.from(r.token.access_token.split('.')[1]!, 'base64url').toString()).aud;
    assert.equal(aud, 'https://graph.microsoft.com');
    assert.equal(r.token.resource, '00000003-0000-0000-c000-000000000000');
    const again = await acquireTokenSilent(
      { scopes: ['User.Read'] },
      { store: new FileTokenStore(dir), http: () => http, now: Date.now },
    );
    // Graph grants come back bare ("User.Read openid profile"): they are Graph permissions, so a hit
    assert.ok(permissionsOn(GRAPH, r.token.granted).has('user.read'), r.token.granted.join(' '));
    assert.equal(again.source, 'cache');
    assert.equal(refreshRequests(emu), 1);
  });
});
