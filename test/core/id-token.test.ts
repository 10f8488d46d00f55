// core/id-token: the checks on every id token received (OpenID Connect Core §3.1.3.7; docs/protocol.md §6.5, §16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdToken, type IdTokenExpectations } from '../../src/core/id-token.js';

const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const idToken = (claims: Record<string, unknown>) =>
  `${b64u({ typ: 'JWT', alg: 'RS256', kid: 'k' })}.${b64u(claims)}.c2ln`;
const good = {
  iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
  aud: CLIENT,
  tid: TENANT,
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  oid: '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46',
  nonce: 'n-0123',
  preferred_username: 'alice@contoso.com',
  name: 'Alice Smith',
  iat: nowS - 10,
  exp: nowS + 3600,
};
const entra: IdTokenExpectations = {
  client_id: CLIENT,
  issuer: { entraIssuerFor: (tid) => `https://login.microsoftonline.com/${tid}/v2.0` },
  nonce: 'n-0123',
  tenant: TENANT,
  now: NOW,
};
const refused = (claims: Record<string, unknown>, message: RegExp, exp: IdTokenExpectations = entra) =>
  assert.throws(() => checkIdToken(idToken(claims), exp), { code: 'ECLAIM', message });

test('a matching id token tells who signed in', () => {
  const who = checkIdToken(idToken(good), entra);
  assert.equal(who.tid, TENANT);
  assert.equal(who.oid, good.oid);
  assert.equal(who.sub, good.sub);
  assert.equal(who.preferred_username, 'alice@contoso.com');
  assert.equal(who.iss, good.iss);
});

test('another nonce, or none where one was sent, is refused naming what was expected and what came', () => {
  refused({ ...good, nonce: 'other' }, /^unexpected ID token "nonce" claim value: expected "n-0123", got "other"$/);
  refused({ ...good, nonce: undefined }, /"nonce" claim value: expected "n-0123", got null/);
});

test('an id token for another client is refused; with several audiences azp must be ours', () => {
  refused({ ...good, aud: 'someone-else' }, /"aud" claim value: expected "6a0c9e2d-/);
  refused({ ...good, aud: ['x', CLIENT] }, /"azp" claim value/);
  assert.equal(checkIdToken(idToken({ ...good, aud: ['x', CLIENT], azp: CLIENT }), entra).tid, TENANT);
});

test("the issuer must be the provider's: the discovered one, or Entra's v2 issuer of the token's tenant", () => {
  refused(
    { ...good, iss: 'https://evil.example' },
    /"iss" claim value: expected "https:\/\/login\.microsoftonline\.com\//,
  );
  refused({ ...good, iss: good.iss }, /"iss" claim value: expected "https:\/\/op\.example"/, {
    ...entra,
    issuer: { issuer: 'https://op.example' },
  });
  refused(
    {
      ...good,
      tid: '11111111-2222-3333-4444-555555555555',
      iss: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
    },
    /"tid" claim value: expected "72f1c3a8-/,
  );
});

test('an expired id token, or one issued in the future, is refused beyond the clock skew', () => {
  refused({ ...good, exp: nowS - 301 }, /"exp" claim value/);
  refused({ ...good, iat: nowS + 301 }, /"iat" claim value/);
  assert.equal(checkIdToken(idToken({ ...good, exp: nowS - 299 }), entra).tid, TENANT);
});
