import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchJwks, clearJwksCache, readJwksFile, JWKS_CACHE_MS } from '../../src/io/jwks.js';
import { EntraTokenError } from '../../src/core/errors.js';

const JWKS = { keys: [{ kty: 'RSA', kid: 'k1', use: 'sig', n: 'AQAB', e: 'AQAB' }] };
let server: Server;
let base: string;
let hits: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/t/discovery/keys') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(JWKS));
    } else if (req.url === '/html/discovery/keys') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
    } else if (req.url === '/shape/discovery/keys') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"no"}');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  clearJwksCache();
  hits = [];
});

test('fetchJwks GETs the key set once and serves it from memory for 24 h', async () => {
  let now = 1_000_000;
  const a = await fetchJwks(`${base}/t/discovery/keys`, { now: () => now });
  assert.deepEqual(a.jwks, JWKS);
  assert.equal(a.fromCache, false);
  now += JWKS_CACHE_MS - 1;
  assert.equal((await fetchJwks(`${base}/t/discovery/keys`, { now: () => now })).fromCache, true);
  assert.deepEqual(hits, ['/t/discovery/keys']);
  now += 1;
  assert.equal((await fetchJwks(`${base}/t/discovery/keys`, { now: () => now })).fromCache, false);
  assert.equal((await fetchJwks(`${base}/t/discovery/keys`, { now: () => now, refresh: true })).fromCache, false);
  assert.deepEqual(hits, ['/t/discovery/keys', '/t/discovery/keys', '/t/discovery/keys']);
});

test('fetchJwks sends GET with accept: application/json through the injected transport', async () => {
  const seen: unknown[] = [];
  await fetchJwks('https://login.microsoftonline.com/t/discovery/keys', {
    send: async (req) => {
      seen.push(req);
      return { status: 200, headers: {}, body: JSON.stringify(JWKS) };
    },
  });
  assert.deepEqual(seen, [
    {
      method: 'GET',
      url: 'https://login.microsoftonline.com/t/discovery/keys',
      headers: { accept: 'application/json' },
      idempotent: true,
    },
  ]);
});

test('a 404, an HTML page or a body that is not a JWKS is EBAD_RESPONSE with the URL', async () => {
  const code = async (path: string) => {
    try {
      await fetchJwks(`${base}${path}`);
    } catch (e) {
      assert.ok(e instanceof EntraTokenError);
      return `${e.code} ${e.message}`;
    }
    return 'no error';
  };
  assert.equal(
    await code('/nope/discovery/keys'),
    `EBAD_RESPONSE the JWKS endpoint ${base}/nope/discovery/keys answered HTTP 404 (application/json): {"error":"not_found"}`,
  );
  assert.equal(
    await code('/html/discovery/keys'),
    `EBAD_RESPONSE the JWKS endpoint ${base}/html/discovery/keys did not answer JSON (HTTP 200, text/html): <html>sign in</html>`,
  );
  assert.equal(
    await code('/shape/discovery/keys'),
    `EBAD_RESPONSE the answer of ${base}/shape/discovery/keys is not a JWKS: expected a JSON object with a "keys" array`,
  );
});

test('readJwksFile reads a JWKS file and refuses missing, non-JSON and wrong-shape files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(JWKS));
  writeFileSync(join(dir, 'bad.json'), 'nope');
  writeFileSync(join(dir, 'shape.json'), '[]');
  assert.deepEqual(await readJwksFile(join(dir, 'ok.json')), JWKS);
  await assert.rejects(readJwksFile(join(dir, 'missing.json')), {
    code: 'EBAD_INPUT',
    message: `cannot read --jwks ${join(dir, 'missing.json')}: ENOENT`,
  });
  await assert.rejects(readJwksFile(join(dir, 'bad.json')), {
    code: 'EBAD_INPUT',
    message: `--jwks ${join(dir, 'bad.json')} is not JSON`,
  });
  await assert.rejects(readJwksFile(join(dir, 'shape.json')), {
    code: 'EBAD_INPUT',
    message: `--jwks ${join(dir, 'shape.json')} is not a JWKS: expected a JSON object with a "keys" array`,
  });
});
