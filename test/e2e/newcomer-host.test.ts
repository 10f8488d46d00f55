/**
 * Issue 23, "a start with nothing to register": a newcomer runs the emulator, then `login --host <workspace>`
 * with no tenant and no client id, signs in in real headless Chromium, and lists the workspace's clusters.
 * Every step is the built CLI as a child process, sharing one fresh HOME, as a user's shell would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromiumMissing, launchChromium, type Chromium } from '../helpers/chromium.js';
import { BIN, ensureBuilt } from '../helpers/login-child.js';
import { decodeJwtUnverified } from '../../src/core/jwt.js';

const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const home = mkdtempSync(join(tmpdir(), 'et-newcomer-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TERM: 'dumb' };
let emulator: ChildProcessWithoutNullStreams;
let info: Record<string, string>;
let browser: Chromium | undefined;

function cli(args: string[]): {
  proc: ChildProcessWithoutNullStreams;
  done: Promise<{ code: number; out: string; err: string }>;
} {
  const proc = spawn(process.execPath, [BIN, ...args], { env, cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<{ code: number; out: string; err: string }>((res) =>
    proc.on('close', (code) => res({ code: code ?? 128, out, err })),
  );
  return { proc, done };
}

before(async () => {
  ensureBuilt();
  emulator = spawn(process.execPath, [BIN, 'emulator', '--auto-approve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const first = await new Promise<string>((res) => createInterface({ input: emulator.stdout }).once('line', res));
  info = JSON.parse(first) as Record<string, string>;
});
after(async () => {
  emulator?.kill('SIGTERM');
  await browser?.close();
  rmSync(home, { recursive: true, force: true });
});

test(
  'a newcomer: emulator, login --host <workspace> (tenant discovered, Azure CLI client), clusters list',
  { skip: chromiumMissing() ?? false, timeout: 120_000 },
  async () => {
    const login = cli(['login', '--host', info.workspace_url!, '--no-browser', '-o', 'json']);
    login.proc.stdin.end();
    let stderr = '';
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no authorize URL; stderr:\n${stderr}`)), 30_000);
      login.proc.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        const m = /^ {2}(http:\/\/\S+\/oauth2\/v2\.0\/authorize\?\S+)$/m.exec(stderr);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      });
    });
    // the workspace named its tenant and the emulator's Entra; no client id was given: the Azure CLI's
    assert.equal(new URL(url).origin + new URL(url).pathname, `${info.authority}/oauth2/v2.0/authorize`);
    assert.equal(new URL(url).searchParams.get('client_id'), AZURE_CLI);
    assert.match(
      stderr,
      new RegExp(`Workspace ${info.workspace_url} signs in at ${info.authority} \\(its /aad/auth redirect\\)`),
    );
    assert.match(
      stderr,
      /note: no --client-id: signing in with the Azure CLI's public client 04b07795-8ddb-461a-bbee-02f9e1bf7b46/,
    );

    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(url);
    assert.match(page.url(), /^http:\/\/localhost:\d+\/\?code=/);
    const r = await login.done;
    assert.equal(r.code, 0, r.err);
    const claims = decodeJwtUnverified((JSON.parse(r.out) as { access_token: string }).access_token).claims;
    assert.equal(claims.appid, AZURE_CLI);
    assert.equal(claims.tid, info.tenant_id);
    assert.equal(claims.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');

    const list = await cli(['databricks', 'clusters', 'list', '--host', info.workspace_url!]).done;
    assert.equal(list.code, 0, list.err);
    assert.equal(list.err, '');
    assert.match(list.out, /^CLUSTER ID {12}NAME {16}STATE/);
    assert.match(list.out, /0103-141523-abcd1234 {2}etl-shared {10}RUNNING/);
  },
);

test("login --profile P: the profile's host is the workspace whose tenant is discovered (no tenant in the profile)", async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(home, '.databrickscfg'), `[ws]\nhost = ${info.workspace_url}\n`);
  const login = cli(['login', '--profile', 'ws', '--no-browser', '-o', 'json', '--no-cache']);
  login.proc.stdin.end();
  let stderr = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no authorize URL; stderr:\n${stderr}`)), 30_000);
    login.proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /^ {2}(http:\/\/\S+\/oauth2\/v2\.0\/authorize\?\S+)$/m.exec(stderr);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
  });
  assert.equal(new URL(url).origin + new URL(url).pathname, `${info.authority}/oauth2/v2.0/authorize`);
  // the emulator auto-approves: following its redirect is the browser's whole part
  await (await fetch(url)).text();
  const r = await login.done;
  assert.equal(r.code, 0, r.err);
  const claims = decodeJwtUnverified((JSON.parse(r.out) as { access_token: string }).access_token).claims;
  assert.equal(claims.tid, info.tenant_id);
});

test('login --host refuses a workspace whose /aad/auth names a sign-in host that is not Entra', async () => {
  // a loopback "workspace" that sends sign-ins to a public host of its choosing
  const { createServer } = await import('node:http');
  const evil = createServer((_req, res) => {
    res.writeHead(302, {
      location: 'https://login.evil.example/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/authorize',
    });
    res.end();
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  const port = (evil.address() as { port: number }).port;
  try {
    const r = await cli(['login', '--host', `http://127.0.0.1:${port}`, '--no-browser']).done;
    assert.equal(r.code, 8, r.err);
    assert.equal(
      r.err,
      `entra-token: error EINSECURE: 127.0.0.1:${port}/aad/auth sends sign-ins to https://login.evil.example, which is not a Microsoft Entra host\n` +
        'hint: check --host; to sign in anyway, name the authority yourself with --tenant or --authority\n',
    );
  } finally {
    evil.close();
  }
});
