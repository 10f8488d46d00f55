/**
 * Issue 15, items 7, 8 and 9 (CONNECT): a hostile server or proxy on 127.0.0.1 tries to hold a command
 * forever, to exhaust its memory, or to make it misreport what happened. Each test runs the real CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess, type CliRun } from '../helpers/cli.js';

const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
let root: string;
const servers: Array<Server | TcpServer> = [];
const sockets = new Set<Socket>();
before(() => {
  root = mkdtempSync(join(tmpdir(), 'entra-net-attack-'));
});
after(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(root, { recursive: true, force: true });
});

async function listen<T extends Server | TcpServer>(s: T): Promise<number> {
  s.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** client-credentials against `authority`, with a hard stop so a hang fails the test instead of stalling it. */
async function clientCredentials(authority: string, extraEnv: Record<string, string> = {}, timeout = '3') {
  const d = mkdtempSync(join(root, 'd-'));
  const started = Date.now();
  const ac = new AbortController();
  const hardStop = setTimeout(() => ac.abort(), 25_000);
  const r: CliRun = await runInProcess(
    [
      '--http-timeout',
      timeout,
      'client-credentials',
      '--authority',
      authority,
      '--client-id',
      '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
      '-o',
      'token',
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: 'Abc8Q~a-client-secret-for-the-hostile-test-01',
        ENTRA_TOKEN_CACHE_DIR: join(d, 'c'),
        ENTRA_TOKEN_STATE_DIR: join(d, 's'),
        ...extraEnv,
      },
      signal: ac.signal,
    },
  );
  clearTimeout(hardStop);
  return { ...r, ms: Date.now() - started };
}

test(
  'item 7: a token endpoint dripping one byte every 1.5 s cannot hold --http-timeout 3 past its deadline',
  { timeout: 40_000 },
  async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 1_500);
        res.on('close', () => clearInterval(t));
      }),
    );
    const r = await clientCredentials(`http://127.0.0.1:${port}/${TENANT}`);
    assert.equal(r.code, 6, r.stderr);
    assert.match(
      r.stderr,
      /entra-token: error EOUTCOME_UNKNOWN: POST 127\.0\.0\.1:\d+ was sent but no answer came in time/,
    );
    assert.ok(r.ms < 9_000, `held for ${r.ms} ms`);
  },
);

/** A proxy that does something nasty with CONNECT. */
async function proxy(behaviour: 'stall' | 'close' | 'reset' | '407'): Promise<string> {
  const port = await listen(
    createTcpServer((sock) => {
      sock.on('error', () => {});
      sock.once('data', () => {
        if (behaviour === 'close') sock.end();
        if (behaviour === 'reset') sock.resetAndDestroy();
        if (behaviour === '407')
          sock.end(
            'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
          );
      });
    }),
  );
  return `http://127.0.0.1:${port}`;
}

test(
  'item 7: a proxy that stalls or closes at CONNECT ends within --http-timeout, saying nothing was sent',
  { timeout: 40_000 },
  async () => {
    for (const behaviour of ['stall', 'close'] as const) {
      const p = await proxy(behaviour);
      const r = await clientCredentials(`http://127.0.0.1:9/${TENANT}`, { HTTP_PROXY: p, HTTPS_PROXY: p }, '2');
      assert.equal(r.code, 6, `${behaviour}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /entra-token: error ETIMEOUT: could not reach 127\.0\.0\.1:9 within 2 s \(the connection or the proxy tunnel was not ready\); nothing was sent/,
        behaviour,
      );
      // attempts are retried (nothing was sent), each bounded: three of 2 s plus backoff
      assert.ok(r.ms < 12_000, `${behaviour}: held for ${r.ms} ms`);
    }
  },
);

test(
  'item 9: a 407 at CONNECT is a proxy refusal (ENETWORK, exit 6, with the fix), not a cancellation (exit 130)',
  { timeout: 40_000 },
  async () => {
    const p = await proxy('407');
    const r = await clientCredentials(`http://127.0.0.1:9/${TENANT}`, { HTTP_PROXY: p, HTTPS_PROXY: p });
    assert.equal(r.code, 6, r.stderr);
    assert.match(
      r.stderr,
      /entra-token: error ENETWORK: the proxy refused the tunnel to 127\.0\.0\.1:9 \(HTTP 407 Proxy Authentication Required\); nothing was sent to 127\.0\.0\.1:9\nhint: the proxy wants credentials/,
    );
  },
);

test(
  'item 9: a reset at CONNECT is "nothing was sent" (the POST may be retried), not "POST was sent, outcome unknown"',
  { timeout: 40_000 },
  async () => {
    const p = await proxy('reset');
    const r = await clientCredentials(`http://127.0.0.1:9/${TENANT}`, { HTTP_PROXY: p, HTTPS_PROXY: p });
    assert.equal(r.code, 6, r.stderr);
    assert.doesNotMatch(r.stderr, /EOUTCOME_UNKNOWN|was sent but/);
    assert.match(
      r.stderr,
      /entra-token: error ENETWORK: could not connect to 127\.0\.0\.1:9 \(ECONNRESET\); nothing was sent/,
    );
  },
);

test(
  'item 8: a 400 MB token response is refused after 16 MiB (EBAD_RESPONSE), without reading the rest',
  { timeout: 40_000 },
  async () => {
    let written = 0;
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        const pump = () => {
          while (written < 400 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (written = Math.min(written, written)));
        res.write('{"access_token":"');
        pump();
      }),
    );
    const before = process.memoryUsage().rss;
    const r = await clientCredentials(`http://127.0.0.1:${port}/${TENANT}`, {}, '20');
    assert.equal(r.code, 6, r.stderr);
    assert.match(
      r.stderr,
      /entra-token: error EBAD_RESPONSE: the answer of 127\.0\.0\.1:\d+ is larger than 16 MiB; refused/,
    );
    assert.ok(written < 100 * 1024 * 1024, `the server got to write ${written >> 20} MiB`);
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'memory grew by more than 200 MB');
  },
);

