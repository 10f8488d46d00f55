/**
 * `audit` on real captures: three small apps sign alice in through the emulator's pages in real Chromium,
 * recorded with Playwright's recordHar, and the audit of each HAR finds every planted problem and, for the
 * well-built app, nothing of severity medium or above.
 *
 *  - a static SPA using the implicit grant (response_type=id_token token, no state) whose analytics pixel
 *    sends the page URL — fragment and access token included — to a third party;
 *  - a server-side web app with a client secret and no PKCE, a plain-http redirect URI off loopback, a
 *    guessable state, no nonce, and a callback page that leaks the code through Referer to a CDN;
 *  - a well-built web app: PKCE S256, a 32-byte state, a nonce checked in the ID token, the callback
 *    redirected away at once, Referrer-Policy no-referrer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { auditHar, type AuditReport } from '../../src/core/har-audit/index.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';
import { runInProcess } from '../helpers/cli.js';

const SPA_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const WEB_ID = 'c0ffee01-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const GOOD_ID = 'c0ffee02-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const WEB_SECRET = 'web~Secret.0123456789abcdefghijklmnopq';
const GOOD_SECRET = 'good~Secret.0123456789abcdefghijklmnop';
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

async function serve(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      Promise.resolve(handler(req, res, body)).catch((e: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(e.message);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function html(res: ServerResponse, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
}

/** What a third party (analytics, CDN) received. */
const thirdPartyHits: string[] = [];

