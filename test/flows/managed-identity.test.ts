/** The managed-identity flow (docs/protocol.md §13) against the emulator's IMDS and App Service endpoints. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { parseManagedIdentityId } from '../../src/core/managed-identity.js';
import { createManagedIdentityHttpClient } from '../../src/io/managed-identity.js';
import type { HttpClient } from '../../src/io/http.js';
import { managedIdentityTokens } from '../../src/flows/managed-identity.js';

const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
let emu: Emulator;
let info: Record<string, string>;
let http: HttpClient;
const now = () => Date.now();

before(async () => {
  emu = await startEmulator();
  info = emu.info as unknown as Record<string, string>;
  http = createManagedIdentityHttpClient();
});
after(async () => {
  await http.close();
  await emu.close();
});

test('IMDS through AZURE_POD_IDENTITY_AUTHORITY_HOST: system-assigned, then user-assigned by client id', async () => {
  const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: info.imds_url, HTTPS_PROXY: 'http://127.0.0.1:9' };
  const sys = await managedIdentityTokens({ scope: DBX, env }, { http, now });
  assert.equal(decodeJwt(sys.tokens.access_token).appid, info.system_identity_client_id);
  assert.ok(sys.tokens.expires_in > 3000);
  assert.equal(sys.request.headers.metadata, 'true');
  const user = await managedIdentityTokens(
    { scope: DBX, env, id: parseManagedIdentityId(info.user_identity_client_id) },
    { http, now },
  );
  assert.equal(decodeJwt(user.tokens.access_token).appid, info.user_identity_client_id);
});

test('App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER; expires_on alone gives the lifetime', async () => {
  const env = { IDENTITY_ENDPOINT: info.identity_endpoint, IDENTITY_HEADER: info.identity_header };
  const r = await managedIdentityTokens({ scope: DBX, env }, { http, now });
  assert.equal(decodeJwt(r.tokens.access_token).appid, info.system_identity_client_id);
  assert.ok(r.tokens.expires_in > 3000 && r.tokens.expires_in <= 3600);
});

test('refusals: an identity not assigned, a wrong header, no endpoint at all', async () => {
  const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: info.imds_url };
  await assert.rejects(
    managedIdentityTokens(
      { scope: DBX, env, id: parseManagedIdentityId('11111111-1111-1111-1111-111111111111') },
      { http, now },
    ),
    (e: EntraTokenError) =>
      e.code === 'EOAUTH' && /Identity not found/.test(e.message) && /client_id=1111/.test(e.hint!),
  );
  await assert.rejects(
    managedIdentityTokens(
      { scope: DBX, env: { IDENTITY_ENDPOINT: info.identity_endpoint, IDENTITY_HEADER: 'stolen?' } },
      { http, now },
    ),
    (e: EntraTokenError) => /HTTP 401/.test(e.message) && /IDENTITY_HEADER/.test(e.hint!),
  );
  await assert.rejects(
    managedIdentityTokens({ scope: DBX, env: {} }, { http, now }),
    (e: EntraTokenError) => e.code === 'EUSAGE' && /no managed identity endpoint/.test(e.message),
  );
});

test('off Azure, an explicit IMDS request gives up within the short connect timeout', async () => {
  // 127.0.0.1:9 (discard) is closed here: refused at once; the timeout bounds the unroutable case
  const started = Date.now();
  await assert.rejects(
    managedIdentityTokens(
      { scope: DBX, env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' } },
      {
        http: createManagedIdentityHttpClient({
          retry: { maxAttempts: 1, maxTotalMs: 0, baseDelayMs: 0, maxDelayMs: 0 },
        }),
        now,
      },
    ),
    (e: EntraTokenError) => e.code === 'ENETWORK',
  );
  assert.ok(Date.now() - started < 5_000);
});
