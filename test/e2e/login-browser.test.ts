/**
 * `entra-token login` end to end: the built CLI as a child process, the emulator's sign-in and consent
 * pages in real headless Chromium, the redirect to the CLI's loopback listener.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { chromiumMissing, launchChromium, type Chromium } from '../helpers/chromium.js';
import { AUTHORIZE_URL, ensureBuilt, runCli, type Child } from '../helpers/login-child.js';

const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

describe('login in real Chromium against the emulator', { skip: chromiumMissing() ?? false, timeout: 120_000 }, () => {
  let emu: Emulator;
  let browser: Chromium;
  const children: Child[] = [];

  before(async () => {
    ensureBuilt();
    emu = await startEmulator();
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of children) c.kill();
    await browser?.close();
    await emu?.close();
  });
  beforeEach(async () => {
    await browser.context.clearCookies(); // each test signs in afresh
  });

  function login(extra: string[] = []): Child {
    const c = runCli([
      'login',
      '--no-browser',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.public_client_id,
      '--output',
      'json',
      ...extra,
    ]);
    children.push(c);
    return c;
  }

  /** Go through whatever the emulator shows (sign-in, consent) until the browser leaves it. */
  async function signIn(page: Page, consent: 'accept' | 'cancel' = 'accept'): Promise<void> {
    for (let i = 0; i < 4 && page.url().startsWith(emu.info.url); i++) {
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', emu.info.username);
        await page.fill('input[name="passwd"]', emu.info.password);
        await Promise.all([page.waitForNavigation(), page.click('#idSIButton9')]);
      } else if (await page.locator('#idBtn_Accept').count()) {
        await Promise.all([
          page.waitForNavigation(),
          page.click(consent === 'accept' ? '#idBtn_Accept' : '#idBtn_Back'),
        ]);
      } else {
        throw new Error(`unexpected emulator page at ${page.url()}: ${await page.innerText('body')}`);
      }
    }
  }

  it('signs in, consents, lands on the success page, and the CLI prints a valid Azure Databricks token (exit 0)', async () => {
    const child = login();
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    const port = Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(child.stderr())![1]);
    const page = await browser.context.newPage();
    await page.goto(url);
    await signIn(page);
    assert.match(page.url(), new RegExp(`^http://localhost:${port}/\\?code=`));
    assert.equal(await page.title(), 'Signed in — entra-token');
    const text = await page.innerText('body');
    assert.match(text, /Signed in/);
    assert.match(text, /exchanging the code for a token in your terminal/);
    assert.match(text, /You may close this tab/);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/login-success-page.png' });
    await page.close();

    assert.equal(await child.exit, 0, child.stderr());
    const tokens = JSON.parse(child.stdout()) as Record<string, unknown>;
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(typeof tokens.id_token, 'string');
    const jwks = createRemoteJWKSet(new URL(`${emu.info.url}/${emu.info.tenant_id}/discovery/keys`));
    const { payload } = await jwtVerify(tokens.access_token as string, jwks, {
      audience: DATABRICKS,
      issuer: `https://sts.windows.net/${emu.info.tenant_id}/`,
    });
    assert.equal(payload.upn, emu.info.username);
    assert.match(child.stderr(), /Received the redirect from the browser; exchanging the code…/);
    assert.ok(!child.stderr().includes(tokens.access_token as string), 'no token on stderr');
  });

  it('the user cancels at consent: the page says so, the CLI exits 4 EAUTHORIZE with AADSTS65004 decoded', async () => {
    const child = login(['--prompt', 'consent']);
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    const page = await browser.context.newPage();
    await page.goto(url);
    await signIn(page, 'cancel');
    assert.equal(await page.title(), 'Sign-in failed — entra-token');
    const text = await page.innerText('body');
    assert.match(text, /access_denied/);
    assert.match(text, /AADSTS65004: User declined to consent to access the app\./);
    assert.match(text, /The login has stopped\. You may close this tab/);
    await page.close();
    assert.equal(await child.exit, 4);
    assert.equal(child.stdout(), '');
    assert.match(
      child.stderr(),
      /^entra-token: error EAUTHORIZE: access_denied AADSTS65004: User declined to consent to access the app\./m,
    );
    assert.match(child.stderr(), /^hint: /m);
  });

  it('a stale tab from an earlier, cancelled login gets an error page and the current login goes on', async () => {
    const port = await freePort();
    const first = login(['--port', String(port)]);
    const staleUrl = (await first.waitStderr(AUTHORIZE_URL))[1]!;
    first.proc.kill('SIGINT'); // Ctrl-C
    assert.equal(await first.exit, 130);
    assert.match(first.stderr(), /entra-token: error ECANCELLED: login cancelled/);

    const second = login(['--port', String(port)]);
    const url = (await second.waitStderr(AUTHORIZE_URL))[1]!;
    const stale = await browser.context.newPage();
    await stale.goto(staleUrl);
    await signIn(stale); // redirected to the same port with the first login's state
    assert.equal(await stale.title(), 'Not the login in progress — entra-token');
    assert.match(await stale.innerText('body'), /The login in your terminal is still waiting/);
    await second.waitStderr(
      /Ignored a browser callback: The state in this response does not match the login in progress\. Still waiting…/,
    );

    const fresh = await browser.context.newPage();
    await fresh.goto(url);
    await signIn(fresh);
    assert.equal(await fresh.title(), 'Signed in — entra-token');
    assert.equal(await second.exit, 0, second.stderr());
    assert.equal(typeof (JSON.parse(second.stdout()) as { access_token: unknown }).access_token, 'string');
    await stale.close();
    await fresh.close();
  });

  it('an error_description carrying <script> does not run in the error page', async () => {
    const child = login();
    const url = (await child.waitStderr(AUTHORIZE_URL))[1]!;
    const state = new URL(url).searchParams.get('state')!;
    const redirect = new URL(url).searchParams.get('redirect_uri')!;
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const evil = '<script>globalThis.pwned = 1; alert("xss")</script><img src=x onerror="globalThis.pwned=2">';
    await page.goto(
      `${redirect}/?error=invalid_request&error_description=${encodeURIComponent(evil)}&state=${encodeURIComponent(state)}`,
    );
    assert.equal(await page.title(), 'Sign-in failed — entra-token');
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.match(await page.innerText('body'), /<script>globalThis\.pwned = 1; alert\("xss"\)<\/script>/);
    await page.close();
    assert.equal(await child.exit, 4);
    assert.match(child.stderr(), /^entra-token: error EAUTHORIZE: invalid_request: /m);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
