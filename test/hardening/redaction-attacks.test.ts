/**
 * Issue 15, items 2, 3 and 9 (scrubbing): the attacker holds a shared trace (--trace, --trace-file, --har,
 * --curl). Secrets in any API body must not be in it, whatever the field is called; the marks that stand in
 * for secrets must not let anyone test a guess offline; a secret that is a common word must not be revealed
 * by where it was scrubbed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { runInProcess } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { Trace } from '../../src/io/trace.js';
import { Redactor, redactTrace, type AuditEvent } from '../../src/core/audit.js';
import { renderText, toHar } from '../../src/cli/trace-render.js';
import { curlScript } from '../../src/cli/trace-sinks.js';

const RUNS = Number(process.env.ENTRA_TOKEN_PROPERTY_RUNS ?? (process.env.CI ? 2_000 : 300));

let root: string;
let emu: Emulator;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'entra-redact-attack-'));
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});
const dir = () => mkdtempSync(join(root, 'd-'));

/** Fields where Databricks, Unity Catalog, Graph and cloud APIs carry secrets (the attacker's list). */
const SECRET_FIELDS = [
  'string_value',
  'bytes_value',
  'personal_access_token',
  'secret_access_key',
  'access_key_id',
  'session_token',
  'sas_token',
  'aad_token',
  'token_value',
  'client_secret',
  'password',
  'secretText',
  'apiKey',
  'x_api_key',
  'storagePassword',
  'githubToken',
  'connection_string',
  'private_key',
];

/** A hostile (or just ordinary) workspace on 127.0.0.1 answering secrets in its JSON. */
async function workspace(answer: () => unknown): Promise<{ url: string; server: Server; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      bodies.push(b);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, bodies };
}

