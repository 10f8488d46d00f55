// core/grants: one processor per grant composes the token-response validation with the grant's own checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDeviceCodeTokens,
  processAuthorizationCodeResponse,
  processClientCredentialsResponse,
  processRefreshTokenResponse,
  type GrantExpectations,
} from '../../src/core/grants.js';
import type { WireResponse } from '../../src/core/wire.js';

const ISSUER = 'https://id.example.com';
const CLIENT = 'cli-app';
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64u({ alg: 'RS256', kid: 'k' })}.${b64u(claims)}.c2ln`;
const idToken = (over: Record<string, unknown> = {}) =>
  jwt({ iss: ISSUER, aud: CLIENT, sub: 'alice', iat: nowS - 5, exp: nowS + 3600, nonce: 'n1', ...over });
const answer = (body: Record<string, unknown>, status = 200): WireResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const tokens = (over: Record<string, unknown> = {}) => ({
  token_type: 'Bearer',
  access_token: jwt({ iss: ISSUER, aud: 'https://api.example', sub: 'alice', client_id: CLIENT }),
  expires_in: 300,
  ...over,
});
const e: GrantExpectations = {
  now: NOW,
  client_id: CLIENT,
  issuer: { issuer: ISSUER },
  scopes: ['openid', 'api:read'],
};

test('authorization code: the id token is checked with the nonce sent, and who signed in is returned', () => {
  const r = processAuthorizationCodeResponse(answer(tokens({ id_token: idToken() })), { ...e, nonce: 'n1' });
  assert.equal(r.idToken?.sub, 'alice');
  assert.equal(r.idToken?.iss, ISSUER);
  assert.deepEqual(r.notes, [
    `expires_in 300 s: the access token expires at ${new Date(NOW + 300_000).toISOString()}`,
    `id token checked (OpenID Connect Core §3.1.3.7): nonce matches the one sent, aud is the client id, issuer ${ISSUER}, exp/iat within 5 min of this clock; subject alice`,
  ]);
});

test('authorization code: openid asked but no id_token is EBAD_RESPONSE; without openid none is needed', () => {
  assert.throws(() => processAuthorizationCodeResponse(answer(tokens()), { ...e, nonce: 'n1' }), {
    code: 'EBAD_RESPONSE',
    message: 'openid was requested but the token response has no id_token',
  });
  const r = processAuthorizationCodeResponse(answer(tokens()), { ...e, scopes: ['api:read'], nonce: undefined });
  assert.equal(r.idToken, undefined);
});

test('every grant refuses an id token from another issuer, for another client, expired, or with several audiences and no azp', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [
      { iss: 'https://evil.example' },
      `unexpected ID token "iss" claim value: expected "${ISSUER}", got "https://evil.example"`,
    ],
    [{ aud: 'other-app' }, `unexpected ID token "aud" claim value: expected "${CLIENT}", got "other-app"`],
    [{ aud: [CLIENT, 'other-app'] }, `unexpected ID token "azp" claim value: expected "${CLIENT}", got null`],
    [{ azp: 'other-app' }, `unexpected ID token "azp" claim value: expected "${CLIENT}", got "other-app"`],
    [
      { exp: nowS - 301 },
      `unexpected ID token "exp" claim value: expected "later than ${nowS - 300}", got ${nowS - 301}`,
    ],
    [{ iat: nowS + 301 }, `unexpected ID token "iat" claim value: expected "at most ${nowS + 300}", got ${nowS + 301}`],
  ];
  for (const [over, message] of cases) {
    const res = answer(tokens({ id_token: idToken(over), refresh_token: 'rt2' }));
    assert.throws(() => processAuthorizationCodeResponse(res, { ...e, nonce: 'n1' }), { code: 'ECLAIM', message });
    assert.throws(() => processRefreshTokenResponse(res, { ...e, refresh_token: 'rt1' }), { code: 'ECLAIM', message });
    assert.throws(() => checkDeviceCodeTokens(JSON.parse(res.body), e), { code: 'ECLAIM', message });
  }
  // several audiences with azp = the client are fine
  const ok = answer(tokens({ id_token: idToken({ aud: [CLIENT, 'other-app'], azp: CLIENT }) }));
  assert.equal(processAuthorizationCodeResponse(ok, { ...e, nonce: 'n1' }).idToken?.sub, 'alice');
});

test('refresh: no nonce is required of a refreshed id token; rotation is reported', () => {
  const r = processRefreshTokenResponse(
    answer(tokens({ id_token: idToken({ nonce: undefined }), refresh_token: 'rt2' })),
    {
      ...e,
      refresh_token: 'rt1',
    },
  );
  assert.equal(r.rotated, true);
  assert.equal(
    r.notes[1],
    'a new refresh_token came back: it replaces the old one (a provider that rotates refresh tokens refuses the old one from now on)',
  );
});

test('refresh: invalid_grant from another provider is EINTERACTION_REQUIRED with the already-used hint, no AADSTS', () => {
  assert.throws(
    () =>
      processRefreshTokenResponse(
        answer({ error: 'invalid_grant', error_description: 'grant request is invalid' }, 400),
        {
          ...e,
          refresh_token: 'rt1',
          hint: { provider: 'oidc', signInCommand: `entra-token login --issuer ${ISSUER} --client-id ${CLIENT}` },
        },
      ),
    {
      code: 'EINTERACTION_REQUIRED',
      message: 'invalid_grant: grant request is invalid',
      hint: `the refresh token is expired, revoked or was already used (a provider that rotates refresh tokens accepts each one once: keep only the newest, as the token cache does); sign in again: entra-token login --issuer ${ISSUER} --client-id ${CLIENT}`,
    },
  );
});

test('client credentials: a refresh token, which the grant never has, is dropped with a note', () => {
  const r = processClientCredentialsResponse(answer(tokens({ refresh_token: 'nope' })), { now: NOW });
  assert.equal(r.tokens.refresh_token, undefined);
  assert.match(r.notes[1]!, /RFC 6749 §4\.4\.3/);
});
