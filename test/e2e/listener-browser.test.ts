import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeLaunchPage, writeLaunchPage } from '../../src/io/browser.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { startLoopbackListener, stateJudge, type LoopbackListener } from '../../src/io/listener.js';
import { chromiumMissing, launchChromium, type Chromium } from '../helpers/chromium.js';

const STATE = 'st-browser-1';
const judge = stateJudge(
  STATE,
  (p) => new EntraTokenError('EAUTHORIZE', String(p.get('error')), { hint: 'try again' }),
);

describe('loopback listener in real Chromium', { skip: safeMissing() }, () => {
  let browser: Chromium;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function withListener(fn: (l: LoopbackListener) => Promise<void>): Promise<void> {
    const l = await startLoopbackListener({ judge, timeoutMs: 20_000 });
    try {
      await fn(l);
    } finally {
      await l.close();
    }
  }

  it('Chromium reaches http://localhost:PORT, gets the success page, and the listener resolves', async () => {
    await withListener(async (l) => {
      const page = await browser.context.newPage();
      const response = await page.goto(`${l.redirectUri}?code=0.AXEA-browser&state=${STATE}&session_state=x`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), 'Signed in — entra-token');
      assert.match(await page.innerText('body'), /You may close this tab/);
      assert.equal((await l.result).params.get('code'), '0.AXEA-browser');
      await page.close();
    });
  });

  it('the 0600 launch page (login keeps the authorize URL off argv) sends Chromium on to the URL with every parameter intact', async () => {
    await withListener(async (l) => {
      const dir = mkdtempSync(join(tmpdir(), 'entra-launch-'));
      try {
        const target = `${l.redirectUri}?code=0.AXEA-launch&state=${STATE}&session_state=a%20b&x="<q>"`;
        const launch = writeLaunchPage(join(dir, 'launch'), target);
        assert.equal(statSync(launch).mode & 0o777, 0o600);
        assert.equal(statSync(join(dir, 'launch')).mode & 0o777, 0o700);
        const page = await browser.context.newPage();
        await page.goto(pathToFileURL(launch).href);
        const cb = await l.result;
        assert.equal(cb.params.get('code'), '0.AXEA-launch');
        assert.equal(cb.params.get('session_state'), 'a b');
        assert.equal(cb.params.get('x'), '"<q>"');
        removeLaunchPage(launch);
        assert.equal(existsSync(launch), false);
        await page.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('a <script> in error_description neither runs nor loads anything (escaping and CSP)', async () => {
    await withListener(async (l) => {
      const page = await browser.context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const evil = encodeURIComponent(
        'AADSTS50011: <script>window.pwned=1;alert("xss")</script><img src=x onerror="window.pwned=2">',
      );
      await page.goto(`${l.redirectUri}?error=invalid_request&error_description=${evil}&state=${STATE}`);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);
      assert.deepEqual(dialogs, []);
      assert.match(await page.innerText('body'), /<script>window\.pwned=1;alert\("xss"\)<\/script>/);
      assert.deepEqual(
        requests.filter((u) => !u.includes('error_description')),
        [],
      );
      await assert.rejects(l.result, (e: EntraTokenError) => e.code === 'EAUTHORIZE');
      await page.close();
    });
  });

  it('a stale tab with another state sees an error page and the listener keeps waiting', async () => {
    await withListener(async (l) => {
      const stale = await browser.context.newPage();
      const r = await stale.goto(`${l.redirectUri}?code=old&state=another-login`);
      assert.equal(r?.status(), 400);
      assert.match(await stale.innerText('body'), /does not belong to the login in progress/);
      const fresh = await browser.context.newPage();
      await fresh.goto(`${l.redirectUri}?code=new&state=${STATE}`);
      assert.equal((await l.result).params.get('code'), 'new');
      mkdirSync('test-results', { recursive: true });
      await stale.screenshot({ path: 'test-results/listener-mismatch-page.png' });
      await stale.close();
      await fresh.close();
    });
  });
});

function safeMissing(): string | false {
  return chromiumMissing() ?? false;
}
