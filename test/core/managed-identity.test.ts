import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectManagedIdentity,
  managedIdentityRequest,
  parseManagedIdentityId,
  processManagedIdentityResponse,
  resourceFromScope,
} from '../../src/core/managed-identity.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { assertSecureUrl } from '../../src/core/url-safety.js';

const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
const json = (status: number, body: unknown) => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

test('§13 detection: App Service needs both variables; IMDS only when named or asked for', () => {
  const app = detectManagedIdentity({ IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token', IDENTITY_HEADER: 'h' });
  assert.equal(app.endpoint?.source, 'app-service');
  assert.equal(app.endpoint?.identityHeader, 'h');
  const half = detectManagedIdentity({ IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token' });
  assert.equal(half.endpoint, undefined);
  assert.match((half as { reason: string }).reason, /IDENTITY_HEADER is not/);
  const pod = detectManagedIdentity({ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9999/' });
  assert.equal(pod.endpoint?.url, 'http://127.0.0.1:9999/metadata/identity/oauth2/token');
  assert.equal(detectManagedIdentity({}).endpoint, undefined, 'off Azure nothing is probed by default');
  assert.equal(detectManagedIdentity({}, true).endpoint?.url, 'http://169.254.169.254/metadata/identity/oauth2/token');
  assert.equal(detectManagedIdentity({ ARM_USE_MSI: 'true' }).endpoint?.source, 'imds');
});

test('§13 IMDS request: GET, api-version 2018-02-01, resource without /.default, Metadata: true, user-assigned keys', () => {
  const ep = detectManagedIdentity({ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9999' }).endpoint!;
  const r = managedIdentityRequest(ep, resourceFromScope(`${DBX}/.default`));
  assert.equal(r.method, 'GET');
  assert.equal(r.headers.metadata, 'true');
  const u = new URL(r.url);
  assert.equal(u.searchParams.get('api-version'), '2018-02-01');
  assert.equal(u.searchParams.get('resource'), DBX);
  assert.equal(u.searchParams.get('client_id'), null);
  const byRes = new URL(managedIdentityRequest(ep, DBX, parseManagedIdentityId('/subscriptions/s/rg/x')).url);
  assert.equal(byRes.searchParams.get('msi_res_id'), '/subscriptions/s/rg/x');
  const byObj = new URL(managedIdentityRequest(ep, DBX, parseManagedIdentityId('object_id=abc')).url);
  assert.equal(byObj.searchParams.get('object_id'), 'abc');
});

test('§13 App Service request: api-version 2019-08-01, X-IDENTITY-HEADER, mi_res_id', () => {
  const ep = detectManagedIdentity({
    IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token',
    IDENTITY_HEADER: 'sekrit',
  }).endpoint!;
  const r = managedIdentityRequest(ep, DBX, { kind: 'resource_id', value: '/subscriptions/s' });
  assert.equal(r.headers['x-identity-header'], 'sekrit');
  assert.equal(r.headers.metadata, undefined);
  const u = new URL(r.url);
  assert.equal(u.searchParams.get('api-version'), '2019-08-01');
  assert.equal(u.searchParams.get('mi_res_id'), '/subscriptions/s');
});

test('parseManagedIdentityId: system, GUID, keyed forms; junk refused with EUSAGE', () => {
  assert.deepEqual(parseManagedIdentityId(undefined), { kind: 'system' });
  assert.deepEqual(parseManagedIdentityId('SYSTEM'), { kind: 'system' });
  assert.deepEqual(parseManagedIdentityId('7e307b14-2a27-4f66-ada8-ec6400eb4977'), {
    kind: 'client_id',
    value: '7e307b14-2a27-4f66-ada8-ec6400eb4977',
  });
  assert.deepEqual(parseManagedIdentityId('principal_id=x'), { kind: 'object_id', value: 'x' });
  assert.throws(
    () => parseManagedIdentityId('not-an-id'),
    (e: EntraTokenError) => e.code === 'EUSAGE',
  );
  assert.throws(() => resourceFromScope('a/.default b/.default'), /exactly one resource/);
});

test('§13 answers: IMDS string numbers, App Service expires_on only, errors in each shape with a fitting hint', () => {
  const now = 1_700_000_000_000;
  const imds = processManagedIdentityResponse(
    json(200, {
      access_token: 'a.b.c',
      expires_in: '3599',
      expires_on: '1700003599',
      ext_expires_in: '3599',
      not_before: '1700000000',
      resource: DBX,
      token_type: 'Bearer',
      client_id: 'x',
    }),
    { now, source: 'imds' },
  );
  assert.equal(imds.expires_in, 3599);
  const app = processManagedIdentityResponse(
    json(200, { access_token: 'a.b.c', expires_on: '1700001800', resource: DBX, token_type: 'Bearer' }),
    { now, source: 'app-service' },
  );
  assert.equal(app.expires_in, 1800);
  assert.throws(
    () =>
      processManagedIdentityResponse(json(400, { error: 'invalid_request', error_description: 'Identity not found' }), {
        now,
        source: 'imds',
        id: { kind: 'client_id', value: 'c1' },
      }),
    (e: EntraTokenError) =>
      e.code === 'EOAUTH' &&
      /HTTP 400 invalid_request: Identity not found/.test(e.message) &&
      /client_id=c1/.test(e.hint!),
  );
  assert.throws(
    () =>
      processManagedIdentityResponse(json(401, { statusCode: 401, message: 'bad header' }), {
        now,
        source: 'app-service',
      }),
    (e: EntraTokenError) => /bad header/.test(e.message) && /IDENTITY_HEADER/.test(e.hint!),
  );
  assert.throws(
    () => processManagedIdentityResponse({ status: 503, headers: {}, body: '' }, { now, source: 'imds' }),
    (e: EntraTokenError) => /HTTP 503/.test(e.message) && /try again/.test(e.hint!),
  );
});

test('plain http to 169.254.169.254 only for the managed-identity client', () => {
  assert.throws(
    () => assertSecureUrl('http://169.254.169.254/metadata'),
    (e: EntraTokenError) => e.code === 'EINSECURE',
  );
  assert.equal(
    assertSecureUrl('http://169.254.169.254/metadata', 'x', { allowImds: true }).hostname,
    '169.254.169.254',
  );
  assert.throws(
    () => assertSecureUrl('http://169.254.169.253/metadata', 'x', { allowImds: true }),
    (e: EntraTokenError) => e.code === 'EINSECURE',
  );
});