describe(
  'audit of real browser captures (Chromium, recordHar, emulator)',
  { skip: chromiumMissing() ?? false, timeout: 180_000 },
  () => {
    let emu: Emulator;
    let browser: Browser;
    let dir: string;
    const servers: Server[] = [];
    let spaPort = 0;
    let webPort = 0;
    let goodPort = 0;
    let thirdPort = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'entra-token-audit-e2e-'));
      // the third party: an analytics pixel and a CDN logo, recording what reaches them
      const third = await serve((req, res) => {
        thirdPartyHits.push(`${req.url} referer=${req.headers.referer ?? ''}`);
        res.writeHead(200, { 'content-type': 'image/gif', 'access-control-allow-origin': '*' }).end();
      });
      thirdPort = third.port;
      // ports first, so the app registrations can name their exact redirect URIs
      const spa = await serve((req, res) => spaApp(req, res));
      const web = await serve((req, res) => webApp(req, res));
      const good = await serve((req, res, body) => goodApp(req, res, body));
      spaPort = spa.port;
      webPort = web.port;
      goodPort = good.port;
      servers.push(third.server, spa.server, web.server, good.server);
      const app = (client_id: string, display_name: string, redirect: string, extra: Record<string, unknown>) => ({
        client_id,
        display_name,
        sp_object_id: randomUUID(),
        redirect_uris: [redirect],
        admin_consented: true,
        ...extra,
      });
      emu = await startEmulator({
        directory: {
          apps: [
            app(SPA_ID, 'Contoso static SPA', `http://127.0.0.1:${spaPort}/`, {
              oauth2_allow_implicit_flow: true,
              oauth2_allow_id_token_implicit_flow: true,
            }),
            app(WEB_ID, 'Contoso web app', `http://webapp.example:${webPort}/callback`, {
              secrets: [{ value: WEB_SECRET }],
            }),
            app(GOOD_ID, 'Contoso well-built app', `http://127.0.0.1:${goodPort}/callback`, {
              secrets: [{ value: GOOD_SECRET }],
            }),
          ],
        },
      });
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // *.example names resolve to loopback, so an app can have a non-loopback http redirect URI
        args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example 127.0.0.1'],
      });
    });

    after(async () => {
      await browser?.close();
      await emu?.close();
      for (const s of servers) s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const authority = () => emu.info.authority;

    // ------------------------------------------------------------------ the three apps

    function spaApp(req: IncomingMessage, res: ServerResponse): void {
      const authorize = `${authority()}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: SPA_ID,
        response_type: 'id_token token',
        response_mode: 'fragment',
        redirect_uri: `http://127.0.0.1:${spaPort}/`,
        scope: 'openid profile https://graph.microsoft.com/User.Read',
        nonce: randomBytes(16).toString('base64url'),
      })}`;
      if (req.url !== '/') return void res.writeHead(404).end();
      html(
        res,
        `<!doctype html><title>Contoso SPA</title><body><p id="out">…</p><script>
        const params = new URLSearchParams(location.hash.slice(1));
        if (!params.get('access_token')) location.assign(${JSON.stringify(authorize)});
        else {
          document.getElementById('out').textContent = 'signed in';
          // "analytics": the whole page URL, fragment and token included, to a third party
          new Image().src = 'http://analytics.example:${thirdPort}/pixel?page=' + encodeURIComponent(location.href);
        }
      </script></body>`,
      );
    }

    async function webApp(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const u = new URL(req.url ?? '/', `http://webapp.example:${webPort}`);
      const redirectUri = `http://webapp.example:${webPort}/callback`;
      if (u.pathname === '/') {
        const q = new URLSearchParams({
          client_id: WEB_ID,
          response_type: 'code',
          redirect_uri: redirectUri,
          scope: `openid profile ${DBX}/.default`,
          state: 'af0ifjsl',
        });
        return void res.writeHead(302, { location: `${authority()}/oauth2/v2.0/authorize?${q}` }).end();
      }
      if (u.pathname === '/callback') {
        // the server redeems the code with its secret (not in the browser's capture)
        const r = await fetch(`${authority()}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({
            client_id: WEB_ID,
            client_secret: WEB_SECRET,
            grant_type: 'authorization_code',
            code: u.searchParams.get('code') ?? '',
            redirect_uri: redirectUri,
          }),
        });
        const t = (await r.json()) as Record<string, string>;
        if (!t.access_token) throw new Error(`token: ${JSON.stringify(t)}`);
        return html(
          res,
          `<!doctype html><meta name="referrer" content="unsafe-url"><title>Welcome</title>
         <img src="http://cdn.example:${thirdPort}/logo.png" alt=""><p>Signed in</p>`,
        );
      }
      res.writeHead(404).end();
    }

    const pending = new Map<string, { verifier: string; nonce: string }>();

    async function goodApp(req: IncomingMessage, res: ServerResponse, _body: string): Promise<void> {
      const u = new URL(req.url ?? '/', `http://127.0.0.1:${goodPort}`);
      const redirectUri = `http://127.0.0.1:${goodPort}/callback`;
      const noReferrer = { 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };
      if (u.pathname === '/') {
        const state = randomBytes(32).toString('base64url');
        const verifier = randomBytes(32).toString('base64url');
        const nonce = randomBytes(16).toString('base64url');
        pending.set(state, { verifier, nonce });
        const q = new URLSearchParams({
          client_id: GOOD_ID,
          response_type: 'code',
          redirect_uri: redirectUri,
          response_mode: 'query',
          scope: 'openid profile',
          state,
          nonce,
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        });
        return void res.writeHead(302, { location: `${authority()}/oauth2/v2.0/authorize?${q}`, ...noReferrer }).end();
      }
      if (u.pathname === '/callback') {
        const p = pending.get(u.searchParams.get('state') ?? '');
        if (!p) return void res.writeHead(400, noReferrer).end('unknown state');
        pending.delete(u.searchParams.get('state')!);
        const r = await fetch(`${authority()}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({
            client_id: GOOD_ID,
            client_secret: GOOD_SECRET,
            grant_type: 'authorization_code',
            code: u.searchParams.get('code') ?? '',
            redirect_uri: redirectUri,
            code_verifier: p.verifier,
          }),
        });
        const t = (await r.json()) as Record<string, string>;
        const claims = JSON.parse(Buffer.from(t.id_token!.split('.')[1]!, 'base64url').toString()) as Record<
          string,
          string
        >;
        if (claims.nonce !== p.nonce) throw new Error('nonce mismatch');
        // leave the callback URL at once: the code never stays in the address bar or a Referer
        return void res.writeHead(302, { location: '/home', ...noReferrer }).end();
      }
      if (u.pathname === '/home') return html(res, '<!doctype html><title>Home</title><p>Signed in</p>', noReferrer);
      res.writeHead(404, noReferrer).end();
    }

    // ------------------------------------------------------------------ sign in and record

    async function signIn(page: Page): Promise<void> {
      for (let i = 0; i < 4 && page.url().startsWith(emu.info.url); i++) {
        if (await page.locator('input[name="login"]').count()) {
          await page.fill('input[name="login"]', emu.info.username);
          await page.fill('input[name="passwd"]', emu.info.password);
          await Promise.all([page.waitForNavigation(), page.click('#idSIButton9')]);
        } else if (await page.locator('#idBtn_Accept').count()) {
          await Promise.all([page.waitForNavigation(), page.click('#idBtn_Accept')]);
        } else throw new Error(`unexpected emulator page at ${page.url()}: ${await page.innerText('body')}`);
      }
    }

    /** Open the app, sign in, wait for `done`, and return the audit of the recorded HAR. */
    async function record(name: string, start: string, done: (page: Page) => Promise<void>): Promise<AuditReport> {
      const path = join(dir, `${name}.har`);
      const context = await browser.newContext({ recordHar: { path, content: 'embed' } });
      const page = await context.newPage();
      await page.goto(start);
      await page.waitForURL((u) => u.href.startsWith(emu.info.url));
      await signIn(page);
      await done(page);
      await context.close(); // writes the HAR
      return auditHar(readFileSync(path, 'utf8'), { name: `${name}.har` });
    }

    const found = (r: AuditReport) => r.findings.map((f) => `${f.severity} ${f.rule}`);
    const mediumUp = (r: AuditReport) =>
      r.findings
        .filter((f) => ['critical', 'high', 'medium'].includes(f.severity))
        .map((f) => `${f.severity} ${f.rule}`);

    it('the implicit-grant SPA: implicit grant, token in the fragment, no state, the token sent to analytics', async () => {
      const r = await record('spa', `http://127.0.0.1:${spaPort}/`, async (page) => {
        await page.waitForFunction("document.getElementById('out')?.textContent === 'signed in'");
        await page.waitForTimeout(300); // the pixel request
      });
      assert.deepEqual(mediumUp(r), [
        'high implicit-grant',
        'high token-in-url',
        'high credential-to-third-party',
        'medium state-missing',
      ]);
      assert.equal(r.input.creator.split(' ')[0], 'Playwright');
      const flow = r.flows.find((f) => f.client_id === SPA_ID)!;
      assert.deepEqual(flow.users, [emu.info.username]);
      assert.ok(flow.grants.includes('response_type=id_token token'));
      const at = r.tokens.find((t) => t.field === 'access_token')!;
      assert.match(at.verdict, /^Microsoft Graph access token/);
      assert.ok(thirdPartyHits.some((h) => h.startsWith('/pixel?page=')));
      const leak = r.findings.find((f) => f.rule === 'credential-to-third-party')!;
      assert.match(
        leak.message,
        /^GET http:\/\/analytics\.example:\d+\/pixel\?page=.* carries the access_token, id_token issued in entry \d+$/,
      );
    });

    it('the web app with a client secret and no PKCE: no PKCE, http redirect off loopback, weak state, no nonce, code leaked by Referer', async () => {
      const r = await record('webapp', `http://webapp.example:${webPort}/`, async (page) => {
        await page.waitForURL(/\/callback\?code=/);
        await page.waitForLoadState('load');
      });
      assert.deepEqual(mediumUp(r), [
        'high redirect-http',
        'high referer-leak',
        'medium nonce-missing',
        'medium pkce-missing',
        'medium state-weak',
      ]);
      assert.equal(
        r.findings.find((f) => f.rule === 'pkce-missing')!.message,
        'response_type=code without code_challenge; the code is redeemed outside this capture (a server), so it is not bound to this authorization request',
      );
      assert.ok(thirdPartyHits.some((h) => h.startsWith('/logo.png referer=') && h.includes('code=')));
    });

    it('the well-built app (PKCE S256, state, nonce, callback redirected away): nothing medium or above', async () => {
      const r = await record('good', `http://127.0.0.1:${goodPort}/`, async (page) => {
        await page.waitForURL(/\/home$/);
      });
      assert.deepEqual(mediumUp(r), []);
      assert.deepEqual(found(r), []);
      const flow = r.flows.find((f) => f.client_id === GOOD_ID)!;
      assert.deepEqual(
        flow.steps.map((s) => s.kind),
        ['authorize', 'auth-response', 'callback'],
      );
    });

    it('the CLI audits the recorded HARs: --fail-on medium exits 11 for the SPA and 0 for the well-built app; no secret printed', async () => {
      const spa = await runInProcess(['audit', join(dir, 'spa.har'), '--fail-on', 'medium']);
      assert.equal(spa.code, 11, spa.stderr);
      assert.match(
        spa.stderr,
        /^entra-token: error EFINDINGS: 4 findings at or above medium \(worst: high implicit-grant\)\n$/,
      );
      const good = await runInProcess(['audit', join(dir, 'good.har'), '--fail-on', 'medium']);
      assert.equal(good.code, 0, good.stderr);
      const har = readFileSync(join(dir, 'spa.har'), 'utf8');
      const token = /access_token=([\w.-]+)/.exec(har)![1]!;
      for (const out of [
        spa.stdout,
        (await runInProcess(['audit', join(dir, 'spa.har'), '--output', 'sarif'])).stdout,
      ]) {
        assert.ok(!out.includes(token), 'the access token is not printed');
        assert.ok(!out.includes(emu.info.password), 'the password typed on the sign-in page is not printed');
      }
    });
  },
);
