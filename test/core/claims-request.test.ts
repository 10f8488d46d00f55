// The pure pieces of answering a claims challenge (docs/protocol.md §15): the `claims` form field, --claims parsing,
// a resource's refusal read as a challenge, and the sign-in command printed with `--claims '…'`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import {
  challengeDetail,
  challengeOfError,
  challengeOfResponse,
  mergeClaims,
  parseClaimsOption,
  withClaims,
} from '../../src/core/claims-challenge.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { shellQuote, signInAgainCommand } from '../../src/core/sign-in-hint.js';
import { refreshTokenRequest } from '../../src/core/token.js';

const CAE = '{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}';
const B64 = Buffer.from(CAE).toString('base64');

test('withClaims appends claims last, replaces an earlier one, and leaves a request alone without claims', () => {
  const req = refreshTokenRequest({ tokenEndpoint: 'https://h/t', client_id: 'c', refresh_token: 'r', scopes: ['s'] });
  const fields = req.form!.length;
  assert.equal(withClaims(req, undefined), req);
  const once = withClaims(req, CAE);
  assert.deepEqual(once.form!.at(-1), ['claims', CAE]);
  assert.equal(once.form!.length, req.form!.length + 1);
  const twice = withClaims(once, '{"id_token":{}}');
  assert.deepEqual(
    twice.form!.filter(([k]) => k === 'claims'),
    [['claims', '{"id_token":{}}']],
  );
  assert.equal(req.form!.length, fields, 'the original value is not changed');
  assert.ok(!req.form!.some(([k]) => k === 'claims'));
  assert.equal(withClaims({ ...req, form: undefined, body: '{}' }, CAE).body, '{}', 'a JSON request is left alone');
});

test('parseClaimsOption: JSON or base64 → compact JSON; anything else is EUSAGE naming the flag, with an example', () => {
  assert.equal(parseClaimsOption(undefined), undefined);
  assert.equal(
    parseClaimsOption(' {"access_token" : {"acrs":{"essential":true,"value":"c1"}}} '),
    '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}',
  );
  assert.equal(parseClaimsOption(B64), CAE);
  assert.equal(parseClaimsOption(B64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')), CAE, 'base64url');
  for (const [bad, why] of [
    ['{"a":', 'the claims request is not valid JSON'],
    ['', 'the claims request is not valid JSON'],
    ['[1]', 'the claims request must be a JSON object'],
    ['null', 'the claims request must be a JSON object'],
  ] as const) {
    assert.throws(
      () => parseClaimsOption(bad),
      (e: EntraTokenError) =>
        e.code === 'EUSAGE' && e.message.startsWith(`--claims: ${why}`) && /e\.g\. --claims '\{/.test(e.hint ?? ''),
      bad,
    );
  }
});

test('property: parseClaimsOption of any object, as JSON or base64, round-trips; any string gives a value or EUSAGE', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
      const json = JSON.stringify(o);
      assert.deepEqual(JSON.parse(parseClaimsOption(json)!), JSON.parse(json));
      assert.equal(parseClaimsOption(Buffer.from(json).toString('base64')), parseClaimsOption(json));
    }),
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        parseClaimsOption(s);
      } catch (e) {
        assert.equal((e as EntraTokenError).code, 'EUSAGE');
      }
    }),
  );
});

test('challengeOfResponse: a 401 or 403 with insufficient_claims only; other statuses, errors and unreadable claims are not challenges', () => {
  const h = (v: string) => ({ 'www-authenticate': v });
  const cae = `Bearer realm="", error="insufficient_claims", claims="${B64}"`;
  assert.equal(challengeOfResponse({ status: 401, headers: h(cae), body: '' })?.claims, CAE);
  assert.equal(challengeOfResponse({ status: 403, headers: h(cae), body: '' })?.claims, CAE);
  assert.equal(challengeOfResponse({ status: 400, headers: h(cae), body: '' }), undefined);
  assert.equal(challengeOfResponse({ status: 401, headers: {}, body: '' }), undefined);
  assert.equal(
    challengeOfResponse({ status: 401, headers: h('Bearer error="invalid_token", claims="e30="'), body: '' }),
    undefined,
  );
  assert.equal(
    challengeOfResponse({
      status: 401,
      headers: h('Bearer error="insufficient_claims", claims="bm90IGpzb24="'),
      body: '',
    }),
    undefined,
    'base64 of "not json"',
  );
});

test('challengeDetail / challengeOfError: the claims travel in detail.claims_challenge; the hint quotes them for a shell', () => {
  const d = challengeDetail({ claims: CAE, error: 'insufficient_claims' });
  assert.equal(d.detail.claims_challenge, CAE);
  assert.ok(d.hint.endsWith(`--claims '${CAE}'`));
  assert.equal(challengeOfError(new EntraTokenError('EAPI', 'x', { detail: d.detail })), CAE);
  assert.equal(challengeOfError(new EntraTokenError('EAPI', 'x')), undefined);
  assert.equal(challengeOfError(new Error('x')), undefined);
});

test('the sign-in command carries --claims, quoted so a POSIX shell passes the JSON through unchanged', () => {
  assert.equal(
    signInAgainCommand({ authority: 'https://login.microsoftonline.com/t', client_id: 'c', claims: CAE }),
    `entra-token login --authority https://login.microsoftonline.com/t --client-id c --claims '${CAE}'`,
  );
  for (const v of [CAE, `{"a":"it's"}`, 'plain', '$(rm -rf ~)', "'"]) {
    assert.equal(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(v)}`]).toString(), v);
  }
});

test('mergeClaims: CP1 next to the challenge, capabilities alone, or nothing at all', () => {
  assert.equal(mergeClaims(undefined, []), undefined);
  assert.equal(mergeClaims(undefined, ['CP1']), '{"access_token":{"xms_cc":{"values":["CP1"]}}}');
  assert.equal(
    mergeClaims(CAE, ['CP1']),
    '{"access_token":{"nbf":{"essential":true,"value":"1604106651"},"xms_cc":{"values":["CP1"]}}}',
  );
});
