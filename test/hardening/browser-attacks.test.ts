/**
 * Issue 15, items 1 and 9 (browser environment): while `login` waits for the browser, another local user
 * reads every process's argv from /proc. The state, the nonce and the authorize URL must not be there
 * (with the state the attacker ends the login with a garbage code, or answers it with a code for their own
 * account), the page that carries them must not be readable by that user, and the browser must not inherit
 * the user's secrets from the environment.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../helpers/cli.js';
import { asAttacker, attackerUnavailable } from '../helpers/attacker.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const noAttacker = attackerUnavailable();
let root: string;
let emu: Emulator;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'entra-browser-attack-'));
  chmodSync(root, 0o755);
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A stand-in for the system browser: it records its argv and environment, says it is ready, waits for the
 * test's go, then does what a browser does with what it was given (follows a local page's redirect, signs in
 * on the emulator, follows the redirect to the loopback listener).
 */
const BROWSER = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const dir = path.dirname(process.argv[1]);
const arg = process.argv[process.argv.length - 1];
fs.writeFileSync(path.join(dir, 'seen.json'), JSON.stringify({ argv: process.argv.slice(2), env: process.env, pid: process.pid }));
fs.writeFileSync(path.join(dir, 'ready'), '');
(async () => {
  while (!fs.existsSync(path.join(dir, 'go'))) await new Promise((r) => setTimeout(r, 50));
  let url = arg;
  if (arg.startsWith('file://')) {
    const html = fs.readFileSync(new URL(arg), 'utf8');
    url = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  fs.writeFileSync(path.join(dir, 'authorize-url'), url);
  const signIn = await fetch(url, { redirect: 'manual' });
  await fetch(signIn.headers.get('location'), { redirect: 'manual' });
})();
`;

test(
  'item 1: another local user reading /proc/*/cmdline during login finds neither state, nonce nor authorize URL, and cannot read the launch page; item 9: the browser gets no secret from the environment',
  { skip: noAttacker, timeout: 60_000 },
  async () => {
    const d = mkdtempSync(join(root, 'login-'));
    chmodSync(d, 0o755);
    const browser = join(d, 'browser.cjs');
    writeFileSync(browser, BROWSER, { mode: 0o755 });
    const secrets = {
      AZURE_CLIENT_SECRET: 'Abc8Q~client-secret-in-the-environment-0123',
      ENTRA_TOKEN_PASSWORD: 'Summer2024!-password',
      ENTRA_TOKEN_REFRESH_TOKEN: '0.AXEA-refresh-token-in-the-environment',
      DATABRICKS_TOKEN: 'dapi0123456789abcdef0123456789abcdef',
      GITHUB_TOKEN: 'ghp_0123456789abcdefghijklmnopqrstuvwxyz',
    };
    const run = runInProcess(
      [
        'login',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.public_client_id,
        '-o',
        'json',
        '--timeout',
        '30',
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: d,
          DISPLAY: ':0',
          BROWSER: browser,
          ENTRA_TOKEN_STATE_DIR: join(d, 'state'),
          ENTRA_TOKEN_CACHE_DIR: join(d, 'cache'),
          ...secrets,
        },
      },
    );
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(d, 'ready')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(d, 'ready')), 'the browser was never launched');
    const seen = JSON.parse(readFileSync(join(d, 'seen.json'), 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
    };
    // the attacker: every process's command line, as another uid
    const scan = asAttacker('sh', [
      '-c',
      'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f 2>/dev/null; echo; done',
    ]);
    assert.equal(scan.status, 0, scan.stderr);
    assert.ok(
      scan.stdout.includes('browser.cjs'),
      'the attacker can see the browser process (else the test proves nothing)',
    );
    const page = seen.argv.find((a) => a.startsWith('file://'));
    const readPage = page ? asAttacker('cat', [new URL(page).pathname]) : undefined;
    writeFileSync(join(d, 'go'), '');
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const authorizeUrl = readFileSync(join(d, 'authorize-url'), 'utf8');
    const q = new URL(authorizeUrl).searchParams;
    const state = q.get('state')!;
    const nonce = q.get('nonce')!;
    assert.ok(state.length >= 16 && nonce.length >= 16);
    for (const [what, v] of Object.entries({ state, nonce, 'authorize URL': authorizeUrl.split('?')[0]! + '?' })) {
      assert.ok(!scan.stdout.includes(v), `the ${what} is visible to another user in /proc/*/cmdline`);
      assert.ok(!JSON.stringify(seen.argv).includes(v), `the ${what} is on the browser's argv`);
    }
    assert.ok(page, `the browser was not given a launch page: ${JSON.stringify(seen.argv)}`);
    assert.notEqual(readPage!.status, 0, 'another user could read the launch page');
    assert.match(readPage!.stderr, /Permission denied/);
    assert.ok(!existsSync(new URL(page).pathname), 'the launch page was left behind after the login');
    for (const [k, v] of Object.entries(secrets)) {
      assert.equal(seen.env[k], undefined, `the browser inherited ${k}`);
      assert.ok(!JSON.stringify(seen.env).includes(v), `the browser's environment holds the value of ${k}`);
    }
    assert.equal(seen.env.DISPLAY, ':0', 'the rest of the environment is passed on');
    assert.match(r.stdout, /"access_token"/);
  },
);
