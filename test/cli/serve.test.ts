import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { seedCache } from '../e2e/helpers/token-cache-seed.js';
import { runInProcess } from '../helpers/cli.js';
import { createMinter, DATABRICKS, GRAPH, type Minter } from '../helpers/mint.js';

const WORKSPACE = 'https://adb-1234567890123456.7.azuredatabricks.net';

let emu: Emulator;
let dir: string;
let cache: string;
let minter: Minter;
before(async () => {
  emu = await startEmulator();
  minter = await createMinter();
  dir = await mkdtemp(join(tmpdir(), 'et-serve-'));
  cache = join(dir, 'cache');
  await seedCache(cache, emu, Date.now() + 3600_000);
});
after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** Wait until `cond`, failing (instead of spinning forever) if the command ended first. */
async function startedOrEnded(cond: () => boolean, done: Promise<number>, stderr: () => string): Promise<void> {
  let ended: number | undefined;
  void done.then((c) => (ended = c));
  while (!cond()) {
    if (ended !== undefined) throw new Error(`serve ended with ${ended} before starting: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const node = (code: string) => ['--', process.execPath, '-e', code];
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: dir, ENTRA_TOKEN_CACHE_DIR: cache });

describe('entra-token exec', () => {
  test('gives the child exactly the metadata-service variables, and not DATABRICKS_TOKEN', async () => {
    const r = await runInProcess(
      [
        'exec',
        '--host',
        `${WORKSPACE}/?o=1234567890123456`,
        ...node(
          'const e=process.env;console.log(JSON.stringify({h:e.DATABRICKS_HOST,a:e.DATABRICKS_AUTH_TYPE,u:e.DATABRICKS_METADATA_SERVICE_URL,t:e.DATABRICKS_TOKEN??null,s:e.DATABRICKS_CLIENT_SECRET??null,arm:e.ARM_SUBSCRIPTION_ID}))',
        ),
      ],
      {
        env: {
          ...baseEnv(),
          DATABRICKS_TOKEN: 'dapi11111111111111111111111111111111',
          DATABRICKS_CLIENT_SECRET: 'dose-secret',
          ARM_SUBSCRIPTION_ID: 'for-azurerm',
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, string | null>;
    assert.equal(seen.h, WORKSPACE);
    assert.equal(seen.a, 'metadata-service');
    assert.match(seen.u!, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}$/);
    assert.equal(seen.t, null);
    assert.equal(seen.s, null);
    assert.equal(seen.arm, 'for-azurerm');
    assert.equal(
      r.stderr,
      `entra-token: note: DATABRICKS_TOKEN is not passed to ${process.execPath}: the metadata service gives it its tokens\n` +
        `entra-token: note: DATABRICKS_CLIENT_SECRET is not passed to ${process.execPath}: the metadata service gives it its tokens\n`,
    );
  });

  test("the child's server answers it (and only for its workspace)", async () => {
    const script = `
      const u = process.env.DATABRICKS_METADATA_SERVICE_URL;
      const h = { 'X-Databricks-Metadata-Version': '1' };
      (async () => {
        const ok = await fetch(u, { headers: { ...h, 'X-Databricks-Host': process.env.DATABRICKS_HOST } });
        const other = await fetch(u, { headers: { ...h, 'X-Databricks-Host': 'https://adb-2.3.azuredatabricks.net' } });
        const body = await ok.json();
        console.log(JSON.stringify({ ok: ok.status, other: other.status, type: body.token_type, n: typeof body.expires_on, jwt: body.access_token.split('.').length }));
      })();`;
    const r = await runInProcess(['exec', '--host', WORKSPACE, ...node(script)], { env: baseEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: 200, other: 403, type: 'Bearer', n: 'number', jwt: 3 });
    assert.match(
      r.stderr,
      /^entra-token: refused: metadata request "GET" → 403 host_mismatch, X-Databricks-Host "https:\/\/adb-2\.3\.azuredatabricks\.net"\n$/,
    );
  });

  test("exits with the child's exit code, 128+n for a signal, 127 when the command does not exist", async () => {
    assert.equal(
      (await runInProcess(['exec', '--host', WORKSPACE, ...node('process.exit(3)')], { env: baseEnv() })).code,
      3,
    );
    assert.equal(
      (
        await runInProcess(['exec', '--host', WORKSPACE, ...node("process.kill(process.pid,'SIGTERM')")], {
          env: baseEnv(),
        })
      ).code,
      143,
    );
    const missing = await runInProcess(['exec', '--host', WORKSPACE, '--', 'entra-token-no-such-command'], {
      env: baseEnv(),
    });
    assert.equal(missing.code, 127);
    assert.equal(missing.stderr, 'entra-token: error EUSAGE: command not found: entra-token-no-such-command\n');
  });

  test('does not start the child when no token can be had (exit 5, with the sign-in hint)', async () => {
    const r = await runInProcess(['exec', '--host', WORKSPACE, ...node('console.log("ran")')], {
      env: { ...baseEnv(), ENTRA_TOKEN_CACHE_DIR: join(dir, 'empty') },
    });
    assert.equal(r.code, 5);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^entra-token: error EINTERACTION_REQUIRED: no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default\nhint: sign in first: entra-token login/,
    );
  });

  test('refuses a token given on stdin that Databricks would refuse (wrong audience)', async () => {
    const r = await runInProcess(['exec', '--host', WORKSPACE, '--token-stdin', ...node('1')], {
      env: baseEnv(),
      stdin: await minter.user(GRAPH),
    });
    assert.equal(r.code, 7);
    assert.match(
      r.stderr,
      /^entra-token: error ECLAIM: the token's audience is "00000003-0000-0000-c000-000000000000", not Azure Databricks/,
    );
  });

  test('serves a token given in $ENTRA_TOKEN_ACCESS_TOKEN as is', async () => {
    const token = await minter.user(DATABRICKS);
    const script = `fetch(process.env.DATABRICKS_METADATA_SERVICE_URL,{headers:{'X-Databricks-Metadata-Version':'1','X-Databricks-Host':process.env.DATABRICKS_HOST}}).then(r=>r.json()).then(b=>console.log(b.access_token))`;
    const r = await runInProcess(['exec', '--host', WORKSPACE, ...node(script)], {
      env: { ...baseEnv(), ENTRA_TOKEN_ACCESS_TOKEN: token },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${token}\n`);
  });

  test('usage: a command is required, and the host', async () => {
    const none = await runInProcess(['exec', '--host', WORKSPACE], { env: baseEnv() });
    assert.equal(none.code, 2);
    const noHost = await runInProcess(['exec', ...node('1')], { env: baseEnv() });
    assert.equal(noHost.code, 2);
    assert.match(noHost.stderr, /^entra-token: error EUSAGE: no workspace host\n/);
  });
});

