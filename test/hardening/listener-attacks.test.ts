/**
 * Issue 15, item 9 (the listener): while `login` waits for the browser, another local user opens 600 slow
 * connections to its loopback listener and keeps them open (reconnecting whenever one is closed). The login
 * runs with 256 file descriptors; the browser's callback must still get through.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attackerUnavailable, spawnAsAttacker } from '../helpers/attacker.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'bin.cjs');
let root: string;
let emu: Emulator;
const children: ChildProcess[] = [];
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'entra-listener-attack-'));
  chmodSync(root, 0o755);
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * The system browser's stand-in: it follows the launch page's redirect to the authorize URL, says where it
 * is going, waits for the test's go, then signs in on the emulator and makes one request to the listener
 * (as a browser would: no retries), and writes down what came of it.
 */
const BROWSER = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const dir = path.dirname(process.argv[1]);
const arg = process.argv[process.argv.length - 1];
(async () => {
  const html = fs.readFileSync(new URL(arg), 'utf8');
  const url = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  fs.writeFileSync(path.join(dir, 'authorize-url'), url);
  while (!fs.existsSync(path.join(dir, 'go'))) await new Promise((r) => setTimeout(r, 50));
  const signIn = await fetch(url, { redirect: 'manual' });
  const started = Date.now();
  try {
    const cb = await fetch(signIn.headers.get('location'), { redirect: 'manual', signal: AbortSignal.timeout(30000) });
    fs.writeFileSync(path.join(dir, 'callback'), JSON.stringify({ status: cb.status, ms: Date.now() - started }));
  } catch (e) {
    fs.writeFileSync(path.join(dir, 'callback'), JSON.stringify({ error: String(e.cause ?? e), ms: Date.now() - started }));
  }
})();
`;

/** 600 connections that send a request line and then one header line a second, reopened 100 ms after each close. */
const ATTACKER = `
const net = require('node:net');
const port = Number(process.argv[2]);
let connects = 0;
function open() {
  const s = net.connect(port, '127.0.0.1');
  let drip;
  s.on('connect', () => {
    connects++;
    s.write('GET / HTTP/1.1\\r\\nHost: localhost:' + port + '\\r\\n');
    drip = setInterval(() => s.write('X-Slow: 1\\r\\n'), 1000);
  });
  s.on('error', () => {});
  s.on('close', () => {
    clearInterval(drip);
    setTimeout(open, 100);
  });
}
for (let i = 0; i < 600; i++) open();
setInterval(() => process.stdout.write(connects + '\\n'), 250);
`;

test(
  'item 9: 600 slow connections from another local user cannot starve the login listener under a 256-descriptor limit: the browser callback still gets through',
  { timeout: 120_000 },
  async () => {
    const d = mkdtempSync(join(root, 'login-'));
    chmodSync(d, 0o755);
    const browser = join(d, 'browser.cjs');
    writeFileSync(browser, BROWSER, { mode: 0o755 });
    const attackerScript = join(d, 'attacker.cjs');
    writeFileSync(attackerScript, ATTACKER, { mode: 0o644 });
    // the login, in its own process, with 256 file descriptors
    const login = spawn(
      'bash',
      [
        '-c',
        'ulimit -n 256 && exec "$@"',
        'bash',
        process.execPath,
        BIN,
        'login',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.public_client_id,
        '-o',
        'json',
        '--timeout',
        '90',
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: d,
          DISPLAY: ':0',
          BROWSER: browser,
          ENTRA_TOKEN_STATE_DIR: join(d, 'state'),
          ENTRA_TOKEN_CACHE_DIR: join(d, 'cache'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(login);
    let stdout = '';
    let stderr = '';
    login.stdout!.on('data', (c) => (stdout += c));
    login.stderr!.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => login.on('exit', (code) => r(code)));

    const deadline = Date.now() + 30_000;
    while (!existsSync(join(d, 'authorize-url')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(d, 'authorize-url')), `the browser was never launched: ${stderr}`);
    const redirectUri = new URL(readFileSync(join(d, 'authorize-url'), 'utf8')).searchParams.get('redirect_uri')!;
    const port = new URL(redirectUri).port;

    // the attacker, as another uid when this machine allows it
    const attacker = attackerUnavailable()
      ? spawn(process.execPath, [attackerScript, port], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawnAsAttacker(process.execPath, [attackerScript, port]);
    children.push(attacker);
    let connects = 0;
    attacker.stdout!.on('data', (c: Buffer) => {
      const last = c.toString().trim().split('\n').pop();
      if (last) connects = Number(last);
    });
    const armed = Date.now() + 20_000;
    while (connects < 600 && Date.now() < armed) await new Promise((r) => setTimeout(r, 100));
    assert.ok(connects >= 600, `the attacker only got ${connects} connections in`);
    await new Promise((r) => setTimeout(r, 1_500)); // the slow connections are in place

    writeFileSync(join(d, 'go'), '');
    const callbackDeadline = Date.now() + 40_000;
    while (!existsSync(join(d, 'callback')) && Date.now() < callbackDeadline)
      await new Promise((r) => setTimeout(r, 100));
    attacker.kill('SIGKILL');
    assert.ok(existsSync(join(d, 'callback')), 'the browser never finished its request');
    const callback = JSON.parse(readFileSync(join(d, 'callback'), 'utf8')) as { status?: number; error?: string };
    assert.equal(callback.status, 200, `the browser's callback did not get through: ${JSON.stringify(callback)}`);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /"access_token"/);
  },
);
