import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeJwtUnverified, tokensFromInput, MAX_JWT_LENGTH } from '../../src/core/jwt.js';
import { EntraTokenError } from '../../src/core/errors.js';

/** Property-test runs: ENTRA_TOKEN_FC_RUNS overrides (CI may lower it). */
export const FC_RUNS = Number(process.env.ENTRA_TOKEN_FC_RUNS ?? 2000);

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const GOOD = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ aud: 'a', exp: 1 })}.${b64('sig')}`;

function badInputMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EntraTokenError, `not an EntraTokenError: ${String(e)}`);
    assert.equal(e.code, 'EBAD_INPUT');
    assert.equal(e.exitCode, 2);
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail('did not throw');
}

test('decodeJwtUnverified returns header, claims, signature bytes and the segments', () => {
  const d = decodeJwtUnverified(`  ${GOOD}\n`);
  assert.deepEqual(d.header, { alg: 'RS256', typ: 'JWT', kid: 'k1' });
  assert.deepEqual(d.claims, { aud: 'a', exp: 1 });
  assert.equal(Buffer.from(d.signature).toString(), 'sig');
  assert.deepEqual(d.segments, GOOD.split('.'));
});

test('decodeJwtUnverified accepts an empty signature (alg none) so it can be explained', () => {
  const d = decodeJwtUnverified(`${b64({ alg: 'none' })}.${b64({ a: 1 })}.`);
  assert.equal(d.signature.length, 0);
});

test('decodeJwtUnverified rejects each malformed shape with its own one-line EBAD_INPUT message', () => {
  const [h, p] = GOOD.split('.');
  const cases: Array<[string, string]> = [
    ['', 'no token given'],
    ['a.b', 'a JWT has 3 dot-separated segments (header.claims.signature); this has 2'],
    [`${GOOD}.x`, 'a JWT has 3 dot-separated segments (header.claims.signature); this has 4'],
    ['a.b.c.d.e', 'this is an encrypted token (JWE, 5 segments): it cannot be decoded without the recipient key'],
    [`${h}+.${p}.x`, 'the JWT header (segment 1) is not base64url: it contains characters outside A-Z a-z 0-9 - _'],
    [`${h}=.${p}.x`, 'the JWT header (segment 1) is not base64url: it contains characters outside A-Z a-z 0-9 - _'],
    [`${h}.${'A'.repeat(4 * 7 + 1)}.x`, 'the JWT claims (segment 2) is not base64url: its length 29 is impossible'],
    [
      `${h}.${b64('x').slice(0, -1)}D.x`,
      'the JWT claims (segment 2) is not canonical base64url (non-zero padding bits)',
    ],
    [`${h}.${b64('not json')}.x`, 'the JWT claims (segment 2) is not JSON'],
    [`${h}.${b64([1, 2])}.x`, 'the JWT claims (segment 2) is not a JSON object'],
    [`${h}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.x`, 'the JWT claims (segment 2) is not UTF-8 text'],
    [`${b64({ typ: 'JWT' })}.${p}.x`, 'the JWT header has no "alg" string'],
    [`${h}..x`, 'the JWT claims (segment 2) is empty'],
    [`${h}.${p}.%%`, 'the JWT signature (segment 3) is not base64url: it contains characters outside A-Z a-z 0-9 - _'],
    [
      'x'.repeat(MAX_JWT_LENGTH + 1),
      `the token is ${MAX_JWT_LENGTH + 1} characters long; more than ${MAX_JWT_LENGTH} is not a JWT`,
    ],
  ];
  for (const [input, message] of cases)
    assert.equal(
      badInputMessage(() => decodeJwtUnverified(input)),
      message,
      input.slice(0, 60),
    );
});

test('tokensFromInput takes a bare JWT, strips "Bearer ", and picks access_token and id_token from nested JSON', () => {
  assert.deepEqual(tokensFromInput(`Bearer ${GOOD}`), [{ source: 'token', token: GOOD }]);
  const json = JSON.stringify({
    result: { token_type: 'Bearer', access_token: 'A.B.C', id_token: 'I.D.T', refresh_token: 'r' },
  });
  assert.deepEqual(tokensFromInput(json), [
    { source: 'access_token', token: 'A.B.C' },
    { source: 'id_token', token: 'I.D.T' },
  ]);
  assert.deepEqual(tokensFromInput('{"access_token":"A.B.C"}'), [{ source: 'access_token', token: 'A.B.C' }]);
});

test('tokensFromInput refuses JSON without tokens, broken JSON and input over 1 MB', () => {
  assert.equal(
    badInputMessage(() => tokensFromInput('{"token_type":"Bearer"}')),
    'the JSON has no "access_token" or "id_token" string',
  );
  assert.equal(
    badInputMessage(() => tokensFromInput('{"access_token":')),
    'the input starts with "{" but is not valid JSON',
  );
  assert.equal(
    badInputMessage(() => tokensFromInput('x'.repeat(1024 * 1024 + 1))),
    'the input is larger than 1048576 bytes',
  );
  assert.equal(
    badInputMessage(() => tokensFromInput('  \n')),
    'no token given',
  );
});

function cleanOutcome(input: string): void {
  try {
    for (const t of tokensFromInput(input)) decodeJwtUnverified(t.token);
  } catch (e) {
    if (!(e instanceof EntraTokenError) || e.code !== 'EBAD_INPUT' || /\n/.test(e.message)) throw e;
  }
}

test('property: any string gives a decoded token or one clean EBAD_INPUT error', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), cleanOutcome), { numRuns: FC_RUNS });
});

test('property: any three base64url segments of arbitrary bytes give a decoded token or a clean EBAD_INPUT', () => {
  const seg = fc.oneof(
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.json().map((j) => Buffer.from(j).toString('base64url')),
    fc.string({ unit: fc.constantFrom(...'AZaz09-_+/=.'.split('')), maxLength: 40 }),
  );
  fc.assert(
    fc.property(seg, seg, seg, (a, b, c) => cleanOutcome(`${a}.${b}.${c}`)),
    { numRuns: FC_RUNS },
  );
});

test('property: a JSON object header and claims always round-trip through decodeJwtUnverified', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (h, c) => {
      const header = { ...h, alg: 'RS256' };
      delete (header as Record<string, unknown>).crit;
      const d = decodeJwtUnverified(`${b64(header)}.${b64(c)}.`);
      assert.deepEqual(d.header, JSON.parse(JSON.stringify(header)));
      assert.deepEqual(d.claims, JSON.parse(JSON.stringify(c)));
    }),
    { numRuns: Math.ceil(FC_RUNS / 4) },
  );
});
