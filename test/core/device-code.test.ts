import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processDeviceAuthorizationResponse, processDevicePollResponse } from '../../src/core/device-code.js';
import { EntraOAuthError, EntraTokenError } from '../../src/core/errors.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { adminConsentUrlV1, adminConsentUrlV2 } from '../../src/core/admin-consent.js';

const json = (status: number, body: unknown) => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});
const NOW = 1_735_689_600_000;

test('§4.1 v2 device authorization answer: numbers, verification_uri and message kept', () => {
  const d = processDeviceAuthorizationResponse(
    json(200, {
      user_code: 'FRWQDE7YL',
      device_code: 'FAQABAAE',
      verification_uri: 'https://microsoft.com/devicelogin',
      expires_in: 900,
      interval: 5,
      message:
        'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FRWQDE7YL to authenticate.',
    }),
    { now: NOW },
  );
  assert.deepEqual(d, {
    user_code: 'FRWQDE7YL',
    device_code: 'FAQABAAE',
    verification_uri: 'https://microsoft.com/devicelogin',
    expires_in: 900,
    interval: 5,
    message:
      'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FRWQDE7YL to authenticate.',
    expires_at: NOW + 900_000,
  });
});

test('§4.1 v1 answer: verification_url and string numbers accepted; a missing message and interval get defaults', () => {
  const d = processDeviceAuthorizationResponse(
    json(200, {
      user_code: 'CLZ8HAV2L',
      device_code: 'CAQ',
      verification_url: 'https://microsoft.com/devicelogin',
      expires_in: '900',
    }),
    { now: NOW },
  );
  assert.equal(d.verification_uri, 'https://microsoft.com/devicelogin');
  assert.equal(d.expires_in, 900);
  assert.equal(d.interval, 5);
  assert.equal(
    d.message,
    'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code CLZ8HAV2L to authenticate.',
  );
});

test('a device authorization answer without device_code or with a bad interval is EBAD_RESPONSE', () => {
  assert.throws(
    () =>
      processDeviceAuthorizationResponse(json(200, { user_code: 'X', verification_uri: 'u', expires_in: 900 }), {
        now: NOW,
      }),
    (e: unknown) =>
      e instanceof EntraTokenError &&
      e.code === 'EBAD_RESPONSE' &&
      e.message === 'the device authorization answer has no "device_code"',
  );
  assert.throws(
    () =>
      processDeviceAuthorizationResponse(
        json(200, { user_code: 'X', device_code: 'd', verification_uri: 'u', expires_in: 900, interval: 'soon' }),
        { now: NOW },
      ),
    (e: unknown) =>
      e instanceof EntraTokenError &&
      e.message === 'device authorization field "interval" is not a whole number: "soon"',
  );
});

const pollError = (error: string, code: number) =>
  json(400, {
    error,
    error_description: `AADSTS${code}: text. Trace ID: t Correlation ID: c Timestamp: 2025-01-01 00:00:00Z`,
    error_codes: [code],
  });

test('§4.2 poll answers: authorization_pending and slow_down keep polling', () => {
  assert.deepEqual(processDevicePollResponse(pollError('authorization_pending', 70016), { now: NOW }), {
    kind: 'pending',
  });
  assert.deepEqual(processDevicePollResponse(pollError('slow_down', 70016), { now: NOW }), { kind: 'slow_down' });
});

test('§4.2 poll answers: declined → EOAUTH 4, expired_token → EINTERACTION_REQUIRED 5, bad_verification_code → EOAUTH 4', () => {
  const cases: Array<[string, number, string, number, RegExp]> = [
    [
      'authorization_declined',
      65004,
      'EOAUTH',
      4,
      /^authorization_declined AADSTS65004: the sign-in was declined on the device login page/,
    ],
    [
      'expired_token',
      70020,
      'EINTERACTION_REQUIRED',
      5,
      /^expired_token AADSTS70020: the device code expired before the sign-in finished/,
    ],
    ['code_expired', 70019, 'EINTERACTION_REQUIRED', 5, /^code_expired AADSTS70019: the device code expired/],
    [
      'bad_verification_code',
      70000,
      'EOAUTH',
      4,
      /^bad_verification_code AADSTS70000: Entra does not know this device code/,
    ],
  ];
  for (const [error, aadsts, code, exit, message] of cases) {
    assert.throws(
      () => processDevicePollResponse(pollError(error, aadsts), { now: NOW }),
      (e: unknown) => {
        assert.ok(e instanceof EntraOAuthError);
        assert.equal(e.code, code);
        assert.equal(e.exitCode, exit);
        assert.equal(e.aadsts, aadsts);
        assert.match(e.message, message);
        assert.match(e.hint ?? '', /start a new device code sign-in: entra-token device-code$/);
        return true;
      },
    );
  }
});

test("§8.2 v2 admin-consent URL: client_id, scope, redirect_uri, state in the documentation's order; /common refused", () => {
  const a = resolveAuthority({ tenant: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' });
  assert.equal(
    adminConsentUrlV2({
      authority: a,
      client_id: 'c1',
      scopes: ['https://graph.microsoft.com/.default'],
      redirect_uri: 'http://localhost/myapp/permissions',
      state: '12345',
    }),
    'https://login.microsoftonline.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/v2.0/adminconsent?client_id=c1&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=http%3A%2F%2Flocalhost%2Fmyapp%2Fpermissions&state=12345',
  );
  assert.throws(
    () =>
      adminConsentUrlV2({
        authority: resolveAuthority({ tenant: 'common' }),
        client_id: 'c1',
        scopes: ['x/.default'],
        redirect_uri: 'http://localhost',
        state: 's',
      }),
    (e: unknown) =>
      e instanceof EntraTokenError &&
      e.code === 'EUSAGE' &&
      e.message === 'the v2 admin-consent endpoint does not accept /common',
  );
});

test("§8.1 legacy admin-consent URL is the 65001 hint's URL plus state", () => {
  const a = resolveAuthority({ tenant: 'contoso.onmicrosoft.com' });
  assert.equal(
    adminConsentUrlV1({
      authority: a,
      client_id: 'c1',
      redirect_uri: 'http://localhost/myapp/permissions',
      state: '12345',
    }),
    'https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=c1&redirect_uri=http%3A%2F%2Flocalhost%2Fmyapp%2Fpermissions&state=12345',
  );
});
