// core/id-token: the checks on an id token just received (OpenID Connect Core §3.1.3.7; docs/protocol.md §6.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdToken } from '../../src/core/id-token.js';

const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const idToken = (claims: Record<string, unknown>) =>
  `${b64u({ typ: 'JWT', alg: 'RS256', kid: 'k' })}.${b64u(claims)}.c2ln`;
const good = {
  iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
  aud: CLIENT,
  tid: TENANT,
  oid: '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46',
  nonce: 'n-0123',
  preferred_username: 'alice@contoso.com',
  name: 'Alice Smith',
};

test('a matching id token tells who signed in', () => {
  const who = checkIdToken(idToken(good), { client_id: CLIENT, nonce: 'n-0123', tenant: TENANT });
  assert.deepEqual(who, {
    tid: TENANT,
    oid: good.oid,
    preferred_username: 'alice@contoso.com',
    name: 'Alice Smith',
    iss: good.iss,
  });
});

test('another nonce is refused (ECLAIM) naming the claim, what was expected and what came', () => {
  assert.throws(
    () => checkIdToken(idToken({ ...good, nonce: 'other' }), { client_id: CLIENT, nonce: 'n-0123', tenant: TENANT }),
    {
      code: 'ECLAIM',
      message: 'unexpected ID token "nonce" claim value: expected "n-0123", got "other"',
    },
  );
  assert.throws(
    () => checkIdToken(idToken({ ...good, nonce: undefined }), { client_id: CLIENT, nonce: 'n-0123', tenant: TENANT }),
    {
      code: 'ECLAIM',
      message: /"nonce" claim value: expected "n-0123", got null/,
    },
  );
});

test('an id token for another client is refused; one of several audiences may be ours', () => {
  assert.throws(
    () =>
      checkIdToken(idToken({ ...good, aud: 'someone-else' }), { client_id: CLIENT, nonce: 'n-0123', tenant: TENANT }),
    {
      code: 'ECLAIM',
      message: /"aud" claim value: expected "6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90", got "someone-else"/,
    },
  );
  const who = checkIdToken(idToken({ ...good, aud: ['x', CLIENT] }), {
    client_id: CLIENT,
    nonce: 'n-0123',
    tenant: TENANT,
  });
  assert.equal(who.tid, TENANT);
});

test("an issuer that does not name the token's tenant, or a token from another tenant than asked, is refused", () => {
  assert.throws(
    () =>
      checkIdToken(idToken({ ...good, iss: 'https://login.microsoftonline.com/another/v2.0' }), {
        client_id: CLIENT,
        nonce: 'n-0123',
        tenant: TENANT,
      }),
    { code: 'ECLAIM', message: /"iss" claim value/ },
  );
  const other = '11111111-2222-3333-4444-555555555555';
  assert.throws(() => checkIdToken(idToken(good), { client_id: CLIENT, nonce: 'n-0123', tenant: other }), {
    code: 'ECLAIM',
    message: /"tid" claim value: expected "11111111-2222-3333-4444-555555555555"/,
  });
});
