/**
 * The emulator's managed-identity endpoints (docs/protocol.md §13): exact shapes, each refusal, tokens
 * verifiable against the emulator's JWKS — and MSAL Node's ManagedIdentityApplication, a real client,
 * getting tokens from both endpoints.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { get } from './helpers.js';

const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
let emu: Emulator;
let info: Record<string, string>;

before(async () => {
  emu = await startEmulator();
  info = emu.info as unknown as Record<string, string>;
});
after(() => emu.close());

const imds = (q: string, headers: Record<string, string> = { Metadata: 'true' }) =>
  get(`${info.imds_url}/metadata/identity/oauth2/token?${q}`, headers);
const appService = (q: string, header: string | null = info.identity_header!) =>
  get(`${info.identity_endpoint}?${q}`, header === null ? {} : { 'X-IDENTITY-HEADER': header });

test('the JSON line names the managed-identity endpoints', () => {
  for (const k of [
    'imds_url',
    'identity_endpoint',
    'identity_header',
    'system_identity_client_id',
    'user_identity_client_id',
  ])
    assert.ok(info[k], k);
});

test('IMDS: every number a string, system-assigned by default, token verifiable with the emulator JWKS', async () => {
  const r = await imds(`api-version=2018-02-01&resource=${DBX}`);
  assert.equal(r.status, 200, r.text);
  for (const k of ['expires_in', 'expires_on', 'ext_expires_in', 'not_before'])
    assert.equal(typeof r.json[k], 'string', k);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.resource, DBX);
  assert.equal(r.json.client_id, info.system_identity_client_id);
  const { payload } = await jwtVerify(String(r.json.access_token), createRemoteJWKSet(new URL(info.jwks_uri!)));
  assert.equal(payload.aud, DBX);
  assert.equal(payload.appid, info.system_identity_client_id);
  assert.equal(payload.appidacr, '2');
  assert.equal(payload.idtyp, 'app');
  assert.match(String(payload.xms_mirid), /virtualMachines\/vm-emulated$/);
});

test('IMDS: user-assigned by client_id, object_id or msi_res_id; unknown identity 400 "Identity not found"', async () => {
  const byClient = await imds(`api-version=2018-02-01&resource=${DBX}&client_id=${info.user_identity_client_id}`);
  assert.equal(decodeJwt(String(byClient.json.access_token)).appid, info.user_identity_client_id);
  const byObject = await imds(`api-version=2018-02-01&resource=${DBX}&object_id=${info.user_identity_object_id}`);
  assert.equal(byObject.json.client_id, info.user_identity_client_id);
  const byRes = await imds(
    `api-version=2018-02-01&resource=${DBX}&msi_res_id=${encodeURIComponent(info.user_identity_resource_id!)}`,
  );
  assert.equal(byRes.json.client_id, info.user_identity_client_id);
  const none = await imds(`api-version=2018-02-01&resource=${DBX}&client_id=00000000-0000-0000-0000-000000000000`);
  assert.equal(none.status, 400);
  assert.deepEqual(none.json, { error: 'invalid_request', error_description: 'Identity not found' });
});

test('IMDS refuses a request without Metadata: true, a proxied one, a missing api-version and an unknown resource', async () => {
  assert.equal((await imds(`api-version=2018-02-01&resource=${DBX}`, {})).json.error, 'bad_request_102');
  assert.equal(
    (await imds(`api-version=2018-02-01&resource=${DBX}`, { Metadata: 'true', 'X-Forwarded-For': '10.0.0.1' })).status,
    400,
  );
  assert.match(String((await imds(`resource=${DBX}`)).json.error_description), /api-version/);
  const unknown = await imds('api-version=2018-02-01&resource=https://nothing.example');
  assert.equal(unknown.json.error, 'invalid_resource');
  assert.match(String(unknown.json.error_description), /AADSTS500011/);
});

test('App Service: expires_on only (a string), the header checked, mi_res_id for a user-assigned identity', async () => {
  const r = await appService(`api-version=2019-08-01&resource=${DBX}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.expires_in, undefined);
  assert.match(String(r.json.expires_on), /^\d+$/);
  assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
  const bad = await appService(`api-version=2019-08-01&resource=${DBX}`, 'wrong');
  assert.equal(bad.status, 401);
  assert.equal(bad.json.statusCode, 401);
  assert.equal((await appService(`api-version=2019-08-01&resource=${DBX}`, null)).status, 401);
  const user = await appService(
    `api-version=2019-08-01&resource=${DBX}&mi_res_id=${encodeURIComponent(info.user_identity_resource_id!)}`,
  );
  assert.equal(user.json.client_id, info.user_identity_client_id);
  assert.equal((await appService(`api-version=2017-09-01&resource=${DBX}`)).status, 400);
});

test('MSAL Node (a real client) gets tokens from the emulated App Service endpoint and IMDS', async () => {
  const { ManagedIdentityApplication } = await import('@azure/msal-node');
  const saved = { ...process.env };
  try {
    process.env.IDENTITY_ENDPOINT = info.identity_endpoint;
    process.env.IDENTITY_HEADER = info.identity_header;
    const app1 = new ManagedIdentityApplication({});
    const r1 = await app1.acquireToken({ resource: DBX });
    assert.equal(decodeJwt(r1.accessToken).appid, info.system_identity_client_id);
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = info.imds_url;
    const app2 = new ManagedIdentityApplication({
      managedIdentityIdParams: { userAssignedClientId: info.user_identity_client_id! },
    });
    const r2 = await app2.acquireToken({ resource: DBX });
    assert.equal(decodeJwt(r2.accessToken).appid, info.user_identity_client_id);
    assert.ok(r2.expiresOn && r2.expiresOn.getTime() > Date.now());
  } finally {
    process.env = saved;
  }
});
