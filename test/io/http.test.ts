/**
 * io/http.ts under network faults, against loopback servers that stall, reset or refuse: timeouts,
 * bounded jittered retries honouring Retry-After, and never re-sending a token POST of unknown outcome.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createHttpClient, retryAfterMs, type RetryPolicy } from '../../src/io/http.js';
import { formPost, type WireRequest } from '../../src/core/wire.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { Trace } from '../../src/io/trace.js';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
let server: Server;
let base: string;
let handler: Handler = (_q, res) => res.end('ok');
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res, ++hits));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function serve(h: Handler): void {
  hits = 0;
  handler = h;
}

const POLICY: RetryPolicy = { maxAttempts: 3, maxTotalMs: 30_000, baseDelayMs: 300, maxDelayMs: 5_000 };

/** A client whose sleeps are recorded, not waited for. */
function client(opts: { timeoutMs?: number; connectTimeoutMs?: number; retry?: RetryPolicy; now?: () => number } = {}) {
  const sleeps: number[] = [];
  const http = createHttpClient({
    env: {},
    retry: opts.retry ?? POLICY,
    timeoutMs: opts.timeoutMs ?? 2_000,
    connectTimeoutMs: opts.connectTimeoutMs ?? 2_000,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { http, sleeps };
}

const get = (path = '/x'): WireRequest => ({ method: 'GET', url: `${base}${path}`, headers: {}, idempotent: true });
const tokenPost = (): WireRequest =>
  formPost(`${base}/tenant/oauth2/v2.0/token`, [
    ['grant_type', 'authorization_code'],
    ['code', 'c0de'],
  ]);

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<EntraTokenError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EntraTokenError, `not an EntraTokenError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

// ------------------------------------------------------------------ timeouts

test('headers timeout: a server that accepts and never answers → ETIMEOUT after the bounded GET retries', async () => {
  serve(() => {}); // never answers
  const { http, sleeps } = client({ timeoutMs: 150 });
  const started = Date.now();
  const e = await rejects(http.send(get()), 'ETIMEOUT', /did not answer within/);
  assert.equal(e.exitCode, 6);
  assert.equal(hits, 3, 'three attempts, then stop');
  assert.deepEqual(sleeps, [225, 450], 'jittered exponential backoff: base/2 + random·base/2');
  // undici's timers tick at about one second, so 150 ms means "within about a second" per attempt
  assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
  await http.close();
});

test('body timeout: headers then a stalled body → ETIMEOUT for a GET, EOUTCOME_UNKNOWN for a token POST (sent once)', async () => {
  serve((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"access_token":"eyJ'); // and then nothing
  });
  const { http } = client({ timeoutMs: 150, retry: { ...POLICY, maxAttempts: 2 } });
  await rejects(http.send(get()), 'ETIMEOUT');
  assert.equal(hits, 2);
  hits = 0;
  const e = await rejects(
    http.send(tokenPost()),
    'EOUTCOME_UNKNOWN',
    /was sent but no answer came in time; its outcome is unknown, so it was not retried/,
  );
  assert.equal(hits, 1, 'a token POST of unknown outcome is never re-sent');
  assert.match(e.hint ?? '', /authorization code can be redeemed only once.*refresh token may have rotated/);
  await http.close();
});

test('a token POST whose answer never comes (headers timeout) → EOUTCOME_UNKNOWN exit 6, sent exactly once', async () => {
  serve(() => {});
  const { http } = client({ timeoutMs: 150 });
  const e = await rejects(http.send(tokenPost()), 'EOUTCOME_UNKNOWN');
  assert.equal(e.exitCode, 6);
  assert.equal(hits, 1);
  await http.close();
});

test('connect timeout: a listener whose accept queue is full → ETIMEOUT "could not connect … within", and a POST is retried (it was never sent)', async (t) => {
  // A python listener that never accepts, its backlog filled, so further SYNs go unanswered.
  let py: ChildProcess | undefined;
  const fillers: Socket[] = [];
  try {
    py = spawn(
      'python3',
      [
        '-c',
        'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch {
    return t.skip('python3 not available');
  }
  const port = await new Promise<number | undefined>((resolve) => {
    py!.once('error', () => resolve(undefined));
    py!.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  if (!port) return t.skip('python3 not available');
  try {
    for (let i = 0; i < 4; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const { http, sleeps } = client({ connectTimeoutMs: 200, retry: { ...POLICY, maxAttempts: 2 } });
    const req = { ...tokenPost(), url: `http://127.0.0.1:${port}/t/oauth2/v2.0/token` };
    const e = await rejects(http.send(req), 'ETIMEOUT', /could not connect to 127\.0\.0\.1:\d+ within 0\.2 s/);
    assert.equal(e.exitCode, 6);
    assert.equal(sleeps.length, 1, 'a POST that never connected is safe to re-send');
    await http.close();
  } finally {
    for (const s of fillers) s.destroy();
    py.kill();
  }
});

test('connection refused → ENETWORK with a proxy hint; a token POST is retried because nothing was sent', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  const { http, sleeps } = client();
  const e = await rejects(
    http.send({ ...tokenPost(), url: `http://127.0.0.1:${port}/t/oauth2/v2.0/token` }),
    'ENETWORK',
    /could not connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
  );
  assert.match(e.hint ?? '', /HTTPS_PROXY/);
  assert.equal(sleeps.length, 2, 'three attempts');
  await http.close();
});

// ------------------------------------------------------------------ resets

