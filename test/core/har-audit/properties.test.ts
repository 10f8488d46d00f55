/**
 * Property tests: the HAR reader and the whole audit never throw anything but a one-line EBAD_INPUT on
 * junk, and a secret planted anywhere in a capture never appears in any rendering of the report.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntraTokenError } from '../../../src/core/errors.js';
import { auditHar } from '../../../src/core/har-audit/index.js';
import {
  renderAuditDiagram,
  renderAuditJson,
  renderAuditSarif,
  renderAuditText,
} from '../../../src/cli/audit-render.js';
import { APP, AS, authorizeUrl, CHALLENGE, CLIENT, har, TENANT, TOKEN, type EntrySpec } from './builder.js';

const RUNS = process.env.CI === 'true' ? 2000 : 300;

function onlyBadInput(text: string): void {
  try {
    const r = auditHar(text, { name: 'junk.har' });
    renderAuditText(r);
    renderAuditSarif(r, '0', 'junk.har');
    renderAuditDiagram(r);
  } catch (e) {
    if (!(e instanceof EntraTokenError) || e.code !== 'EBAD_INPUT' || e.message.includes('\n')) throw e;
  }
}

const entryish = fc.record(
  {
    startedDateTime: fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    request: fc.record(
      {
        method: fc.oneof(fc.constantFrom('GET', 'POST'), fc.string()),
        url: fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.string(),
          fc.constant(`${AS}/${TENANT}/oauth2/v2.0/authorize?client_id=${CLIENT}&response_type=token`),
        ),
        headers: fc.array(
          fc.record({ name: fc.constantFrom('authorization', 'referer', 'origin', 'cookie', 'x'), value: fc.string() }),
        ),
        postData: fc.record({
          mimeType: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain'),
          text: fc.string(),
        }),
      },
      { requiredKeys: ['url'] },
    ),
    response: fc.record(
      {
        status: fc.oneof(fc.integer({ min: 0, max: 599 }), fc.double()),
        headers: fc.array(
          fc.record({ name: fc.constantFrom('location', 'content-type', 'set-cookie'), value: fc.string() }),
        ),
        content: fc.record({
          mimeType: fc.constantFrom('text/html', 'application/json'),
          text: fc.string(),
          encoding: fc.constantFrom('base64', undefined),
        }),
        redirectURL: fc.string(),
      },
      { requiredKeys: [] },
    ),
    _tokens: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('audit properties', () => {
  it('any text gives a report or a one-line EBAD_INPUT, never another error', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), onlyBadInput), { numRuns: RUNS });
  });

  it('any JSON value gives a report or a one-line EBAD_INPUT', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => onlyBadInput(JSON.stringify(v))),
      { numRuns: RUNS },
    );
  });

  it('HAR-shaped documents with arbitrary entries always give a report', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(entryish, fc.anything()), { maxLength: 8 }), (entries) => {
        const r = auditHar(JSON.stringify({ log: { version: '1.2', entries } }), { name: 'x.har' });
        assert.ok(Array.isArray(r.findings));
        renderAuditText(r, { verbose: true });
        renderAuditJson(r, '0');
        renderAuditSarif(r, '0', 'x.har');
        renderAuditDiagram(r);
      }),
      { numRuns: RUNS },
    );
  });

  const secret = fc
    .string({
      unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_.~!*() &=+/%'),
      minLength: 14,
      maxLength: 60,
    })
    .filter((s) => /[A-Za-z]/.test(s) && /\d/.test(s) && s.trim() === s);

  /** The same secret in every place a capture can carry one. */
  function planted(s: string, where: number): EntrySpec[] {
    const enc = encodeURIComponent(s);
    const auth = authorizeUrl({
      response_type: 'code',
      scope: 'openid',
      state: 'Xy4Jm0pQe2sQ1tW7aB9cD3eF5gH7iJ1kL3mN5oP7qR9',
      nonce: 'n1234567',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const all: EntrySpec[] = [
      { url: auth, status: 200, resBody: '<html></html>' },
      {
        url: `${AS}/${TENANT}/login`,
        form: { login: 'alice@contoso.com', passwd: s },
        resHeaders: { location: `${APP}/callback?code=${enc}&state=x`, 'set-cookie': `ESTSAUTH=${enc}; path=/` },
      },
      {
        url: `${APP}/callback?code=${enc}&state=x`,
        headers: { cookie: `session=${enc}` },
        resHeaders: { location: `${APP}/` },
      },
      {
        url: TOKEN,
        headers: { origin: APP },
        form: { client_id: CLIENT, client_secret: s, grant_type: 'authorization_code', code: s },
        resBody: JSON.stringify({ access_token: s, refresh_token: s, token_type: 'Bearer' }),
      },
      { url: `${APP}/#access_token=${enc}`, headers: { referer: `${APP}/callback?code=${enc}` } },
      { url: 'https://graph.microsoft.com/v1.0/me', headers: { authorization: `Bearer ${s}` } },
      { url: `https://cdn.example.net/x?access_token=${enc}`, headers: { referer: `${APP}/callback?code=${enc}` } },
      {
        url: TOKEN,
        headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:${s}`).toString('base64')}` },
        form: { grant_type: 'refresh_token', refresh_token: s },
      },
      // in a path, where only the learned-secret scrub can find it
      { url: `https://cdn.example.net/p/${enc}/x.js` },
    ];
    // the secret in one place only, or everywhere
    return where < all.length ? [all[0]!, all[where]!] : all;
  }

  it('a planted secret never appears in the text, JSON, SARIF or diagram output', () => {
    fc.assert(
      fc.property(secret, fc.integer({ min: 1, max: 9 }), fc.boolean(), (s, where, pii) => {
        const r = auditHar(har(planted(s, where)), { name: 'p.har', pii });
        const outputs = [
          renderAuditText(r, { verbose: true }),
          renderAuditJson(r, '0'),
          renderAuditSarif(r, '0', 'p.har'),
          renderAuditDiagram(r, 200),
        ];
        for (const o of outputs) {
          for (const form of [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])
            assert.ok(!o.includes(form), `secret ${JSON.stringify(s)} (as ${JSON.stringify(form)}) printed`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
