import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  explainClaims,
  explainHeader,
  verdict,
  tokenWarnings,
  formatDuration,
  formatTime,
  tokenKind,
} from '../../src/core/claims.js';
import { FIXTURE_NAMES, loadFixture, effectiveClaims } from './token-fixtures.js';

const meaning = (claims: Record<string, unknown>, claim: string, now = 0, tz = 'UTC'): string =>
  explainClaims(claims, now, { timeZone: tz }).find((e) => e.claim === claim)!.meaning;

for (const name of FIXTURE_NAMES) {
  test(`verdict of fixture ${name} says what the token is, for whom and how long it lives`, () => {
    const f = loadFixture(name);
    assert.equal(verdict(f.header, effectiveClaims(f), f.now * 1000), f.verdict);
  });
}

test('appidacr and azpacr values are explained: 0 public client, 1 secret, 2 certificate', () => {
  assert.equal(
    meaning({ appidacr: '0' }, 'appidacr'),
    'how the client app authenticated: public client (no client authentication)',
  );
  assert.equal(
    meaning({ appidacr: '1' }, 'appidacr'),
    'how the client app authenticated: confidential client authenticated with a client secret',
  );
  assert.equal(
    meaning({ azpacr: '2' }, 'azpacr'),
    'how the client app authenticated: confidential client authenticated with a certificate (or client assertion)',
  );
});

