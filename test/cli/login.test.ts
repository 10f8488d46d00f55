import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runInProcess } from '../helpers/cli.js';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

const AUTHORITY = 'http://127.0.0.1:9/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
const base = ['login', '--no-browser', '--authority', AUTHORITY, '--client-id', CLIENT];

describe('login command: usage', () => {
  it('refuses a redirect URI that is not loopback http with EUSAGE (exit 2)', async () => {
    const r = await runInProcess([...base, '--redirect-uri', 'https://app.contoso.com/cb']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'entra-token: error EUSAGE: login listens on loopback only, so --redirect-uri must be http://localhost, http://127.0.0.1 or http://[::1] (got https://app.contoso.com)\n' +
        'hint: for any other redirect URI, use authorize-url and exchange\n',
    );
  });

  it('refuses --port that contradicts the redirect URI, and bad --port / --timeout values', async () => {
    let r = await runInProcess([...base, '--redirect-uri', 'http://localhost:8400/', '--port', '8401']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: --port 8401 differs from the port of --redirect-uri \(8400\)/);
    r = await runInProcess([...base, '--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: --port must be a port number between 1 and 65535 \(got 70000\)/);
    r = await runInProcess([...base, '--timeout', '1.5']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: --timeout must be a whole number of seconds between 1 and 86400 \(got 1\.5\)/);
  });
});

describe('login command: waiting', () => {
  it('times out with ETIMEOUT (exit 6) after --timeout seconds, having printed the URL and how to paste', async () => {
    const r = await runInProcess([...base, '--timeout', '1'], {
      env: { ENTRA_TOKEN_STATE_DIR: '/nonexistent-entra-token-test' },
    });
    assert.equal(r.code, 6);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^Listening on 127\.0\.0\.1:\d+( and \[::1\]:\d+)? \(loopback only\) for http:\/\/localhost:\d+$/m,
    );
    assert.match(r.stderr, /^Open this URL in a browser and sign in:$/m);
    assert.match(
      r.stderr,
      /^ {2}http:\/\/127\.0\.0\.1:9\/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13\/oauth2\/v2\.0\/authorize\?client_id=6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A\d+&response_mode=query&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default%20openid%20profile%20offline_access&state=[\w-]{43}&code_challenge=[\w-]{43}&code_challenge_method=S256&nonce=[\w-]+&client-request-id=[0-9a-f-]{36}&client_info=1&x-client-SKU=entra-token&x-client-VER=0\.1\.0&x-client-OS=\w+&x-client-CPU=\w+$/m,
    );
    assert.match(r.stderr, /paste it here and press Enter\. Ctrl-C cancels\./);
    assert.match(r.stderr, /entra-token: error ETIMEOUT: no sign-in response arrived within 1 seconds\n/);
  });

  it('cancels on Ctrl-C with ECANCELLED (exit 130), closing the listener', async () => {
    const ac = new AbortController();
    const stderr = new PassThrough();
    let se = '';
    stderr.on('data', (d) => {
      se += d;
      if (/Ctrl-C cancels/.test(se)) setTimeout(() => ac.abort(), 50); // once stdin is being read
    });
    const stdin = new PassThrough();
    const ctx: CliContext = {
      stdout: new PassThrough(),
      stderr,
      stdin,
      env: {},
      now: () => Date.now(),
      cwd: process.cwd(),
      signal: ac.signal,
    };
    const code = await runCli(base, ctx);
    assert.equal(code, 130);
    assert.match(se, /entra-token: error ECANCELLED: login cancelled\n$/);
    const port = Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(se)![1]);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), /fetch failed/);
    assert.equal(stdin.listenerCount('data'), 0, 'stdin is released');
    assert.equal(stdin.isPaused(), true, 'stdin is paused');
  });

  it('draws a spinner with the time left on a terminal, and plain lines otherwise', async () => {
    const tty = await runInProcess([...base, '--timeout', '1'], { isTTY: true, stdin: '' });
    assert.match(
      tty.stderr,
      /\r\x1b\[2K⠋ Waiting for the sign-in \(0:01 left; paste the address here, or Ctrl-C to cancel\)/,
    );
    const plain = await runInProcess([...base, '--timeout', '1']);
    assert.doesNotMatch(plain.stderr, /\x1b|⠋/);
  });

  it('issue 23: TERM=dumb gets no spinner and no escape sequence; once input is closed nothing asks for a paste', async () => {
    const dumb = await runInProcess([...base, '--timeout', '1'], { isTTY: true, stdin: '', env: { TERM: 'dumb' } });
    assert.equal(dumb.code, 6);
    assert.doesNotMatch(dumb.stderr, /\x1b|⠋/);
    // standard input closed at once: the timeout's hint does not ask for a paste
    const closed = await runInProcess([...base, '--timeout', '1'], { stdin: '' });
    assert.equal(closed.code, 6);
    assert.match(
      closed.stderr,
      /entra-token: error ETIMEOUT: no sign-in response arrived within 1 seconds?\nhint: run the command again \(use --timeout SECONDS for more time\) and finish the sign-in in the browser; standard input was closed, so nothing could be pasted\n$/,
    );
  });
});
