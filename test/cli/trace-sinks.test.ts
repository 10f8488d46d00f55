/**
 * Wire audit: no sink leaks a secret (property, every flow), redaction is idempotent, the HAR is HAR 1.2,
 * golden redacted traces per flow, `trace show`, and the --curl script replayed with bash against the emulator.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { startEmulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { redactTrace, type AuditEvent } from '../../src/core/audit.js';
import { secretForms } from '../../src/core/redact.js';
import type { WireRequest, WireResponse } from '../../src/core/wire.js';
import type { CliContext } from '../../src/cli/context.js';
import { installTraceSinks } from '../../src/cli/trace-sinks.js';
import { renderDiagram, renderText, toHar } from '../../src/cli/trace-render.js';
import type { HttpClient } from '../../src/io/http.js';
import { createHttpClient } from '../../src/io/http.js';
import { MemoryPendingStore } from '../../src/io/pending.js';
import { Trace } from '../../src/io/trace.js';
import { exchangeCode, startAuthorization } from '../../src/flows/auth-code.js';
import { passwordTokens } from '../../src/flows/password.js';
import { clientCredentialsTokens } from '../../src/flows/client-credentials.js';
import { refreshTokens } from '../../src/flows/refresh.js';

const run = promisify(execFile);
const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A client that answers every request with `answer` and records the exchange, as io/http does. */
function fakeHttp(answer: (req: WireRequest) => WireResponse): HttpClient {
  return {
    async send(req, opts) {
      const response = answer(req);
      opts?.trace?.exchange({ request: req, response, durationMs: 1, attempt: 1 });
      return response;
    },
    async close() {},
  };
}

function memoryCtx(cwd: string): { ctx: CliContext; stderr: () => string } {
  let se = '';
  const stderr = new PassThrough();
  stderr.on('data', (d) => (se += d));
  const ctx: CliContext = {
    stdout: Object.assign(new PassThrough(), { isTTY: false }),
    stderr: Object.assign(stderr, { isTTY: false }),
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    env: {},
    now: () => 1_800_000_000_000,
    cwd,
    signal: new AbortController().signal,
  };
  return { ctx, stderr: () => se };
}

const secretChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const secretArb = (min: number, max: number, chars = `${secretChars}!*()+/=?&%`) =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

interface Secrets {
  code: string;
  verifier: string;
  secret: string;
  password: string;
  refresh: string;
  accessClaim: string;
  signature: string;
}

