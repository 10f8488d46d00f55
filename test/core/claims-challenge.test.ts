import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  claimsChallengeFrom,
  decodeClaims,
  mergeClaims,
  parseCapabilities,
  parseWwwAuthenticate,
} from '../../src/core/claims-challenge.js';
import { libraryParams, userAgent, withLibraryInfo } from '../../src/core/platform.js';
import { EntraTokenError } from '../../src/core/errors.js';

// The CAE example from Microsoft Learn's claims-challenge page (docs/protocol.md §15)
const CAE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="';

test('§15 the CAE challenge: params unquoted, claims decoded from base64', () => {
  const [c] = parseWwwAuthenticate(CAE);
  assert.equal(c!.scheme, 'bearer');
  assert.equal(c!.params.error, 'insufficient_claims');
  assert.equal(c!.params.realm, '');
  const ch = claimsChallengeFrom(CAE)!;
  assert.deepEqual(JSON.parse(ch.claims), { access_token: { nbf: { essential: true, value: '1604106651' } } });
  assert.equal(ch.authorizationUri, 'https://login.microsoftonline.com/common/oauth2/authorize');
});

test('§15 no challenge: other errors, other schemes, absent header', () => {
  assert.equal(claimsChallengeFrom('Bearer error="invalid_token", error_description="expired"'), undefined);
  assert.equal(claimsChallengeFrom('Basic realm="x"'), undefined);
  assert.equal(claimsChallengeFrom(undefined), undefined);
  const two = parseWwwAuthenticate('Basic realm="a, b", Bearer error="insufficient_claims", claims="e30="');
  assert.deepEqual(
    two.map((c) => c.scheme),
    ['basic', 'bearer'],
  );
  assert.equal(two[0]!.params.realm, 'a, b');
});

test('the parser never throws and never loops on junk headers', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      parseWwwAuthenticate(s);
      try {
        claimsChallengeFrom(s);
      } catch (e) {
        assert.ok(e instanceof EntraTokenError);
      }
    }),
    { numRuns: process.env.CI ? 2000 : 300 },
  );
});

test('--claims as JSON or base64; capabilities merged as access_token.xms_cc', () => {
  assert.equal(
    decodeClaims('{"id_token":{"acrs":{"essential":true,"value":"c1"}}}'),
    '{"id_token":{"acrs":{"essential":true,"value":"c1"}}}',
  );
  assert.throws(
    () => decodeClaims('[1]'),
    (e: EntraTokenError) => e.code === 'EBAD_INPUT',
  );
  assert.equal(mergeClaims(undefined, []), undefined);
  assert.deepEqual(JSON.parse(mergeClaims(undefined, ['CP1'])!), { access_token: { xms_cc: { values: ['CP1'] } } });
  assert.deepEqual(JSON.parse(mergeClaims('{"access_token":{"nbf":{"essential":true,"value":"1"}}}', ['CP1'])!), {
    access_token: { nbf: { essential: true, value: '1' }, xms_cc: { values: ['CP1'] } },
  });
  assert.deepEqual(parseCapabilities('cp1'), ['CP1']);
  assert.throws(
    () => parseCapabilities('cp9'),
    (e: EntraTokenError) => e.code === 'EUSAGE',
  );
});

test('§15 platform: MSAL-style library parameters and a User-Agent naming the OS', () => {
  const p = { version: '0.1.0', os: 'darwin', cpu: 'arm64', node: '20.20.2' };
  assert.deepEqual(libraryParams(p), [
    ['x-client-SKU', 'entra-token'],
    ['x-client-VER', '0.1.0'],
    ['x-client-OS', 'darwin'],
    ['x-client-CPU', 'arm64'],
  ]);
  assert.equal(userAgent(p), 'entra-token/0.1.0 (Mac OS X; arm64) node/20.20.2');
  const req = {
    method: 'POST' as const,
    url: 'https://x/token',
    headers: {},
    form: [['a', 'b']] as Array<[string, string]>,
    idempotent: false,
  };
  const once = withLibraryInfo(req, p);
  assert.equal(withLibraryInfo(once, p).form!.length, 5);
});
