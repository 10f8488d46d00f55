import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationCodeRequest, clientCredentialsRequest, processTokenResponse } from '../../src/core/token.js';
import { EntraOAuthError, EntraTokenError } from '../../src/core/errors.js';
import { toEntraError, summarize } from '../../src/core/entra-error.js';
import { AADSTS } from '../../src/core/aadsts.js';
import { encodeForm } from '../../src/core/wire.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const json = (status: number, body: unknown, type = 'application/json; charset=utf-8') => ({
  status,
  headers: { 'content-type': type },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

test("the authorization_code request carries the documentation's form plus code_verifier and MSAL's client_info=1, and no state by default", () => {
  const req = authorizationCodeRequest({
    tokenEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    client_id: 'cid',
    code: 'C0DE',
    redirect_uri: 'http://localhost',
    scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid'],
    code_verifier: 'v'.repeat(43),
  });
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(req.idempotent, false);
  assert.deepEqual(
    req.form!.map(([k]) => k),
    ['client_id', 'scope', 'code', 'redirect_uri', 'grant_type', 'code_verifier', 'client_info'],
  );
  assert.equal(
    encodeForm(req.form!),
    `client_id=cid&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default+openid&code=C0DE&redirect_uri=http%3A%2F%2Flocalhost&grant_type=authorization_code&code_verifier=${'v'.repeat(43)}&client_info=1`,
  );
  assert.equal(req.headers['x-anchormailbox'], undefined);
});

test('client secrets go in the body, or as HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1)', () => {
  const body = clientCredentialsRequest({
    tokenEndpoint: 'https://x/t',
    client_id: 'id',
    scope: 's/.default',
    auth: { kind: 'secret', client_secret: 'a+b~c' },
  });
  assert.deepEqual(body.form!.at(-1), ['client_secret', 'a+b~c']);
  const basic = clientCredentialsRequest({
    tokenEndpoint: 'https://x/t',
    client_id: 'id',
    scope: 's/.default',
    auth: { kind: 'secret', client_secret: 'a+b~c', method: 'basic' },
  });
  assert.equal(basic.headers.authorization, `Basic ${Buffer.from('id:a%2Bb~c').toString('base64')}`);
  assert.ok(!basic.form!.some(([k]) => k === 'client_secret'));
});

test('a v2 success body is validated and expires_on computed', () => {
  const t = processTokenResponse(
    json(200, {
      token_type: 'Bearer',
      scope: 'x/user_impersonation',
      expires_in: 4877,
      ext_expires_in: 4877,
      access_token: 'at',
      refresh_token: 'rt',
      id_token: 'it',
    }),
    { now: NOW },
  );
  assert.equal(t.expires_in, 4877);
  assert.equal(t.expires_on, '2026-01-01T01:21:17.000Z');
  assert.equal(t.refresh_token, 'rt');
});