test('well-known audiences are named: Azure Databricks, Microsoft Graph (id and URI), Azure service management', () => {
  assert.equal(
    meaning({ aud: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' }, 'aud'),
    'audience: the API this token is for: Azure Databricks (2ff814a6-3304-4ab8-85cb-cd0e6f879c1d)',
  );
  assert.equal(
    meaning({ aud: '00000003-0000-0000-c000-000000000000' }, 'aud'),
    'audience: the API this token is for: Microsoft Graph (00000003-0000-0000-c000-000000000000)',
  );
  assert.equal(
    meaning({ aud: 'https://graph.microsoft.com/' }, 'aud'),
    'audience: the API this token is for: Microsoft Graph (https://graph.microsoft.com/)',
  );
  assert.equal(
    meaning({ aud: 'https://management.core.windows.net/' }, 'aud'),
    'audience: the API this token is for: Azure service management (ARM) (https://management.core.windows.net/)',
  );
  assert.equal(meaning({ aud: 'api://my-api' }, 'aud'), 'audience: the API this token is for: api://my-api');
});

test('the MSA tenant, issuers of both versions and the v1/v2 ver values are explained', () => {
  assert.equal(
    meaning({ tid: '9188040d-6c67-4c5b-b112-36a304b66dad' }, 'tid'),
    'tenant: the personal Microsoft account (MSA) tenant',
  );
  assert.equal(
    meaning({ iss: 'https://sts.windows.net/t1/' }, 'iss'),
    'issuer: Entra ID v1 token service for tenant t1 (v1 token format)',
  );
  assert.equal(
    meaning({ iss: 'https://login.microsoftonline.com/t1/v2.0' }, 'iss'),
    'issuer: Entra ID v2 endpoint https://login.microsoftonline.com for tenant t1 (v2 token format)',
  );
  assert.match(meaning({ ver: '1.0' }, 'ver'), /^token format version 1\.0 \(v1/);
});

test('times are shown in UTC and in the local zone with a relative phrase from the injected clock', () => {
  const exp = 1735694477; // 2025-01-01 01:21:17 UTC
  assert.equal(
    meaning({ exp }, 'exp', (exp - 52 * 60) * 1000, 'Europe/Paris'),
    'expires 2025-01-01 01:21:17 UTC (2025-01-01 02:21:17 local, Europe/Paris): expires in 52 min',
  );
  assert.equal(
    meaning({ exp }, 'exp', (exp + 3 * 3600) * 1000, 'UTC'),
    'expires 2025-01-01 01:21:17 UTC (2025-01-01 01:21:17 local, UTC): expired 3 h ago',
  );
  assert.equal(
    meaning({ nbf: exp }, 'nbf', (exp - 90) * 1000, 'UTC'),
    'not valid before 2025-01-01 01:21:17 UTC (2025-01-01 01:21:17 local, UTC): NOT YET VALID for another 1 min',
  );
  assert.equal(
    meaning({ iat: exp }, 'iat', (exp + 125) * 1000, 'UTC'),
    'issued 2025-01-01 01:21:17 UTC (2025-01-01 01:21:17 local, UTC): 2 min ago',
  );
  assert.equal(meaning({ exp: 'soon' }, 'exp'), 'expires (not a number: malformed)');
  assert.equal(formatTime(1e20), 'an impossible time');
});

test('formatDuration picks readable units', () => {
  assert.deepEqual([45, 60, 3120, 3600, 3 * 3600 + 300, 2 * 86400, 3 * 86400 + 7200].map(formatDuration), [
    '45 s',
    '1 min',
    '52 min',
    '1 h',
    '3 h 5 min',
    '2 d',
    '3 d 2 h',
  ]);
});

test('unknown claims are shown plainly; xms_* claims are recognised as Microsoft extensions', () => {
  const e = explainClaims({ foo: [1], xms_zzz: 'x', xms_cc: ['cp1'] }, 0);
  assert.deepEqual(
    e.map((x) => [x.claim, x.known, x.meaning]),
    [
      ['foo', false, 'not in the catalogue'],
      ['xms_zzz', true, 'Microsoft extension claim (xms_*); meaning not in the catalogue'],
      ['xms_cc', true, 'client capabilities: cp1 = can handle Continuous Access Evaluation claims challenges'],
    ],
  );
});

test('a claim named like an Object.prototype member is not mistaken for a catalogue entry', () => {
  assert.equal(explainClaims({ constructor: 1, __proto__x: 2 }, 0)[0]!.known, false);
});

test('header explanations call out alg none, HMAC, the Graph nonce and ignored key URLs', () => {
  const m = (h: Record<string, unknown>, k: string) => explainHeader(h).find((e) => e.claim === k)!.meaning;
  assert.equal(m({ alg: 'none' }, 'alg'), 'NO SIGNATURE (alg none): anyone could have written this token');
  assert.equal(m({ alg: 'HS256' }, 'alg'), 'HMAC with a shared secret: never used by Entra ID');
  assert.match(
    m({ alg: 'RS256', nonce: 'n' }, 'nonce'),
    /clients cannot verify this token \(Microsoft-owned API, proprietary format\)/,
  );
  assert.match(m({ alg: 'RS256', jku: 'https://evil.example/keys' }, 'jku'), /IGNORED/);
});

test('tokenKind tells ID tokens from access tokens, and trusts the response field it came from', () => {
  assert.equal(tokenKind(loadFixture('v2-id-token').claims), 'id');
  assert.equal(tokenKind(loadFixture('v1-user-databricks').claims), 'access');
  assert.equal(tokenKind({ aud: 'x' }, 'id'), 'id');
});

test('warnings: audience not Databricks with expect databricks, under 30 s left, expired, tenant, alg none/HS256, nonce', () => {
  const f = loadFixture('v1-user-databricks');
  const exp = f.claims.exp as number;
  const codes = (h: Record<string, unknown>, c: Record<string, unknown>, now: number, o = {}) =>
    tokenWarnings(h, c, now * 1000, o).map((w) => w.message);
  assert.deepEqual(
    codes(f.header, f.claims, f.now, { expect: 'databricks', tenant: '72F1C3A8-5B9E-4D27-9C61-0E8F4A2B6D13' }),
    [],
  );
  assert.deepEqual(
    codes(f.header, { ...f.claims, aud: 'https://management.core.windows.net/' }, f.now, { expect: 'databricks' }),
    [
      'the audience is https://management.core.windows.net/ (Azure service management (ARM)), not Azure Databricks (2ff814a6-3304-4ab8-85cb-cd0e6f879c1d): Databricks will reject it; request scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
    ],
  );
  assert.deepEqual(codes(f.header, f.claims, exp - 20), [
    'only 20 s left: Databricks rejects tokens with less than 30 s; refresh it',
  ]);
  assert.deepEqual(codes(f.header, f.claims, exp + 3 * 3600), ['the token expired 3 h ago']);
  assert.deepEqual(codes(f.header, f.claims, f.now, { tenant: 'other' }), [
    'the tenant is 72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13, not other',
  ]);
  assert.deepEqual(codes({ alg: 'none' }, f.claims, f.now), [
    'the token is unsigned (alg none): nothing in it can be trusted',
  ]);
  assert.deepEqual(codes({ alg: 'HS256' }, f.claims, f.now), [
    'the token is signed with HS256 (a shared secret); Entra ID never signs with HMAC: it is not an Entra token',
  ]);
  const id = loadFixture('v2-id-token');
  assert.deepEqual(codes(id.header, id.claims, id.now, { nonce: 'other' }), [
    'unexpected ID token "nonce" claim value 8c1f5a2e93; expected other',
  ]);
  assert.deepEqual(codes(id.header, id.claims, id.now, { nonce: '8c1f5a2e93' }), []);
});