describe('entra-token serve', () => {
  test('prints one JSON line and the export lines, serves, and stops cleanly on Ctrl-C', async (t) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const abort = new AbortController();
    const ctx: CliContext = {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: baseEnv(),
      now: () => Date.now(),
      cwd: dir,
      signal: abort.signal,
    };
    const done = runCli(['--trace', 'serve', '--host', WORKSPACE], ctx);
    t.after(() => abort.abort()); // also after a failed assertion
    await startedOrEnded(
      () => out.includes('DATABRICKS_METADATA_SERVICE_URL'),
      done,
      () => err,
    );
    const lines = out.trimEnd().split('\n');
    const info = JSON.parse(lines[0]!) as { url: string };
    assert.deepEqual(info, {
      url: info.url,
      host: WORKSPACE,
      auth_type: 'metadata-service',
      expiry: { expires_on: 'the token expiry', renew_before_seconds: 300, min_served_seconds: 60 },
    });
    assert.deepEqual(lines.slice(1), [
      `export DATABRICKS_HOST='${WORKSPACE}'`,
      `export DATABRICKS_AUTH_TYPE='metadata-service'`,
      `export DATABRICKS_METADATA_SERVICE_URL='${info.url}'`,
    ]);
    const res = await fetch(info.url, {
      headers: { 'X-Databricks-Metadata-Version': '1', 'X-Databricks-Host': WORKSPACE },
    });
    const body = (await res.json()) as { access_token: string };
    assert.equal(res.status, 200);
    const missing = await fetch(info.url, { headers: { 'X-Databricks-Host': WORKSPACE } });
    assert.equal(missing.status, 400);
    // a client looping on a refusal: 100 lines, then one saying the rest are only counted
    for (let i = 0; i < 105; i++) assert.equal((await fetch(`${info.url}x`)).status, 404);
    abort.abort();
    assert.equal(await done, 0);
    // the trace shows each request, redacted: no token, no secret path
    assert.match(
      err,
      /metadata request "GET" → 200 served, X-Databricks-Host "https:\/\/adb-1234567890123456\.7\.azuredatabricks\.net", token expires /,
    );
    assert.match(err, /metadata request "GET" → 400 bad_version/);
    assert.ok(!err.includes(body.access_token), 'the token is not in the trace');
    assert.ok(!err.includes(new URL(info.url).pathname.slice(1)), 'the secret path is not in the trace');
    assert.equal(err.match(/^entra-token: refused: /gm)?.length, 100);
    assert.match(err, /\nentra-token: more than 100 requests refused; further refusals are only counted\n/);
    assert.match(err, /entra-token: stopped \(interrupted\); 1 token\(s\) served, 106 request\(s\) refused\n$/);
  });

  test('stops when its parent is gone', async () => {
    let alive = true;
    const ctx: CliContext = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: baseEnv(),
      now: () => Date.now(),
      cwd: dir,
      signal: new AbortController().signal,
      parentAlive: () => alive,
    };
    let err = '';
    ctx.stderr.on('data', (d) => (err += d));
    const done = runCli(['serve', '--host', WORKSPACE], ctx);
    await startedOrEnded(
      () => err.includes('serving'),
      done,
      () => err,
    );
    alive = false;
    assert.equal(await done, 0);
    assert.match(err, /stopped \(the parent process is gone\)/);
  });
});
