/**
 * `entra-token audit` in-process: text, JSON and SARIF (validated against the official SARIF 2.1.0
 * schema), --diagram, --fail-on and its exit code, and one-line errors for files that are not HARs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runInProcess } from '../helpers/cli.js';
import { accessToken, APP, authorizeUrl, GOOD_STATE, har, idToken } from '../core/har-audit/builder.js';

/** The official schema, as shipped by Microsoft's @microsoft/jest-sarif (draft-04, hence ajv-draft-04). */
export function sarifValidator(): (doc: unknown) => string[] {
  const require = createRequire(import.meta.url);
  // a CommonJS class: required, so the ESM/CJS default-export interop of TypeScript does not get in the way
  type Validate = ((doc: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
  const Ajv = (
    require('ajv-draft-04') as { default: new (o: Record<string, unknown>) => { compile(s: unknown): Validate } }
  ).default;
  const path = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  // the published schema has a language-tag pattern that is not a valid /u regular expression
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    unicodeRegExp: false,
    formats: {
      uri: (s: string) => URL.canParse(s),
      'uri-reference': (s: string) => URL.canParse(s, 'file:///'),
      'date-time': (s: string) => !Number.isNaN(Date.parse(s)),
    },
  });
  const validate = ajv.compile(schema);
  return (doc) =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map(
          (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`,
        );
}

const implicit = () =>
  har([
    {
      url: authorizeUrl({
        response_type: 'id_token token',
        scope: 'openid https://graph.microsoft.com/User.Read',
        nonce: 'n-0S6_WzA2Mj',
      }),
      resHeaders: {
        location: `${APP}/callback#access_token=${accessToken({ aud: 'https://graph.microsoft.com', scp: 'User.Read' })}&id_token=${idToken()}&token_type=Bearer`,
      },
    },
    {
      url: 'https://graph.microsoft.com/v1.0/me',
      headers: {
        authorization: `Bearer ${accessToken({ aud: 'https://graph.microsoft.com', scp: 'User.Read' })}`,
        origin: APP,
      },
    },
  ]);

