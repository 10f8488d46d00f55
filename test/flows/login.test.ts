import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loopbackRedirect } from '../../src/flows/login.js';
import type { EntraTokenError } from '../../src/core/errors.js';

describe('loopbackRedirect', () => {
  it('defaults to http://localhost, advertised without a path, on an ephemeral port', () => {
    assert.deepEqual(loopbackRedirect(undefined, undefined), { host: 'localhost', path: '/', port: 0, bare: true });
  });
  it('keeps the registered path and takes a fixed port from the URI or --port', () => {
    assert.deepEqual(loopbackRedirect('http://localhost:8400/callback', undefined), {
      host: 'localhost',
      path: '/callback',
      port: 8400,
      bare: false,
    });
    assert.deepEqual(loopbackRedirect('http://127.0.0.1/', 9000), {
      host: '127.0.0.1',
      path: '/',
      port: 9000,
      bare: false,
    });
    assert.deepEqual(loopbackRedirect('http://[::1]:8400', undefined), {
      host: '[::1]',
      path: '/',
      port: 8400,
      bare: true,
    });
  });
  it('refuses https, other hosts, a query, and a conflicting --port with EUSAGE', () => {
    for (const [uri, port] of [
      ['https://localhost', undefined],
      ['http://localhost.evil.example', undefined],
      ['http://localhost/?x=1', undefined],
      ['http://localhost:1', 2],
    ] as const) {
      assert.throws(
        () => loopbackRedirect(uri, port),
        (e: EntraTokenError) => e.code === 'EUSAGE',
        uri,
      );
    }
  });
});

describe('login() options use the wire spelling, as every other flow does', () => {
  it('redirect_uri and response_mode: form_post reach the listener; the result names redirect_uri', async () => {
    const { startEmulator } = await import('../../src/emulator/index.js');
    const { login } = await import('../../src/flows/login.js');
    const { createHttpClient } = await import('../../src/io/http.js');
    const { resolveAuthority } = await import('../../src/core/authority.js');
    const emu = await startEmulator({ autoApprove: true });
    const http = createHttpClient({ env: {} });
    try {
      const unescape = (v: string) =>
        v
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&');
      const result = await login(
        {
          authority: resolveAuthority({ authority: emu.info.authority }),
          client_id: emu.info.public_client_id,
          scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'offline_access'],
          redirect_uri: 'http://localhost',
          response_mode: 'form_post',
        },
        {
          // the browser: sign in (auto-approved), then post the form the provider answers to the listener
          openBrowser: async (url) => {
            const html = await (await fetch(url)).text();
            const action = unescape(/action="([^"]+)"/.exec(html)![1]!);
            const form = new URLSearchParams(
              [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [
                unescape(m[1]!),
                unescape(m[2]!),
              ]),
            );
            void fetch(action, { method: 'POST', body: form });
            return { opened: true, command: 'test', via: 'test' };
          },
        },
        { http, now: () => Date.now() },
      );
      assert.match(result.redirect_uri, /^http:\/\/localhost:\d+$/);
      assert.equal(new URL(result.authorizeUrl).searchParams.get('response_mode'), 'form_post');
      assert.equal(new URL(result.authorizeUrl).searchParams.get('redirect_uri'), result.redirect_uri);
      assert.match(result.tokens.access_token, /^eyJ/);
    } finally {
      await http.close();
      await emu.close();
    }
  });
});
