/**
 * `entra-token login` over SSH: no browser can reach the listener, so the user signs in elsewhere and
 * pastes the address the browser ended on. The built CLI runs as a child process; the emulator signs the
 * default user in without a page (auto-approve), and a plain GET (no redirect following) gives the Location.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { AUTHORIZE_URL, ensureBuilt, runCli, type Child } from '../helpers/login-child.js';

function location(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'GET', agent: false }, (res) => {
      res.resume();
      if (res.statusCode !== 302 || !res.headers.location)
        reject(new Error(`expected a 302 with Location, got ${res.statusCode}`));
      else resolve(res.headers.location);
    })
      .on('error', reject)
      .end();
  });
}

describe('login with paste-back (SSH)', { timeout: 60_000 }, () => {
  let emu: Emulator;
  const children: Child[] = [];
  before(async () => {
    ensureBuilt();
    emu = await startEmulator({ autoApprove: true });
  });
  after(async () => {
    for (const c of children) c.kill();
    await emu?.close();
  });

  function login(args: string[], env: Record<string, string> = {}): Child {
    const c = runCli(
      [
        'login',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.public_client_id,
        '--output',
        'json',
        ...args,
      ],
      env,
    );
    children.push(c);
    return c;
  }

  it('opens no browser in an SSH session, and the pasted redirect URL finishes the login (exit 0)', async () => {
    const child = login([], { SSH_CONNECTION: '10.0.0.2 50514 10.0.0.1 22' });
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    assert.match(
      child.stderr(),
      /^Could not open a browser \(this is an SSH session without a forwarded display\)\. Open this URL in a browser and sign in:$/m,
    );
    const redirect = await location(url);
    assert.match(redirect, /^http:\/\/localhost:\d+\/?\?code=/);
    child.proc.stdin.write(`${redirect}\n`);
    assert.equal(await child.exit, 0, child.stderr());
    const tokens = JSON.parse(child.stdout()) as { access_token: string; refresh_token: string };
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.match(child.stderr(), /Read the pasted redirect; exchanging the code…/);
    const codeInRedirect = new URL(redirect).searchParams.get('code')!;
    assert.ok(!child.stderr().includes(codeInRedirect), 'the code is not echoed on stderr');
  });

  it('--no-browser: a pasted redirect of another login is refused, the right one is accepted', async () => {
    const child = login(['--no-browser']);
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    const redirect = await location(url);
    const wrong = new URL(redirect);
    wrong.searchParams.set('state', 'state-of-another-login');
    child.proc.stdin.write('notaurl\n');
    child.proc.stdin.write(`${wrong.href}\n`);
    await child.waitStderr(
      /Ignored the pasted text: The state in this response does not match the login in progress\. Still waiting…/,
    );
    assert.match(
      child.stderr(),
      /Ignored the pasted text: the pasted text is neither a redirect URL nor a query string: notaurl\. Still waiting…/,
    );
    child.proc.stdin.write(`${redirect}\n`);
    assert.equal(await child.exit, 0, child.stderr());
    assert.equal(typeof (JSON.parse(child.stdout()) as { access_token: unknown }).access_token, 'string');
  });

  it('a pasted error redirect for this login ends it with the decoded error (exit 4)', async () => {
    const child = login(['--no-browser']);
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    const state = new URL(url).searchParams.get('state')!;
    child.proc.stdin.write(
      `http://localhost/?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent+to+access+the+app.%0d%0aTrace+ID%3a+7c839d05-4806-48f2-ba40-bf4128382500&state=${encodeURIComponent(state)}\n`,
    );
    assert.equal(await child.exit, 4);
    assert.match(
      child.stderr(),
      /^entra-token: error EAUTHORIZE: access_denied AADSTS65004: User declined to consent to access the app\./m,
    );
  });
});
