// core/redact's shortcuts (`--trace` costs): each must give exactly what the plain algorithm gives. The plain
// algorithms are written out here as references, and random inputs are run through both.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compileSecret,
  isDistinctiveSecret,
  isSecretName,
  KnownSecrets,
  lastParsedJson,
  parseJsonShared,
  redactBody,
  redactedJsonValue,
  redactSecret,
  redactShapes,
  redactText,
  scrubKnown,
  secretForms,
  setMarkKey,
} from '../../src/core/redact.js';
import { parseJsonBounded } from '../../src/core/json-limits.js';
import { redactTrace, type AuditEvent } from '../../src/core/audit.js';
import { decodeJwtShared, decodeJwtUnverified } from '../../src/core/jwt.js';
import { processTokenResponse } from '../../src/core/token.js';

setMarkKey(Buffer.alloc(32, 3));

const tokenChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
const word = (chars: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));
/** Plain secrets (tokens, codes) and secrets with characters every encoding changes (passwords). */
const secretArb = fc.oneof(word(tokenChars, 8, 80), word(`${tokenChars}!*()+/=?&% é"\\`, 10, 40));

/** The scrub as it was written before the forms were made lazily: every form of every secret, longest first. */
function referenceScrub(text: string, secrets: string[]): string {
  let t = text;
  for (const s of secrets) {
    const mark = redactSecret(s);
    for (const form of secretForms(s)) if (t.includes(form)) t = t.split(form).join(mark);
  }
  return t;
}

/** A text holding some of the secrets in some of their forms, between random filler. */
const leakyText = (secrets: string[]) =>
  fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(...secrets.flatMap((s) => secretForms(s))),
        fc.constantFrom(...secrets.map((s) => s.slice(0, 6))),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