test('item 2: Databricks and Unity Catalog secrets in request and response bodies are absent from --trace, --trace-file, --har and --curl', async () => {
  const secrets = Object.fromEntries(
    SECRET_FIELDS.map((f, i) => [f, `S3cr3t-${f}-${i}-${createHash('sha256').update(f).digest('hex').slice(0, 20)}`]),
  );
  const pat = `dapi${'0123456789abcdef'.repeat(2)}-2`;
  const ws = await workspace(() => ({
    ...secrets,
    nested: { credentials: [{ aws_temp_credentials: { secret_access_key: secrets.secret_access_key } }] },
    token_value: pat,
    note: `free text carrying ${pat}`,
  }));
  try {
    const d = dir();
    const dataFile = join(d, 'body.json');
    writeFileSync(dataFile, JSON.stringify({ scope: 'prod', key: 'db-password', ...secrets }));
    const r = await runInProcess(
      [
        'databricks',
        'api',
        'POST',
        '/api/2.0/secrets/put',
        '--data',
        `@${dataFile}`,
        '--host',
        ws.url,
        '--skip-token-checks',
        '--trace',
        '--trace-file',
        join(d, 't.jsonl'),
        '--har',
        join(d, 't.har'),
        '--curl-file',
        join(d, 'replay.sh'),
      ],
      {
        env: {
          ENTRA_TOKEN_ACCESS_TOKEN: 'not-a-jwt-but-a-bearer-0123456789',
          ENTRA_TOKEN_CACHE_DIR: join(d, 'cache'),
          ENTRA_TOKEN_STATE_DIR: join(d, 'state'),
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ws.bodies[0]!.includes(secrets.string_value!), 'the request really carried the secrets');
    const outputs = {
      stderr: r.stderr,
      traceFile: readFileSync(join(d, 't.jsonl'), 'utf8'),
      har: readFileSync(join(d, 't.har'), 'utf8'),
      curl: readFileSync(join(d, 'replay.sh'), 'utf8'),
    };
    for (const [where, text] of Object.entries(outputs)) {
      for (const [field, value] of Object.entries({ ...secrets, pat })) {
        assert.ok(!text.includes(value), `${field} appears in clear in ${where}`);
      }
    }
    // what is not a secret stays readable
    assert.match(outputs.stderr, /"key": "db-password"/);
    assert.match(outputs.stderr, /"scope": "prod"/);
  } finally {
    ws.server.closeAllConnections();
    ws.server.close();
  }
});

test('item 2: property: a random secret in any secret-named field or of a secret shape, in any JSON or form body, request or response, never reaches a sink', () => {
  const secretChars = fc.constantFrom(...'ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz0123456789-_~.'.split(''));
  const secret = fc.string({ unit: secretChars, minLength: 12, maxLength: 64 }).filter((s) => /\d/.test(s));
  const shaped = fc.oneof(
    fc
      .string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 32, maxLength: 32 })
      .map((h) => `dapi${h}`),
    fc.string({ unit: secretChars, minLength: 34, maxLength: 34 }).map((s) => `Ab18Q~${s}`),
    fc
      .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split('')), minLength: 16, maxLength: 16 })
      .map((s) => `AKIA${s}`),
  );
  const field = fc.oneof(
    fc.constantFrom(...SECRET_FIELDS),
    fc
      .tuple(
        fc.constantFrom('db', 'my', 'storage', 'x', 'github'),
        fc.constantFrom('Secret', '_password', 'Token', '_api_key'),
      )
      .map(([a, b]) => a + b),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ kind: fc.constant('named' as const), field, value: secret }),
        fc.record({
          kind: fc.constant('shaped' as const),
          field: fc.constantFrom('value', 'note', 'description'),
          value: shaped,
        }),
      ),
      fc.constantFrom('request-json', 'response-json', 'request-form', 'response-form', 'nested-json'),
      ({ field: name, value }, where) => {
        const json = JSON.stringify(
          where === 'nested-json' ? { items: [{ config: { [name]: value } }] } : { keep: 'visible', [name]: value },
        );
        const form = new URLSearchParams({ keep: 'visible', [name]: value }).toString();
        const isForm = where.endsWith('form');
        const body = isForm ? form : json;
        const ct = isForm ? 'application/x-www-form-urlencoded' : 'application/json';
        const trace = new Trace(() => 1_000);
        trace.exchange({
          request: {
            method: 'POST',
            url: 'https://adb-1.2.azuredatabricks.net/api/2.0/x',
            headers: { 'content-type': ct },
            idempotent: false,
            ...(where.startsWith('request') || where === 'nested-json' ? { body } : { body: '{}' }),
          },
          response: { status: 200, headers: { 'content-type': ct }, body: where.startsWith('response') ? body : '{}' },
          durationMs: 1,
          attempt: 1,
        });
        const events = redactTrace(trace.events as AuditEvent[]);
        const live = new Redactor({});
        const sinks = [
          JSON.stringify(events),
          JSON.stringify(toHar(events, '0')),
          live.redactRendered(trace.events[0] as AuditEvent, (e) => renderText(e)),
          curlScript(trace, {}),
        ];
        for (const s of sinks) {
          if (s.includes(value)) throw new Error(`${name}=${value} (${where}) leaked: ${s.slice(0, 400)}`);
          for (const enc of [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])
            if (s.includes(enc)) throw new Error(`${name} leaked encoded`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

/** The marks of a password run, and the password (emulator user). */
async function passwordTrace(password: string): Promise<string> {
  const d = dir();
  const r = await runInProcess(
    [
      'password',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.public_client_id,
      '--username',
      emu.info.username,
      '--password-stdin',
      '--trace-file',
      join(d, 't.jsonl'),
    ],
    {
      stdin: `${password}\n`,
      env: { ENTRA_TOKEN_CACHE_DIR: join(d, 'cache'), ENTRA_TOKEN_STATE_DIR: join(d, 'state') },
    },
  );
  assert.ok(r.code === 0 || r.code === 4, r.stderr);
  return readFileSync(join(d, 't.jsonl'), 'utf8');
}

test('item 3: a redaction mark is not an offline oracle: no guess, hashed any unsalted way, reproduces the mark of a password', async () => {
  const password = emu.info.password;
  const trace = await passwordTrace(password);
  const m = /"password","…\[(\d+) chars (\w+):([0-9a-f]{8})\]"/.exec(trace);
  assert.ok(m, `no password mark in ${trace.slice(0, 600)}`);
  assert.equal(Number(m[1]), password.length);
  const mark = m[3]!;
  // the attacker's word list contains the right password
  const guesses = ['hunter2', 'Summer2024!', 'password', password, `${password}\n`];
  for (const g of guesses) {
    for (const algo of ['sha256', 'sha1', 'md5', 'sha512']) {
      const h = createHash(algo).update(g).digest('hex');
      assert.notEqual(h.slice(0, 8), mark, `the mark is the ${algo} of "${g}": a word list recovers the password`);
    }
  }
});

test('item 3: two runs mark the same password differently; within one run equal values get equal marks', async () => {
  const a = await passwordTrace(emu.info.password);
  const b = await passwordTrace(emu.info.password);
  const markOf = (t: string) => /"password","(…\[\d+ chars [^\]]+\])"/.exec(t)?.[1];
  assert.ok(markOf(a) && markOf(b));
  assert.notEqual(markOf(a), markOf(b), 'the same password gave the same mark in two runs');
  // within one run: the access token's mark in the response body and in the decoded-token note agree
  const r = redactTrace([
    {
      type: 'exchange',
      at: 1,
      channel: 'back',
      request: { method: 'POST', url: 'https://h/t', headers: {}, form: [['password', 'Summer2024!']] },
      response: { status: 200, headers: {}, body: '{"error":"x","password":"Summer2024!"}' },
      durationMs: 1,
      attempt: 1,
    },
  ]);
  const text = JSON.stringify(r);
  const marks = [...text.matchAll(/…\[11 chars hmac:[0-9a-f]{8}\]/g)].map((x) => x[0]);
  assert.equal(marks.length, 2, text);
  assert.equal(marks[0], marks[1]);
});

test('item 9: a client secret that is a common word is not scrubbed out of unrelated text (which would reveal it)', () => {
  const events = redactTrace([
    {
      type: 'exchange',
      at: 1,
      channel: 'back',
      request: {
        method: 'POST',
        url: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        form: [
          ['client_id', 'c'],
          ['client_secret', 'application'],
        ],
      },
      response: {
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided for application c."}',
      },
      durationMs: 1,
      attempt: 1,
    },
  ]);
  const text = JSON.stringify(events);
  assert.ok(text.includes('"content-type":"application/x-www-form-urlencoded"'), text);
  assert.ok(text.includes('for application c.'), text);
  assert.ok(!/"client_secret","application"/.test(text), 'the secret field itself is still redacted');
});
