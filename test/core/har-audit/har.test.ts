/** The HAR reader: what makes a file not a HAR, tolerance of exporters' variations, and entry line numbers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntraTokenError } from '../../../src/core/errors.js';
import { parseHar, entryLines } from '../../../src/core/har-audit/har.js';
import { har } from './builder.js';

function badInput(fn: () => unknown): EntraTokenError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EntraTokenError);
    assert.equal(e.code, 'EBAD_INPUT');
    return e;
  }
  assert.fail('expected EBAD_INPUT');
}

describe('parseHar', () => {
  it('refuses text that is not JSON, in one line naming the file', () => {
    const e = badInput(() => parseHar('<html>not a har</html>', 'x.har'));
    assert.match(e.message, /^x\.har is not JSON \(/);
    assert.ok(!e.message.includes('\n'));
    assert.match(e.hint ?? '', /HAR 1\.2/);
  });

  it('refuses JSON without log.entries', () => {
    assert.equal(
      badInput(() => parseHar('{"log":{"version":"1.2"}}', 'x.har')).message,
      'x.har is JSON but not a HAR file: it has no log.entries array',
    );
    assert.equal(
      badInput(() => parseHar('[1,2]', 'x.har')).message,
      'x.har is JSON but not a HAR file: it has no log.entries array',
    );
  });

  it('skips entries without a request URL and names them; keeps the others with their 1-based numbers', () => {
    const doc = JSON.parse(har([{ url: 'https://a.example/1' }, { url: 'https://a.example/2' }]));
    doc.log.entries.splice(1, 0, { request: {} }, 42);
    const p = parseHar(JSON.stringify(doc));
    assert.deepEqual(p.skipped, ['entry 2 has no request URL', 'entry 3 has no request URL']);
    assert.deepEqual(
      p.entries.map((e) => [e.n, e.url]),
      [
        [1, 'https://a.example/1'],
        [4, 'https://a.example/2'],
      ],
    );
    assert.equal(p.creator, 'WebInspector 1.0');
  });

  it('decodes base64 text bodies (Playwright, Chrome) and leaves binary ones out', () => {
    const doc = JSON.parse(har([{ url: 'https://a.example/t' }, { url: 'https://a.example/img' }]));
    doc.log.entries[0].response.content = {
      mimeType: 'application/json',
      encoding: 'base64',
      text: Buffer.from('{"a":1}').toString('base64'),
    };
    doc.log.entries[1].response.content = { mimeType: 'image/png', encoding: 'base64', text: 'iVBORw0KGgo=' };
    const p = parseHar(JSON.stringify(doc));
    assert.equal(p.entries[0]!.responseBody, '{"a":1}');
    assert.equal(p.entries[1]!.responseBody, undefined);
  });

  it('takes the Location header over redirectURL, which Playwright records without the fragment (where implicit tokens are)', () => {
    const doc = JSON.parse(
      har([
        { url: 'https://login.example/authorize', resHeaders: { location: 'https://app.example/#access_token=x' } },
      ]),
    );
    doc.log.entries[0].response.redirectURL = 'https://app.example/';
    assert.equal(parseHar(JSON.stringify(doc)).entries[0]!.location, 'https://app.example/#access_token=x');
  });

  it('finds the line each entry starts on, for SARIF regions', () => {
    const text = har([{ url: 'https://a.example/1' }, { url: 'https://a.example/2', form: { a: 'b' } }]);
    const lines = entryLines(text, 2);
    const all = text.split('\n');
    assert.equal(all[lines[0]!.line - 1]!.slice(lines[0]!.column - 1), '{');
    assert.match(all[lines[0]!.line]!, /"startedDateTime": "2026-12-01T10:00:00.000Z"/);
    assert.match(all[lines[1]!.line]!, /"startedDateTime": "2026-12-01T10:00:01.000Z"/);
    // one-line HARs (Playwright writes them) are located by column
    const one = '{"log":{"entries":[{"a":"]"},{"b":[1,{}]}]}}';
    assert.deepEqual(entryLines(one, 2), [
      { line: 1, column: 20 },
      { line: 1, column: 30 },
    ]);
    assert.equal(one[19], '{');
    assert.equal(one.slice(29, 34), '{"b":');
  });
});