test(
  'item 8: a Graph that hands out @odata.nextLink forever is stopped at 100,000 users with one clear line, not followed until memory runs out',
  { timeout: 120_000 },
  async () => {
    let pages = 0;
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        pages++;
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const n = Number(url.searchParams.get('$skiptoken') ?? '0');
        const value = Array.from({ length: 999 }, (_, i) => ({
          id: `${n}-${i}`,
          displayName: 'x'.repeat(100),
          userPrincipalName: `u${n}-${i}@contoso.com`,
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ value, '@odata.nextLink': `http://127.0.0.1:${port}/v1.0/users?$skiptoken=${n + 1}` }),
        );
      }),
    );
    const d = mkdtempSync(join(root, 'g-'));
    const ac = new AbortController();
    const hardStop = setTimeout(() => ac.abort(), 100_000);
    const r = await runInProcess(
      [
        'graph',
        'users',
        'list',
        '--graph-url',
        `http://127.0.0.1:${port}`,
        '--token-stdin',
        '--skip-token-checks',
        '--output',
        'json',
      ],
      {
        stdin: 'an-opaque-access-token-for-the-hostile-graph',
        env: { ENTRA_TOKEN_CACHE_DIR: join(d, 'c'), ENTRA_TOKEN_STATE_DIR: join(d, 's') },
        signal: ac.signal,
      },
    );
    clearTimeout(hardStop);
    assert.equal(r.code, 6, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr.split('\n').find((l) => l.startsWith('entra-token: error')),
      'entra-token: error EBAD_RESPONSE: Graph kept paging past 100000 users; stopping',
    );
    assert.match(r.stderr, /^hint: to read a directory this large, give --top, the number of users to read$/m);
    assert.equal(pages, 101, 'the pages fetched: 100,000 users at 999 a page, and the one that passes the limit');
  },
);

test(
  'item 8: a token answer nested 100,000 levels deep still gives the tokens under --trace and --har (the trace shows it as text), never EINTERNAL or EOUTCOME_UNKNOWN',
  { timeout: 60_000 },
  async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const accessToken = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiIyZmY4MTRhNiJ9.c2ln';
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"token_type":"Bearer","expires_in":3599,"access_token":"${accessToken}","x":${deep}}`);
      }),
    );
    const d = mkdtempSync(join(root, 'deep-'));
    const r = await runInProcess(
      [
        '--trace',
        '--har',
        join(d, 't.har'),
        'client-credentials',
        '--authority',
        `http://127.0.0.1:${port}/${TENANT}`,
        '--client-id',
        '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
        '-o',
        'token',
      ],
      {
        env: {
          AZURE_CLIENT_SECRET: 'Abc8Q~a-client-secret-for-the-hostile-test-01',
          ENTRA_TOKEN_CACHE_DIR: join(d, 'c'),
          ENTRA_TOKEN_STATE_DIR: join(d, 's'),
        },
      },
    );
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.equal(r.stdout, `${accessToken}\n`);
    assert.doesNotMatch(r.stderr, /EINTERNAL|EOUTCOME_UNKNOWN|Maximum call stack/);
  },
);