test('connection reset after the request: a GET is retried and succeeds; a token POST → EOUTCOME_UNKNOWN, sent once', async () => {
  serve((req, res, n) => {
    if (n === 1) {
      req.socket.destroy();
      return;
    }
    res.end('{"ok":true}');
  });
  const { http, sleeps } = client();
  const r = await http.send(get());
  assert.equal(r.status, 200);
  assert.equal(hits, 2);
  assert.equal(sleeps.length, 1);
  serve((req) => req.socket.destroy());
  const trace = new Trace();
  const e = await rejects(
    http.send(tokenPost(), { trace }),
    'EOUTCOME_UNKNOWN',
    /the connection failed \(\w+\); its outcome is unknown/,
  );
  assert.equal(hits, 1);
  const ex = trace.events.filter((x) => x.type === 'exchange');
  assert.equal(ex.length, 1);
  assert.equal((ex[0] as { error?: { code: string } }).error?.code, 'EOUTCOME_UNKNOWN');
  assert.match(e.hint ?? '', /start the sign-in again/);
  await http.close();
});

// ------------------------------------------------------------------ statuses and Retry-After

for (const status of [429, 500, 502, 503, 504]) {
  test(`GET answered ${status} then 200 → retried once and succeeds`, async () => {
    serve((_q, res, n) => {
      res.writeHead(n === 1 ? status : 200);
      res.end(n === 1 ? 'busy' : 'fine');
    });
    const { http, sleeps } = client();
    const r = await http.send(get());
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fine');
    assert.equal(hits, 2);
    assert.deepEqual(sleeps, [225]);
    await http.close();
  });
}

for (const [status, retried] of [
  [429, true],
  [503, true],
  [500, false],
  [502, false],
  [504, false],
] as const) {
  test(`token POST answered ${status} → ${retried ? 're-sent (the server said it did not process it)' : 'not re-sent (the server may have processed it)'}`, async () => {
    serve((_q, res) => {
      res.writeHead(status, { 'retry-after': '0', 'content-type': 'application/json' });
      res.end('{"error":"temporarily_unavailable"}');
    });
    const { http } = client();
    const r = await http.send(tokenPost());
    assert.equal(r.status, status, 'the last answer is returned for the caller to map');
    assert.equal(hits, retried ? 3 : 1);
    await http.close();
  });
}

test('Retry-After in seconds is honoured instead of the backoff', async () => {
  serve((_q, res, n) => {
    res.writeHead(n < 3 ? 429 : 200, n < 3 ? { 'retry-after': '7' } : {});
    res.end();
  });
  const { http, sleeps } = client();
  const trace = new Trace();
  assert.equal((await http.send(get(), { trace })).status, 200);
  assert.deepEqual(sleeps, [7000, 7000]);
  const notes = trace.events.filter((e) => e.type === 'note').map((e) => (e as { text: string }).text);
  assert.match(notes[0]!, /retrying GET 127\.0\.0\.1:\d+ in 7\.0 s \(attempt 2 of 3, as Retry-After asks\)/);
  await http.close();
});

test('Retry-After as an HTTP date is honoured relative to the injected clock', async () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  serve((_q, res, n) => {
    res.writeHead(n === 1 ? 503 : 200, n === 1 ? { 'retry-after': 'Wed, 21 Oct 2015 07:28:04 GMT' } : {});
    res.end();
  });
  const { http, sleeps } = client({ now: () => now });
  assert.equal((await http.send(get())).status, 200);
  assert.deepEqual(sleeps, [4000]);
  await http.close();
});

test('Retry-After that would exceed the total time budget stops the retries and returns the 429', async () => {
  serve((_q, res) => {
    res.writeHead(429, { 'retry-after': '3600' });
    res.end();
  });
  const { http, sleeps } = client();
  assert.equal((await http.send(get())).status, 429);
  assert.equal(hits, 1);
  assert.deepEqual(sleeps, []);
  await http.close();
});

test('retries are bounded in attempts: always 503 → three requests, then the 503 is returned', async () => {
  serve((_q, res) => {
    res.writeHead(503);
    res.end();
  });
  const { http, sleeps } = client();
  assert.equal((await http.send(get())).status, 503);
  assert.equal(hits, 3);
  assert.deepEqual(sleeps, [225, 450]);
  await http.close();
});

test('retries are bounded in total time: backoff stops once the budget would be spent', async () => {
  serve((_q, res) => {
    res.writeHead(503);
    res.end();
  });
  const { http, sleeps } = client({
    retry: { maxAttempts: 10, maxTotalMs: 1_000, baseDelayMs: 300, maxDelayMs: 5_000 },
    now: () => 0, // a frozen clock: the attempts' own few ms on a loaded machine must not count
  });
  assert.equal((await http.send(get())).status, 503);
  // the clock does not move while sleeps are recorded, so only delays that alone fit the budget happen
  assert.deepEqual(sleeps, [225, 450, 900]);
  assert.equal(hits, 4);
  await http.close();
});

test('retryAfterMs reads delta-seconds and HTTP dates and ignores anything else (no 2001 dates from "1.5")', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(retryAfterMs('2', now), 2000);
  assert.equal(retryAfterMs(' 2 ', now), 2000);
  assert.equal(retryAfterMs('Mon, 01 Jan 2024 00:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Sun, 31 Dec 2023 00:00:00 GMT', now), 0, 'a date in the past means now');
  for (const v of ['1.5', '-1', 'soon', '', '0x10', '1e3']) assert.equal(retryAfterMs(v, now), undefined, v);
});

test('a cancelled signal stops a retry wait with ECANCELLED exit 130', async () => {
  serve((_q, res) => {
    res.writeHead(503, { 'retry-after': '30' });
    res.end();
  });
  const http = createHttpClient({ env: {}, retry: { ...POLICY, maxTotalMs: 60_000 } });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const e = await rejects(http.send(get(), { signal: ac.signal }), 'ECANCELLED');
  assert.equal(e.exitCode, 130);
  await http.close();
});
