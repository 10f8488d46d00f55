import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRedirect, checkState } from '../../src/core/redirect.js';
import { EntraTokenError } from '../../src/core/errors.js';

const URL_OK =
  'http://localhost/?code=0.AXEAqMPxcp5bJ02cYQ6PSitt-abc_DEF~x.y&client_info=eyJ1aWQiOiIxIn0&state=Xy4Jm0pQe2sQ1tW7&session_state=9b1d6a44-2e0f-4c53-8a7e-0d5f3c2b1a90';

test('parses the whole redirect URL with code, state, session_state and client_info', () => {
  const r = parseRedirect(URL_OK);
  assert.equal(r.kind, 'success');
  if (r.kind !== 'success') return;
  assert.equal(r.code, '0.AXEAqMPxcp5bJ02cYQ6PSitt-abc_DEF~x.y');
  assert.equal(r.state, 'Xy4Jm0pQe2sQ1tW7');
  assert.equal(r.session_state, '9b1d6a44-2e0f-4c53-8a7e-0d5f3c2b1a90');
  assert.equal(r.client_info, 'eyJ1aWQiOiIxIn0');
});

test('accepts the query string alone, a fragment, and trims quotes, brackets and whitespace terminals add', () => {
  for (const paste of [
    '?code=abc&state=s1',
    'code=abc&state=s1',
    `  "http://localhost:8400/?code=abc&state=s1"\n`,
    "'http://localhost/?code=abc&state=s1'",
    '<http://localhost/?code=abc&state=s1>',
    'http://localhost/#code=abc&state=s1',
  ]) {
    const r = parseRedirect(paste);
    assert.equal(r.kind, 'success', paste);
    if (r.kind === 'success') {
      assert.equal(r.code, 'abc');
      assert.equal(r.state, 's1');
    }
  }
});

test("decodes an error redirect in Entra's observed encoding (+, lowercase %3a, %0d%0a)", () => {
  const r = parseRedirect(
    'http://localhost:8400/?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent+to+access+the+app.%0d%0aTrace+ID%3a+7c839d05-4806-48f2-ba40-bf4128382500%0d%0aCorrelation+ID%3a+b94f5bce-b15e-48c6-a713-fc07c5c41a77%0d%0aTimestamp%3a+2023-08-28+11%3a25%3a19Z&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d65004&state=Xy4Jm0pQe2sQ1tW7',
  );
  assert.equal(r.kind, 'error');
  if (r.kind !== 'error') return;
  assert.equal(r.error.error, 'access_denied');
  assert.match(
    r.error.error_description!,
    /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: 7c839d05/,
  );
  assert.equal(r.error.error_uri, 'https://login.microsoftonline.com/error?code=65004');
  assert.equal(r.state, 'Xy4Jm0pQe2sQ1tW7');
});

const malformed: Array<[string, string, RegExp]> = [
  ['empty', '   ', /nothing was pasted/],
  ['no query', 'http://localhost/', /has no query/],
  ['garbage', 'hello world', /spaces or line breaks/],
  ['garbage without =', 'asdfghjkl', /neither a redirect URL nor a query string/],
  ['no code', 'http://localhost/?state=abc&session_state=x', /neither 'code' nor 'error'/],
  ['empty code', 'http://localhost/?code=&state=abc', /'code' parameter is empty/],
  ['non-ASCII code', 'http://localhost/?code=0.AXEA%C3%A9%E2%80%8B&state=abc', /never has/],
  ['truncated percent-encoding', 'http://localhost/?code=abc%2&state=s', /malformed percent-encoding/],
  ['duplicated parameter', 'http://localhost/?code=a&code=b&state=s', /appears twice/],
  ['1 MB', `http://localhost/?code=${'a'.repeat(1024 * 1024)}`, /at most 65536/],
];
for (const [name, input, message] of malformed) {
  test(`a malformed paste (${name}) is one EBAD_INPUT line`, () => {
    assert.throws(
      () => parseRedirect(input),
      (e: unknown) => {
        assert.ok(e instanceof EntraTokenError);
        assert.equal(e.code, 'EBAD_INPUT');
        assert.equal(e.exitCode, 2);
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
  });
}

test('checkState refuses a different or missing state with ESTATE_MISMATCH naming both values', () => {
  assert.throws(() => checkState('other', 'expected1'), {
    code: 'ESTATE_MISMATCH',
    message: 'state mismatch: expected expected1, got other',
  });
  assert.throws(() => checkState(undefined, 'expected1'), { code: 'ESTATE_MISMATCH' });
  checkState('same', 'same');
});

test('property: any string gives a parsed redirect or an EBAD_INPUT error, never anything else', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string({ unit: 'binary' }),
      ),
      (s) => {
        try {
          const r = parseRedirect(s);
          assert.ok(r.kind === 'success' || r.kind === 'error');
        } catch (e) {
          assert.ok(e instanceof EntraTokenError && e.code === 'EBAD_INPUT', String(e));
        }
      },
    ),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
  );
});

test('property: a redirect built from any code and state round-trips', () => {
  const codeChars = fc.stringMatching(/^[A-Za-z0-9._~-]{1,200}$/);
  fc.assert(
    fc.property(codeChars, fc.string({ minLength: 1, maxLength: 100 }), (code, state) => {
      const url = `http://localhost:1234/?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}&session_state=x`;
      const r = parseRedirect(url);
      assert.equal(r.kind, 'success');
      if (r.kind === 'success') {
        assert.equal(r.code, code);
        assert.equal(r.state, state);
      }
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
  );
});
