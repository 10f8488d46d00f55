/**
 * `entra-token login --issuer` end to end with another OpenID provider: the built CLI as a child process,
 * panva's oidc-provider with a real sign-in form in headless Chromium, the redirect (query or form_post)
 * to the CLI's loopback listener, and the id token checked against the discovered issuer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { chromiumMissing, launchChromium, type Chromium } from '../helpers/chromium.js';
import { ensureBuilt, runCli, type Child } from '../helpers/login-child.js';
import { API, CLIENTS, startOidcProvider, type RunningProvider } from '../helpers/oidc-provider.js';

const AUTHORIZE = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m;

describe(
  'login --issuer in real Chromium against oidc-provider',
  { skip: chromiumMissing() ?? false, timeout: 120_000 },
  () => {
    let op: RunningProvider;
    let browser: Chromium;
    const children: Child[] = [];

    before(async () => {
      ensureBuilt();
      op = await startOidcProvider({ form: true });
      browser = await launchChromium();
    });
    after(async () => {
      for (const c of children) c.kill();
      await browser?.close();
      await op?.close();
    });

    for (const mode of ['query', 'form_post'] as const) {
      it(`signs bob in through the provider's form (response_mode=${mode}); the CLI prints his checked tokens`, async () => {
        await browser.context.clearCookies();
        const child = runCli([
          'login',
          '--no-browser',
          '--issuer',
          op.issuer,
          '--client-id',
          CLIENTS.public,
          '--scope',
          'openid email offline_access api:read',
          '--response-mode',
          mode,
          '--output',
          'json',
        ]);
        children.push(child);
        const url = (await child.waitStderr(AUTHORIZE))[1]!;
        const authorize = new URL(url);
        assert.equal(authorize.searchParams.get('prompt'), 'consent');
        assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(authorize.searchParams.get('response_mode'), mode);
        const page = await browser.context.newPage();
        await page.goto(url);
        await page.fill('#login', 'bob');
        await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+\//), page.click('#sign-in')]);
        assert.equal(await page.title(), 'Signed in — entra-token');
        const code = await child.exit;
        assert.equal(code, 0, child.stderr());
        const out = JSON.parse(child.stdout()) as { access_token: string; id_token: string; refresh_token?: string };
        assert.equal(decodeJwt(out.id_token).sub, 'bob');
        assert.equal(decodeJwt(out.id_token).iss, op.issuer);
        assert.equal(decodeJwt(out.access_token).aud, API);
        assert.ok(out.refresh_token);
        assert.doesNotMatch(child.stderr(), /Entra/, 'no word of Entra for another provider');
        await page.close();
      });
    }
  },
);
