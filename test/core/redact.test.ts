// core/redact: the one redaction every output goes through (docs/protocol.md §17).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { redactBody, redactSecret, redactUrl, setMarkKey } from '../../src/core/redact.js';

const secretChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const secretArb = (min: number, max: number, chars = `${secretChars}!*()+/=?&%`) =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

describe('redaction is idempotent', () => {
  it('redactSecret, redactUrl and redactBody change nothing the second time', () => {
    fc.assert(
      fc.property(secretArb(1, 60), fc.string(), (secret, other) => {
        assert.equal(redactSecret(redactSecret(secret)), redactSecret(secret));
        const url = `http://localhost/?code=${encodeURIComponent(secret)}&state=${encodeURIComponent(other)}#id_token=${encodeURIComponent(secret)}`;
        assert.equal(redactUrl(redactUrl(url)), redactUrl(url));
        assert.ok(
          !redactUrl(url).includes(encodeURIComponent(secret)) ||
            secret.length < 8 ||
            encodeURIComponent(other).includes(encodeURIComponent(secret)),
        );
        const body = JSON.stringify({ access_token: secret, note: other, nested: [{ refresh_token: secret }] });
        assert.equal(
          redactBody(redactBody(body, 'application/json'), 'application/json'),
          redactBody(body, 'application/json'),
        );
        const form = `code=${encodeURIComponent(secret)}&x=${encodeURIComponent(other)}`;
        assert.equal(
          redactBody(redactBody(form, 'application/x-www-form-urlencoded'), 'application/x-www-form-urlencoded'),
          redactBody(form, 'application/x-www-form-urlencoded'),
        );
      }),
    );
  });

  it('a secret is shown as prefix, length and a keyed mark: eyJ0eX…[N chars hmac:xxxxxxxx] (HMAC under the run key)', () => {
    const key = Buffer.alloc(32, 7);
    setMarkKey(key);
    assert.equal(
      redactSecret('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln'),
      `eyJ0eX…[45 chars hmac:${createHmac('sha256', key).update('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln').digest('hex').slice(0, 8)}]`,
    );
    assert.match(redactSecret('short-pass'), /^…\[10 chars hmac:[0-9a-f]{8}\]$/);
  });
});

describe('an API error code is not an authorization code', () => {
  it("keeps Graph's error.code and innerError.code, still redacts a code member anywhere else", () => {
    const graph = JSON.stringify({
      error: {
        code: 'InvalidAuthenticationToken',
        message: 'Continuous access evaluation resulted in challenge',
        innerError: { code: 'tokenRevoked', date: '2026-12-01T00:00:00' },
      },
    });
    const out = JSON.parse(redactBody(graph, 'application/json')) as {
      error: { code: string; innerError: { code: string } };
    };
    assert.equal(out.error.code, 'InvalidAuthenticationToken');
    assert.equal(out.error.innerError.code, 'tokenRevoked');
    const authCode = '0.AXEAq1w2e3r4t5y6u7i8o9p0-abcdefghijklmnopqrstuvwxyz';
    const top = JSON.parse(redactBody(JSON.stringify({ code: authCode }), 'application/json')) as { code: string };
    assert.notEqual(top.code, authCode);
    const inError = JSON.parse(redactBody(JSON.stringify({ error: { code: authCode } }), 'application/json')) as {
      error: { code: string };
    };
    assert.notEqual(inError.error.code, authCode, 'a code-shaped secret inside error is still redacted');
  });
});