test('v1 string-typed numbers are normalized (§2.8)', () => {
  const t = processTokenResponse(
    json(200, {
      token_type: 'Bearer',
      expires_in: '3599',
      ext_expires_in: '3599',
      expires_on: '1595616849',
      not_before: '1595612949',
      resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
      access_token: 'at',
    }),
    { now: NOW },
  );
  assert.equal(t.expires_in, 3599);
  assert.equal(t.ext_expires_in, 3599);
  assert.equal(t.resource, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
});

test('malformed success bodies are EBAD_RESPONSE naming the field', () => {
  assert.throws(() => processTokenResponse(json(200, { token_type: 'Bearer', expires_in: 1 }), { now: NOW }), {
    code: 'EBAD_RESPONSE',
    message: /without "access_token"/,
  });
  assert.throws(
    () =>
      processTokenResponse(json(200, { token_type: 'Bearer', access_token: 'a', expires_in: 'soon' }), { now: NOW }),
    { code: 'EBAD_RESPONSE', message: /"expires_in" is not a number/ },
  );
  assert.throws(
    () => processTokenResponse(json(200, { token_type: 'pop', access_token: 'a', expires_in: 1 }), { now: NOW }),
    { code: 'EBAD_RESPONSE', message: /token_type/ },
  );
});

test('an HTML page (a proxy, a captive portal) is EBAD_RESPONSE with status, type and a sanitized excerpt', () => {
  const html = `<html><head><title>Proxy Error</title></head><body>${'x'.repeat(500)}\n<script>alert(1)</script></body></html>`;
  assert.throws(
    () => processTokenResponse(json(502, html, 'text/html'), { now: NOW }),
    (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(e.code, 'EBAD_RESPONSE');
      assert.match(
        e.message,
        /^the token endpoint answered HTTP 502 \(text\/html\) with a body that is not JSON: <html><head><title>Proxy Error/,
      );
      assert.ok(e.message.length < 320);
      assert.match(e.hint!, /proxy, captive portal/);
      return true;
    },
  );
});

test('an Entra error body becomes EntraOAuthError with code, first sentence, ids and hint', () => {
  const body = {
    error: 'invalid_grant',
    error_description:
      'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token. Trace ID: 0000aaaa-11bb-cccc-dd33-eeeeee333333 Correlation ID: aaaa0000-bb11-2222-33cc-444444dddddd Timestamp: 2026-01-01 00:00:00Z',
    error_codes: [54005],
    timestamp: '2026-01-01 00:00:00Z',
    trace_id: '0000aaaa-11bb-cccc-dd33-eeeeee333333',
    correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
    error_uri: 'https://login.microsoftonline.com/error?code=54005',
  };
  assert.throws(
    () => processTokenResponse(json(400, body), { now: NOW }),
    (e: unknown) => {
      assert.ok(e instanceof EntraOAuthError);
      assert.equal(e.code, 'EOAUTH');
      assert.equal(e.exitCode, 4);
      assert.equal(e.aadsts, 54005);
      assert.equal(e.error, 'invalid_grant');
      assert.equal(e.status, 400);
      assert.equal(e.traceId, '0000aaaa-11bb-cccc-dd33-eeeeee333333');
      assert.equal(e.correlationId, 'aaaa0000-bb11-2222-33cc-444444dddddd');
      assert.equal(e.timestamp, '2026-01-01 00:00:00Z');
      assert.match(
        e.message,
        /^invalid_grant AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token\. \(trace id 0000aaaa/,
      );
      assert.match(e.hint!, /redeemed only once/);
      return true;
    },
  );
});

test('the description summary handles both separators (\\r\\n before 2024, a space after)', () => {
  assert.equal(
    summarize(
      "AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope x isn't valid.\r\nTrace ID: a\r\nCorrelation ID: b\r\nTimestamp: c",
    ),
    "The provided value for the input parameter 'scope' isn't valid.",
  );
  assert.equal(
    summarize(
      'AADSTS50126: Error validating credentials due to invalid username or password. Trace ID: a Correlation ID: b Timestamp: c',
    ),
    'Error validating credentials due to invalid username or password.',
  );
});

test('interaction-required codes map to EINTERACTION_REQUIRED (exit 5) with the sign-in command', () => {
  const e = toEntraError(
    {
      error: 'invalid_grant',
      error_codes: [700082],
      error_description: 'AADSTS700082: The refresh token has expired due to inactivity.',
    },
    'token',
    { signInCommand: 'entra-token login --tenant t --client-id c' },
  );
  assert.equal(e.code, 'EINTERACTION_REQUIRED');
  assert.equal(e.exitCode, 5);
  assert.equal(e.hint, 'sign in again: entra-token login --tenant t --client-id c');
});

test('hints compute what they can: the redirect URI for 50011, the admin-consent URL for 65001', () => {
  const ctx = {
    clientId: 'cid',
    authorityUrl: 'https://login.microsoftonline.com/tid',
    redirectUri: 'http://localhost:8400/',
  };
  assert.match(AADSTS[50011]!.hint(ctx), /'http:\/\/localhost:8400\/'/);
  assert.match(
    AADSTS[65001]!.hint(ctx),
    /https:\/\/login\.microsoftonline\.com\/tid\/adminconsent\?client_id=cid&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F/,
  );
});

test('every AADSTS code of the docs/protocol.md §3.4 table has a hint', () => {
  const table = [
    50011, 500113, 700016, 90002, 900023, 7000218, 7000215, 7000222, 700027, 700024, 700025, 70011, 1002012, 90014,
    900144, 9002313, 50126, 50034, 50053, 50055, 50076, 50079, 53003, 65001, 65004, 50058, 70008, 54005, 700082, 700081,
    700084, 50173, 70043, 50105, 500011, 650057, 70016, 70020, 70019, 50059, 9001023, 50196,
  ];
  for (const code of table) {
    const info = AADSTS[code];
    assert.ok(info, `AADSTS${code} missing`);
    assert.ok(info.hint({}).length > 10, `AADSTS${code} hint too short`);
  }
});

test('the MFA hint depends on the grant: only the password grant is told it cannot do MFA', () => {
  const body = {
    error: 'interaction_required',
    error_codes: [50076],
    error_description:
      'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
  };
  assert.match(
    toEntraError(body, 'token', { grant: 'password', signInCommand: 'entra-token device-code --tenant t' }).hint!,
    /^the password grant cannot do MFA/,
  );
  assert.equal(
    toEntraError(body, 'token', { signInCommand: 'entra-token login --tenant t --client-id c' }).hint,
    'complete multi-factor authentication in a browser: entra-token login --tenant t --client-id c',
  );
});

test('a 200 answer whose "error" is an empty string is EBAD_RESPONSE, not a crash (property-test seed -600104123)', () => {
  for (const status of [200, 400])
    assert.throws(
      () =>
        processTokenResponse(
          { status, headers: { 'content-type': 'application/json' }, body: '{"error":""}' },
          { now: Date.now() },
        ),
      (e: unknown) => e instanceof EntraTokenError && e.code === 'EBAD_RESPONSE',
    );
});