describe('entra-token audit', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'entra-token-audit-'));
    file = join(dir, 'spa.har');
    writeFileSync(file, implicit());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the flows and the findings as text, exit 0 without --fail-on', async () => {
    const r = await runInProcess(['audit', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^Audit of .*spa\.har \(WebInspector 1\.0\): 2 entries, 1 flow, 3 findings \(0 critical, 2 high, 1 medium, 0 low, 0 info\)$/,
    );
    assert.ok(lines.includes('== Flow: client 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90'));
    assert.ok(
      lines.some((l) =>
        l.startsWith('HIGH     implicit-grant: Implicit grant: tokens issued in the authorization response'),
      ),
    );
    assert.ok(lines.some((l) => l.startsWith('MEDIUM   state-missing: No state parameter')));
    assert.ok(
      lines.some((l) =>
        /^ {3}see: {2}RFC 9700 §2\.1\.2 Implicit Grant <https:\/\/www\.rfc-editor\.org\/rfc\/rfc9700#section-2\.1\.2>$/.test(
          l,
        ),
      ),
    );
    assert.ok(!r.stdout.includes('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJ'), 'no raw token');
  });

  it('--fail-on high exits 11 (EFINDINGS) after printing the report; --fail-on critical exits 0', async () => {
    const r = await runInProcess(['audit', file, '--fail-on', 'high', '--output', 'json']);
    assert.equal(r.code, 11);
    assert.equal(r.stderr, 'entra-token: error EFINDINGS: 2 findings at or above high (worst: high implicit-grant)\n');
    const json = JSON.parse(r.stdout);
    assert.equal(json.tool, 'entra-token audit');
    assert.deepEqual(json.summary.by_severity, { critical: 0, high: 2, medium: 1, low: 0, info: 0 });
    assert.deepEqual(
      json.findings.map((f: { rule: string }) => f.rule),
      ['implicit-grant', 'token-in-url', 'state-missing'],
    );
    assert.equal((await runInProcess(['audit', file, '--fail-on', 'critical'])).code, 0);
  });

  it('--output sarif validates against the SARIF 2.1.0 schema and locates each result at its entry', async () => {
    const r = await runInProcess(['audit', relative(process.cwd(), file), '--output', 'sarif']);
    assert.equal(r.code, 0, r.stderr);
    const sarif = JSON.parse(r.stdout);
    assert.deepEqual(sarifValidator()(sarif), []);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'entra-token');
    assert.deepEqual(
      run.tool.driver.rules.map((x: { id: string }) => x.id),
      ['implicit-grant', 'token-in-url', 'state-missing'],
    );
    const first = run.results[0];
    assert.equal(first.level, 'error');
    assert.equal(first.locations[0].logicalLocations[0].fullyQualifiedName, 'log.entries[0]');
    const startLine = first.locations[0].physicalLocation.region.startLine;
    assert.match(readFileSync(file, 'utf8').split('\n')[startLine]!, /"startedDateTime"/);
    assert.equal(run.tool.driver.rules[0].properties['security-severity'], '8.0');
  });

  it('the SARIF validator rejects a document that breaks the schema (the check can fail)', () => {
    const errors = sarifValidator()({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 1 } }, results: [{ message: {} }] }],
    });
    assert.ok(
      errors.some((e) => e.startsWith('/runs/0/tool/driver/name')),
      errors.join('; '),
    );
  });

  it('--diagram draws the flow as a ladder', async () => {
    const r = await runInProcess(['audit', file, '--diagram']);
    assert.equal(r.code, 0, r.stderr);
    const [head] = r.stdout.split('\n');
    assert.match(head!, /^\s+Browser\s+Entra ID\s+Graph$/);
    assert.match(r.stdout, /#1 authorize: GET \/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13\/oauth2\/v2\.0\/authorize/);
    assert.match(r.stdout, /302 authorization response by redirect \(fragment\)/);
  });

  it('reads standard input with -', async () => {
    const r = await runInProcess(['audit', '-', '--output', 'json'], { stdin: implicit() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).input.name, 'standard input');
  });

  for (const [what, content, args, message] of [
    ['not JSON', '<html>', [], /^entra-token: error EBAD_INPUT: .*bad\.har is not JSON \(/],
    [
      'JSON but not a HAR',
      '{"a":1}',
      [],
      /^entra-token: error EBAD_INPUT: .*bad\.har is JSON but not a HAR file: it has no log\.entries array$/m,
    ],
    [
      'too big',
      implicit(),
      ['--max-size', '0.001'],
      /^entra-token: error EBAD_INPUT: .*bad\.har is 0\.0 MB; audit reads at most 0\.001 MB$/m,
    ],
  ] as const) {
    it(`a file that is ${what} is a one-line EBAD_INPUT, exit 2`, async () => {
      const bad = join(dir, 'bad.har');
      writeFileSync(bad, content);
      const r = await runInProcess(['audit', bad, ...args]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0]!, message);
      assert.ok(r.stderr.split('\n').length <= 3, r.stderr);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    });
  }

  it('a missing file is EBAD_INPUT naming it; a bad --max-size is EUSAGE', async () => {
    const r = await runInProcess(['audit', join(dir, 'nope.har')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^entra-token: error EBAD_INPUT: cannot read .*nope\.har: ENOENT\n$/);
    const u = await runInProcess(['audit', file, '--max-size', 'lots']);
    assert.equal(u.code, 2);
    assert.equal(u.stderr, 'entra-token: error EUSAGE: --max-size lots is not a positive number\n');
  });

  it('GOOD_STATE is what the fixtures call a strong state (sanity)', () => {
    assert.ok(GOOD_STATE.length >= 43);
  });
});