const secretsArb: fc.Arbitrary<Secrets> = fc.record({
  code: secretArb(20, 80, secretChars),
  verifier: secretArb(43, 80, secretChars),
  secret: secretArb(16, 48),
  password: secretArb(10, 30),
  refresh: secretArb(24, 90),
  accessClaim: secretArb(8, 20, secretChars),
  signature: fc.uint8Array({ minLength: 30, maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url')),
});

function tokenBody(s: Secrets, now: number): { body: string; access: string } {
  const access = `${b64u({ typ: 'JWT', alg: 'RS256', kid: 'k1' })}.${b64u({ aud: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d', tid: TENANT, scp: 'user_impersonation', exp: Math.floor(now / 1000) + 3600, iat: Math.floor(now / 1000), x: s.accessClaim })}.${s.signature}`;
  return {
    access,
    body: JSON.stringify({
      token_type: 'Bearer',
      scope: DATABRICKS,
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: access,
      refresh_token: s.refresh,
    }),
  };
}

/** Run one flow with tracing into every sink; return everything the sinks produced and the secrets in play. */
async function traced(
  flow: 'auth-code' | 'password' | 'client-credentials' | 'refresh',
  s: Secrets,
  opts: { pii?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'et-audit-'));
  try {
    const now = 1_800_000_000_000;
    const { ctx, stderr } = memoryCtx(dir);
    const trace = new Trace(() => now);
    const flush = installTraceSinks(
      trace,
      { trace: true, traceFile: 't.jsonl', har: 't.har', curl: true, curlFile: 'replay.sh', redactPii: opts.pii },
      ctx,
    );
    const { body, access } = tokenBody(s, now);
    const http = fakeHttp(() => ({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': `fpc=${s.secret}; path=/` },
      body,
    }));
    const authority = resolveAuthority({ authority: `https://login.microsoftonline.com/${TENANT}` });
    const deps = { http, now: () => now, trace };
    const secrets = [access, s.refresh];
    if (flow === 'auth-code') {
      const pending = new MemoryPendingStore();
      const random = {
        state: () => 'state-state-state-state-0123456789',
        nonce: () => 'nonce-nonce-0123',
        pkce: async () => ({
          code_verifier: s.verifier,
          code_challenge: createHash('sha256').update(s.verifier).digest('base64url'),
        }),
      };
      await startAuthorization(
        { authority, client_id: CLIENT, redirect_uri: 'http://localhost', scopes: [DATABRICKS, 'offline_access'] },
        { pending, now: () => now, trace, random },
      );
      const redirect = `http://localhost/?code=${encodeURIComponent(s.code)}&state=state-state-state-state-0123456789&session_state=x`;
      await exchangeCode({ input: { redirect }, pending }, deps);
      secrets.push(s.code, s.verifier);
    } else if (flow === 'password') {
      await passwordTokens(
        { authority, client_id: CLIENT, username: 'alice@contoso.com', password: s.password, scopes: [DATABRICKS] },
        deps,
      );
      secrets.push(s.password);
    } else if (flow === 'client-credentials') {
      await clientCredentialsTokens(
        { authority, client_id: CLIENT, credential: { kind: 'secret', client_secret: s.secret }, scope: DATABRICKS },
        deps,
      );
      secrets.push(s.secret);
    } else {
      await refreshTokens({ authority, client_id: CLIENT, refresh_token: `${s.refresh}R`, scopes: [DATABRICKS] }, deps);
      secrets.push(`${s.refresh}R`);
    }
    secrets.push(s.secret); // the set-cookie value
    await flush();
    const outputs = {
      stderr: stderr(),
      jsonl: readFileSync(join(dir, 't.jsonl'), 'utf8'),
      har: readFileSync(join(dir, 't.har'), 'utf8'),
      curl: readFileSync(join(dir, 'replay.sh'), 'utf8'),
      diagram: renderDiagram(redactTrace(trace.events as AuditEvent[])),
    };
    const modes = {
      jsonl: statSync(join(dir, 't.jsonl')).mode & 0o777,
      har: statSync(join(dir, 't.har')).mode & 0o777,
    };
    return { outputs, secrets, modes, trace };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertNoLeak(outputs: Record<string, string>, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      for (const [sink, text] of Object.entries(outputs)) {
        assert.ok(!text.includes(form), `${sink} contains a secret (${form.length} chars) in one of its encodings`);
      }
    }
  }
}

describe('no sink leaks a secret', () => {
  for (const flow of ['auth-code', 'password', 'client-credentials', 'refresh'] as const) {
    it(`${flow}: text, JSON lines, HAR, curl and diagram contain no secret value, raw or encoded`, async () => {
      await fc.assert(
        fc.asyncProperty(secretsArb, async (s) => {
          const { outputs, secrets } = await traced(flow, s);
          assertNoLeak(outputs, secrets);
        }),
        { numRuns: 15 },
      );
    });
  }

  it('trace files are written 0600 and the decoded access token is in the trace', async () => {
    const s = fc.sample(secretsArb, { numRuns: 1, seed: 7 })[0]!;
    const { outputs, modes } = await traced('auth-code', s);
    assert.equal(modes.jsonl, 0o600);
    assert.equal(modes.har, 0o600);
    assert.match(outputs.stderr, /access_token — JWT decoded, NOT verified:/);
    assert.match(outputs.stderr, /◆ access_token: aud 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d \(Azure Databricks\)/);
    assert.match(
      outputs.stderr,
      /code_verifier \(\d+ chars\): BASE64URL\(SHA256\(code_verifier\)\) = [\w-]{43} — matches the code_challenge of the authorize URL/,
    );
    assert.match(outputs.curl, /^#!\/usr\/bin\/env bash\n/);
    assert.match(outputs.curl, /--data-urlencode "code_verifier=\$CODE_VERIFIER"/);
  });

  it('--redact-pii masks the UPN in the password form and in claims', async () => {
    const s = fc.sample(secretsArb, { numRuns: 1, seed: 8 })[0]!;
    const { outputs } = await traced('password', s, { pii: true });
    for (const text of Object.values(outputs)) assert.ok(!text.includes('alice@contoso.com'));
    assert.match(outputs.stderr, /username=\[pii hmac:[0-9a-f]{8}\]/);
    assert.match(outputs.curl, /--data-urlencode "username=\$USERNAME"/);
  });
});

describe('redaction is idempotent', () => {
  it('redacting an audited trace again gives the same events', async () => {
    await fc.assert(
      fc.asyncProperty(secretsArb, fc.boolean(), async (s, pii) => {
        const { trace } = await traced('auth-code', s);
        const once = redactTrace(trace.events as AuditEvent[], { pii });
        assert.deepEqual(redactTrace(JSON.parse(JSON.stringify(once)), { pii }), once);
      }),
      { numRuns: 10 },
    );
  });
});

/** Structural HAR 1.2 check: the members Chrome DevTools and HAR viewers require. */
function validateHar(har: unknown): string[] {
  const errors: string[] = [];
  const need = (cond: boolean, what: string) => {
    if (!cond) errors.push(what);
  };
  const isNV = (a: unknown) =>
    Array.isArray(a) && a.every((x) => x && typeof x.name === 'string' && typeof x.value === 'string');
  const h = har as { log?: Record<string, any> };
  need(!!h?.log && typeof h.log === 'object', 'log');
  const log = h.log ?? {};
  need(log.version === '1.2', 'log.version');
  need(typeof log.creator?.name === 'string' && typeof log.creator?.version === 'string', 'log.creator');
  need(Array.isArray(log.entries), 'log.entries');
  (log.entries ?? []).forEach((e: any, i: number) => {
    const p = `entries[${i}]`;
    need(
      typeof e.startedDateTime === 'string' &&
        !Number.isNaN(Date.parse(e.startedDateTime)) &&
        /T.*Z$/.test(e.startedDateTime),
      `${p}.startedDateTime`,
    );
    need(typeof e.time === 'number' && e.time >= 0, `${p}.time`);
    const q = e.request ?? {};
    need(typeof q.method === 'string', `${p}.request.method`);
    need(typeof q.url === 'string' && URL.canParse(q.url), `${p}.request.url`);
    need(typeof q.httpVersion === 'string', `${p}.request.httpVersion`);
    need(isNV(q.headers), `${p}.request.headers`);
    need(isNV(q.queryString), `${p}.request.queryString`);
    need(Array.isArray(q.cookies), `${p}.request.cookies`);
    need(typeof q.headersSize === 'number', `${p}.request.headersSize`);
    need(typeof q.bodySize === 'number', `${p}.request.bodySize`);
    if (q.postData !== undefined) {
      need(typeof q.postData.mimeType === 'string', `${p}.request.postData.mimeType`);
      need(isNV(q.postData.params), `${p}.request.postData.params`);
      need(typeof q.postData.text === 'string', `${p}.request.postData.text`);
    }
    const r = e.response ?? {};
    need(typeof r.status === 'number', `${p}.response.status`);
    need(typeof r.statusText === 'string', `${p}.response.statusText`);
    need(typeof r.httpVersion === 'string', `${p}.response.httpVersion`);
    need(isNV(r.headers), `${p}.response.headers`);
    need(Array.isArray(r.cookies), `${p}.response.cookies`);
    need(
      typeof r.content?.size === 'number' &&
        typeof r.content?.mimeType === 'string' &&
        typeof r.content?.text === 'string',
      `${p}.response.content`,
    );
    need(typeof r.redirectURL === 'string', `${p}.response.redirectURL`);
    need(typeof r.headersSize === 'number' && typeof r.bodySize === 'number', `${p}.response.sizes`);
    need(!!e.cache && typeof e.cache === 'object', `${p}.cache`);
    need(
      ['send', 'wait', 'receive'].every((k) => typeof e.timings?.[k] === 'number' && e.timings[k] >= -1),
      `${p}.timings`,
    );
  });
  return errors;
}

// Golden traces: times, ports, ids, hashes and token-specific claims normalized away.
const KEEP = new Set([TENANT, CLIENT, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d', '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46']);
const VOLATILE = new Set([
  'at',
  'durationMs',
  'iat',
  'nbf',
  'exp',
  'aio',
  'uti',
  'rh',
  'sub',
  'sid',
  'kid',
  'x5t',
  'date',
  'x-ms-request-id',
  'nonce',
  'expires_in',
  'ext_expires_in',
  'keep-alive',
  'c_hash',
  'jti',
]);
function normalize(v: unknown, key = ''): unknown {
  // this machine's OS and CPU, as the library parameters send them (docs/protocol.md §2.9)
  if (Array.isArray(v) && v.length === 2 && (v[0] === 'x-client-OS' || v[0] === 'x-client-CPU'))
    return [v[0], v[0] === 'x-client-OS' ? 'OS' : 'CPU'];
  if (Array.isArray(v)) return v.map((x) => normalize(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, k)]));
  if (VOLATILE.has(key) && (typeof v === 'number' || typeof v === 'string')) return `<${key}>`;
  if (typeof v !== 'string') return v;
  return v
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/x-client-OS=\w+&x-client-CPU=\w+/g, 'x-client-OS=OS&x-client-CPU=CPU')
    .replace(/^entra-token\/([\d.]+) \([^)]*\) node\/[\d.]+$/, 'entra-token/$1 (OS; CPU) node/VERSION')
    .replace(/hmac:[0-9a-f]{8}/g, 'hmac:HASH')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b\d+ (s|min|ms)\b/g, 'N $1')
    .replace(/\b\d+ chars\b/g, 'N chars')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (m) => (KEEP.has(m) ? m : '<uuid>'))
    .replace(/(state|nonce|code_challenge)=[\w-]+/g, '$1=<$1>')
    .replace(/(code_challenge|BASE64URL\(SHA256\(code_verifier\)\) =) [\w-]{43}/g, '$1 <challenge>')
    .replace(/"(expires_in|ext_expires_in)":\d+/g, '"$1":N')
    .replace(/(state verified: )[\w-]+…/g, '$1<state>…')
    .replace(/^.{6}…\[/g, 'PREFIX…[');
}

