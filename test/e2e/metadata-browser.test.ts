// A web page must never get a token from the metadata service: not by a cross-origin fetch (CORS
// preflight refused), not by a simple request (no version header, and the answer is opaque), not by
// DNS rebinding (a foreign Host header). Real Chromium; every attempt is checked on the server side too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { startMetadataServer, type MetadataServer } from '../../src/io/metadata-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';

const HOST = 'https://adb-1234567890123456.7.azuredatabricks.net';
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJ4IjoxfQ.browser-must-not-see-this';

function safeMissing(): string | false {
  return chromiumMissing() ?? false;
}

describe('metadata service against a web page in real Chromium', { skip: safeMissing() }, () => {
  let server: MetadataServer;
  let attacker: Server;
  let attackerOrigin: string;
  let context: BrowserContext;
  let profile: string;
  const lines: string[] = [];

  before(async () => {
    server = await startMetadataServer({
      host: HOST,
      token: async () => ({ access_token: TOKEN, expires_at: Date.now() + 3600_000 }),
      onRequest: (l) => lines.push(l),
    });
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>attacker</title>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'entra-token-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // rebind.test resolves to 127.0.0.1, as an attacker's name would after a DNS rebinding
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
  });
  after(async () => {
    await context?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
    await new Promise((r) => attacker?.close(r));
  });

  it('a cross-origin fetch with the protocol headers fails: its preflight is refused', async () => {
    lines.length = 0;
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/`);
    const result = await page.evaluate(
      async ([url, host]) => {
        try {
          const r = await fetch(url!, {
            headers: { 'X-Databricks-Metadata-Version': '1', 'X-Databricks-Host': host! },
          });
          return `read ${r.status}: ${await r.text()}`;
        } catch (e) {
          return `blocked: ${(e as Error).name}`;
        }
      },
      [server.url, HOST],
    );
    assert.equal(result, 'blocked: TypeError');
    assert.deepEqual(lines, ['metadata request "OPTIONS" → 403 cross_origin, Origin "' + attackerOrigin + '"']);
    await page.close();
  });

  it('a no-cors request cannot add the headers, is refused, and its answer is opaque', async () => {
    lines.length = 0;
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/`);
    const result = await page.evaluate(async (url) => {
      const r = await fetch(url, { mode: 'no-cors' });
      return `${r.type} ${r.status} ${JSON.stringify(await r.text())}`;
    }, server.url);
    assert.equal(result, 'opaque 0 ""');
    assert.equal(lines.length, 1);
    // Chromium sends no Origin on a no-cors GET: the missing version header is what refuses it
    assert.deepEqual(lines, ['metadata request "GET" → 400 bad_version']);
    await page.close();
  });

  it('a page reached through a rebound name gets 421 for the document and for its same-origin fetch', async () => {
    lines.length = 0;
    const page = await context.newPage();
    const origin = `http://rebind.test:${server.port}`;
    const doc = await page.goto(`${origin}/`);
    assert.equal(doc?.status(), 421);
    const result = await page.evaluate(
      async ([path, host]) => {
        const r = await fetch(path!, { headers: { 'X-Databricks-Metadata-Version': '1', 'X-Databricks-Host': host! } });
        return `${r.status} ${await r.text()}`;
      },
      [new URL(server.url).pathname, HOST],
    );
    assert.equal(
      result,
      '421 {"error":"misdirected_request","error_description":"this server only answers to 127.0.0.1 and localhost on its port"}',
    );
    assert.ok(
      lines.every((l) => l.includes('→ 421 misdirected_request')),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => l.includes(`Host "rebind.test:${server.port}"`)));
    await page.close();
  });
});