describe('scrubbing known secrets: the encoded forms are made only when a text may hold one', () => {
  it('gives exactly the replacements of scrubbing every form of every secret', () => {
    fc.assert(
      fc.property(
        fc
          .array(secretArb, { minLength: 1, maxLength: 4 })
          .chain((secrets) => fc.tuple(fc.constant(secrets), leakyText(secrets))),
        ([secrets, text]) => {
          const compiled = secrets.map((s) => compileSecret(s));
          assert.equal(scrubKnown(text, compiled), referenceScrub(text, secrets));
          // compiled once, used on many texts (a run's Redactor): the same again
          assert.equal(scrubKnown(`${text}|${text}`, compiled), referenceScrub(`${text}|${text}`, secrets));
          // given as strings (a lone error message)
          assert.equal(
            scrubKnown(text, secrets),
            referenceScrub(
              text,
              secrets.filter((s) => isDistinctiveSecret(s)),
            ),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('finds a token written in base64 and base64url inside other text', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_x';
    const c = compileSecret(token);
    for (const form of secretForms(token)) {
      const text = `header: Basic ${form}; next`;
      const out = scrubKnown(text, [c]);
      assert.ok(!out.includes(form), form);
      assert.equal(out, `header: Basic ${redactSecret(token)}; next`);
    }
    assert.equal(c.mark, redactSecret(token));
    assert.deepEqual(c.forms, secretForms(token));
  });
});

/** The secret shapes, each tried on every text (before the literal guards). */
const SHAPES = [
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g,
  /\b(?:dapi|dose|dkea)[0-9a-f]{32}(?:-\d+)?\b/g,
  /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
  /(?<![A-Za-z0-9_.-])[01]\.A[A-Za-z0-9_-]{60,}(?:\.[A-Za-z0-9_-]+)*(?![A-Za-z0-9_-])/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z ]+ )?PRIVATE KEY-----/g,
];
const referenceShapes = (text: string) => SHAPES.reduce((t, re) => t.replace(re, (m) => redactSecret(m)), text);

const shapeParts = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'dapi0123456789abcdef0123456789abcdef',
    'dose0123456789abcdef0123456789abcdef-2',
    'abc8Q~abcdefghijklmnopqrstuvwxyz0123456',
    `0.A${'x'.repeat(70)}.y`,
    'AKIAABCDEFGHIJKLMNOP',
    '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
    'password=hunter2hunter2',
    '"client_secret": "abc~defghijk"',
    '<input name="code" value="0123456789abcdef">',
    ' ',
    '&',
    '=',
    '"',
  ),
);

describe('secret shapes and name=value patterns: a pattern is skipped only where its literal is absent', () => {
  it('redactShapes gives what running every shape over the text gives', () => {
    fc.assert(
      fc.property(fc.array(shapeParts, { maxLength: 10 }), (parts) => {
        const text = parts.join('');
        assert.equal(redactShapes(text), referenceShapes(text));
      }),
      { numRuns: 500 },
    );
  });

  it('redactText gives what running every pattern over the text gives', () => {
    const reference = (text: string) => {
      const MARK = /…\[\d+ chars(?: (?:hmac|sha256):[0-9a-f]{8})?\]$/;
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      let t = referenceShapes(text);
      t = t.replace(
        /\b([A-Za-z_]+)=([^&\s"'<>…]*…\[\d+ chars(?: (?:hmac|sha256):[0-9a-f]{8})?\]|[^&\s"'<>]{8,})/g,
        (all, k: string, v: string) => (isSecretName(k) && !MARK.test(v) ? `${k}=${redactSecret(dec(v))}` : all),
      );
      t = t.replace(
        /("([A-Za-z0-9_.-]+)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g,
        (all, pre: string, k: string, v: string, q: string) =>
          v !== '' && isSecretName(k) && !MARK.test(v) ? `${pre}${redactSecret(v)}${q}` : all,
      );
      t = t.replace(
        /(name=["']([A-Za-z_]+)["'][^>]*?value=["'])([^"']+)(["'])/g,
        (all, pre: string, k: string, v: string, q: string) =>
          isSecretName(k) && !MARK.test(v) ? `${pre}${redactSecret(v)}${q}` : all,
      );
      return t;
    };
    fc.assert(
      fc.property(fc.array(shapeParts, { maxLength: 10 }), (parts) => {
        const text = parts.join('');
        assert.equal(redactText(text), reference(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('remembered answers', () => {
  it('isSecretName answers a name the same the first time, the second time, and after many other names', () => {
    const names = ['client_secret', 'Client_Secret', 'x-api-key', 'storagePassword', 'token_type', 'key', 'scope'];
    const first = names.map((n) => isSecretName(n));
    assert.deepEqual(first, [true, true, true, true, false, false, false]);
    for (let i = 0; i < 5000; i++) isSecretName(`field_${i}`);
    assert.deepEqual(
      names.map((n) => isSecretName(n)),
      first,
    );
  });

  it('parseJsonShared is parseJsonBounded, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.json(), fc.string({ maxLength: 8 })), { maxLength: 6 }), (texts) => {
        for (const t of [...texts, ...texts]) assert.deepEqual(parseJsonShared(t), parseJsonBounded(t));
      }),
    );
  });

  it('the value of the JSON body redacted last prints as parsing its text would print it', () => {
    fc.assert(
      fc.property(fc.json(), fc.json(), (a, b) => {
        const ra = redactBody(a, 'application/json');
        const rb = redactBody(b, 'application/json');
        const known = redactedJsonValue(rb);
        if (known) assert.equal(JSON.stringify(known.value, null, 2), JSON.stringify(JSON.parse(rb), null, 2));
        // only the last one is known (or an equal text)
        if (ra !== rb) assert.equal(redactedJsonValue(ra), undefined);
      }),
      { numRuns: 300 },
    );
    // a number too large for a double, a negative zero and a lone surrogate: printed as parsing would print them
    const body = '{"access_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.","n":-0,"big":1e400,"s":"\\ud800"}';
    const r = redactBody(body, 'application/json');
    assert.equal(JSON.stringify(redactedJsonValue(r)!.value, null, 2), JSON.stringify(JSON.parse(r), null, 2));
    const proto = '{"__proto__":{"access_token":"abcdefghijkl0123"},"a":1}';
    const rp = redactBody(proto, 'application/json');
    assert.equal(JSON.stringify(redactedJsonValue(rp)!.value, null, 2), JSON.stringify(JSON.parse(rp), null, 2));
  });
});

describe('what a traced exchange has just read is not read again', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = (claims: object) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

  it('decodeJwtShared gives what decodeJwtUnverified gives, the same value for the same token, and throws as it does', () => {
    const a = jwt({ sub: 'a', n: 1 });
    const b = jwt({ sub: 'b', n: 2 });
    assert.deepEqual(decodeJwtShared(a), decodeJwtUnverified(a));
    assert.equal(decodeJwtShared(a), decodeJwtShared(a));
    assert.deepEqual(decodeJwtShared(b).claims, { sub: 'b', n: 2 });
    assert.deepEqual(decodeJwtShared(a).claims, { sub: 'a', n: 1 });
    for (const bad of ['a.b', `${a}x=`, 'eyJ.eyJ.x']) {
      assert.throws(
        () => decodeJwtShared(bad),
        (e: Error) => {
          assert.throws(() => decodeJwtUnverified(bad), { message: e.message });
          return true;
        },
      );
    }
  });

  it('a token answer parsed by the trace gives the flow exactly what parsing it again gives', () => {
    const body = JSON.stringify({
      token_type: 'Bearer',
      access_token: jwt({ aud: 'x' }),
      expires_in: '3599',
      scope: 'openid',
      refresh_token: '0.AXEA-refresh',
    });
    const res = { status: 200, headers: { 'content-type': 'application/json' }, body };
    const fresh = processTokenResponse(res, { now: 1_700_000_000_000 });
    redactBody(body, 'application/json'); // what the live trace does first
    assert.equal(lastParsedJson(body) !== undefined, true);
    assert.deepEqual(processTokenResponse(res, { now: 1_700_000_000_000 }), fresh);
    // an answer the trace refused to walk (nested too deeply) is still parsed by the flow
    const deep = `{"token_type":"Bearer","access_token":"x","expires_in":1,"a":${'['.repeat(80)}${']'.repeat(80)}}`;
    redactBody(deep, 'application/json');
    assert.equal(lastParsedJson(deep), undefined);
    assert.equal(processTokenResponse({ ...res, body: deep }, { now: 0 }).access_token, 'x');
  });
});

describe('many known secrets: a text is read once to find which it may hold', () => {
  it('gives exactly the replacements of scrubbing every form of every secret, in the order learnt', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(secretArb, { minLength: 25, maxLength: 60 })
          .chain((secrets) => fc.tuple(fc.constant(secrets), leakyText(secrets))),
        ([secrets, text]) => {
          const known = new KnownSecrets();
          for (const s of secrets) known.add(s);
          assert.equal(known.size, secrets.length);
          assert.equal(known.scrub(text), referenceScrub(text, secrets));
          assert.equal(
            scrubKnown(text, secrets),
            referenceScrub(
              text,
              secrets.filter((s) => isDistinctiveSecret(s)),
            ),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a body with thousands of secrets is redacted in time proportional to its size, not its square', () => {
    const event = (n: number): AuditEvent => ({
      type: 'exchange',
      at: 0,
      channel: 'back',
      request: { method: 'GET', url: 'https://adb-1.azuredatabricks.net/api/2.0/secrets/list', headers: {} },
      response: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          secrets: Array.from({ length: n }, (_, i) => ({
            key: `k${i}`,
            string_value: `s3cr3t-${i}-${'x'.repeat(24)}`,
          })),
        }),
      },
      durationMs: 1,
      attempt: 1,
    });
    // the fastest of three runs each, so a busy machine does not decide
    const time = (e: AuditEvent) =>
      Math.min(
        ...[0, 1, 2].map(() => {
          const t0 = performance.now();
          const [out] = redactTrace([e]);
          assert.ok(!JSON.stringify(out).includes('s3cr3t-'));
          return performance.now() - t0;
        }),
      );
    const small = time(event(1500));
    const large = time(event(6000));
    // four times the secrets in a four times larger body: about 4× the time; scrubbing each secret over the
    // whole body was 16×
    assert.ok(large < small * 10, `1,500 secrets: ${small.toFixed(1)} ms; 6,000: ${large.toFixed(1)} ms`);
  });
});