function golden(name: string, events: unknown[]): void {
  const text = `${events.map((e) => JSON.stringify(normalize(e))).join('\n')}\n`;
  const file = join('fixtures', 'traces', `${name}.jsonl`);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(join('fixtures', 'traces'), { recursive: true });
    writeFileSync(file, text);
  }
  assert.equal(text, readFileSync(file, 'utf8'), `golden trace ${file} differs (UPDATE_GOLDEN=1 to accept)`);
}

describe('against the emulator', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  let dir: string;
  before(async () => {
    emu = await startEmulator({ autoApprove: true });
    dir = mkdtempSync(join(tmpdir(), 'et-audit-emu-'));
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(env: Record<string, string>, extra: string[]): Promise<{ redirect: string }> {
    const a = await runInProcess(
      [...extra, 'authorize-url', '--authority', emu.info.authority, '--client-id', emu.info.public_client_id],
      { env },
    );
    assert.equal(a.code, 0, a.stderr);
    const res = await fetch(a.stdout.trim(), { redirect: 'manual' });
    assert.equal(res.status, 302);
    return { redirect: res.headers.get('location')! };
  }

  it('authorize-url then exchange with --trace-file/--har/--curl-file: golden trace, valid HAR, trace show, replayable curl', async () => {
    const env = { ENTRA_TOKEN_STATE_DIR: join(dir, 'state') };
    const tf = join(dir, 'flow.jsonl');
    const har = join(dir, 'flow.har');
    const sh = join(dir, 'replay.sh');
    const flags = ['--trace-file', tf, '--har', har];
    const { redirect } = await signIn(env, flags);
    const x = await runInProcess([...flags, '--curl-file', sh, 'exchange', redirect, '-o', 'json'], { env });
    assert.equal(x.code, 0, x.stderr);
    const original = JSON.parse(x.stdout) as Record<string, unknown>;
    const code = new URL(redirect).searchParams.get('code')!;
    const all = [readFileSync(tf, 'utf8'), readFileSync(har, 'utf8'), readFileSync(sh, 'utf8')].join('\n');
    for (const secret of [
      code,
      String(original.access_token),
      String(original.refresh_token),
      String(original.id_token),
    ]) {
      for (const form of secretForms(secret)) assert.ok(!all.includes(form));
    }

    // golden: both runs, normalized
    const lines = readFileSync(tf, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.filter((l) => l.type === 'run').length, 2);
    golden('auth-code', lines);

    // HAR 1.2, extended by the second command: front open, front receive, token POST
    const doc = JSON.parse(readFileSync(har, 'utf8'));
    assert.deepEqual(validateHar(doc), []);
    assert.deepEqual(
      doc.log.entries.map((e: any) => `${e._channel} ${e.request.method} ${e.response.status}`),
      ['front GET 0', 'front GET 0', 'back POST 200'],
    );
    assert.equal(
      doc.log.entries[2].request.postData.params.find((p: any) => p.name === 'grant_type').value,
      'authorization_code',
    );
    assert.match(
      doc.log.entries[2].request.postData.params.find((p: any) => p.name === 'code').value,
      /…\[\d+ chars hmac:[0-9a-f]{8}\]$/,
    );

    // trace show, text and diagram
    const show = await runInProcess(['trace', 'show', tf]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /# run 1 of 2: .*\n\n== Build authorization request/);
    assert.match(show.stdout, /== Redeem code\n   → POST http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/oauth2\/v2\.0\/token/);
    const diagram = await runInProcess(['trace', 'show', tf, '--diagram']);
    assert.equal(diagram.code, 0, diagram.stderr);
    assert.match(diagram.stdout, /CLI +Browser +Entra ID/);
    assert.match(diagram.stdout, /│ POST \/[\w-]+\/oauth2\/v2\.0\/token\n +│─+▶│/);
    assert.match(diagram.stdout, /│ 200 OK \(\d+ ms\)/);

    // the curl script, run with bash against the emulator with a fresh code and its verifier
    assert.equal(statSync(sh).mode & 0o777, 0o700);
    const verifier = 'v'.repeat(20) + createHash('sha256').update(String(Math.random())).digest('base64url');
    const pending = new MemoryPendingStore();
    const started = await startAuthorization(
      {
        authority: resolveAuthority({ authority: emu.info.authority }),
        client_id: emu.info.public_client_id,
        redirect_uri: 'http://localhost',
        scopes: [DATABRICKS, 'openid', 'profile', 'offline_access'],
      },
      {
        pending,
        now: Date.now,
        random: {
          state: () => 'replay-state-0123456789',
          nonce: () => 'replay-nonce',
          pkce: async () => ({
            code_verifier: verifier,
            code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          }),
        },
      },
    );
    const loc = (await fetch(started.url, { redirect: 'manual' })).headers.get('location')!;
    const fresh = new URL(loc).searchParams.get('code')!;
    const { stdout } = await run('bash', [sh], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CODE: fresh, CODE_VERIFIER: verifier },
    });
    const replayed = JSON.parse(stdout) as Record<string, unknown>;
    const shape = (o: Record<string, unknown>) =>
      Object.keys(o)
        .filter((k) => k !== 'expires_on' && k !== 'id_token_claims')
        .sort();
    // the script sends client_info=1 as the tool does, so the raw answer carries client_info (docs/protocol.md §2.9)
    const wire = [
      'access_token',
      'client_info',
      'expires_in',
      'ext_expires_in',
      'id_token',
      'refresh_token',
      'scope',
      'token_type',
    ];
    assert.deepEqual(shape(replayed), wire);
    for (const k of wire) assert.ok(k in original || k === 'ext_expires_in', `original output has ${k}`);
    assert.equal(replayed.token_type, 'Bearer');
    assert.equal(replayed.scope, original.scope);
  });

  it('--trace prints the named steps with the front channel, notes and decoded tokens; nothing secret', async () => {
    const env = { ENTRA_TOKEN_STATE_DIR: join(dir, 'state2') };
    const { redirect } = await signIn(env, []);
    const x = await runInProcess(['--trace', 'exchange', redirect, '-o', 'json'], { env });
    assert.equal(x.code, 0, x.stderr);
    assert.match(
      x.stderr,
      /\n== Callback received\n   ⇠ front channel, redirect received \(argument\):\n       http:\/\/localhost\/?\?code=0\.AXEA…\[\d+ chars hmac:[0-9a-f]{8}\]&client_info=[\w-]+&state=/,
    );
    assert.match(x.stderr, /\n== Redeem code\n   → POST /);
    assert.match(x.stderr, /     ✓ expires_in \d+ s: valid until about \d{4}-/);
    assert.match(
      x.stderr,
      /◆ id_token \(v2\.0 token, RS256\): aud [\w-]+; tid [\w-]+; user alice@contoso\.com; exp .*; nonce present/,
    );
    const tokens = JSON.parse(x.stdout);
    for (const k of ['access_token', 'refresh_token', 'id_token']) assert.ok(!x.stderr.includes(tokens[k]));
  });

  it('client credentials and password: golden traces through the real client', async () => {
    const authority = resolveAuthority({ authority: emu.info.authority });
    const http = createHttpClient({ env: {} });
    try {
      const t1 = new Trace();
      await clientCredentialsTokens(
        {
          authority,
          client_id: emu.info.confidential_client_id,
          credential: { kind: 'secret', client_secret: emu.info.client_secret },
          scope: DATABRICKS,
        },
        { http, now: Date.now, trace: t1 },
      );
      const e1 = redactTrace(t1.events as AuditEvent[]);
      assert.ok(!JSON.stringify(e1).includes(emu.info.client_secret));
      golden('client-credentials', e1);
      const t2 = new Trace();
      await passwordTokens(
        {
          authority,
          client_id: emu.info.public_client_id,
          username: emu.info.username,
          password: emu.info.password,
          scopes: [DATABRICKS],
        },
        { http, now: Date.now, trace: t2 },
      );
      const e2 = redactTrace(t2.events as AuditEvent[], { pii: true });
      const all =
        JSON.stringify(e2) + e2.map((e) => renderText(e, { pii: true })).join('\n') + JSON.stringify(toHar(e2, 'x'));
      assert.ok(!all.includes(emu.info.password));
      assert.ok(!all.includes(emu.info.username));
      golden('password-pii', e2);
    } finally {
      await http.close();
    }
  });

  it('trace show refuses a file that is not a trace with a one-line EBAD_INPUT (exit 2)', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"type":"run","at":1}\nnot json\n');
    const r = await runInProcess(['trace', 'show', f]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'entra-token: error EBAD_INPUT: line 2 of the trace is not JSON\n');
  });
});
