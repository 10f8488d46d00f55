import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { EntraTokenError } from '../../src/core/errors.js';
import { startLoopbackListener, stateJudge, hostAllowed, type LoopbackListener } from '../../src/io/listener.js';

const STATE = 'Xy4Jm0pQe2sQ1tW7';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  path: string,
  opts: { host?: string; method?: string; address?: string; body?: string; contentType?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: opts.host ?? `localhost:${port}` };
    if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/x-www-form-urlencoded';
    const req = request(
      {
        host: opts.address ?? '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers,
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function entraError(params: URLSearchParams): Error {
  return new EntraTokenError('EAUTHORIZE', `${params.get('error')}: ${params.get('error_description') ?? ''}`, {
    hint: 'ask an admin',
  });
}

describe('loopback listener', () => {
  let listener: LoopbackListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  async function start(extra: Partial<Parameters<typeof startLoopbackListener>[0]> = {}): Promise<LoopbackListener> {
    listener = await startLoopbackListener({ judge: stateJudge(STATE, entraError), timeoutMs: 10_000, ...extra });
    return listener;
  }

  it('advertises http://localhost:PORT/ on an ephemeral port and binds 127.0.0.1 (and ::1 when the machine has it)', async () => {
    const l = await start();
    assert.equal(l.redirectUri, `http://localhost:${l.port}/`);
    assert.ok(l.port > 0);
    const bound = l.addresses().map((a) => `${a.address}:${a.port}`);
    const v6 = await hasIpv6Loopback();
    assert.deepEqual(bound, v6 ? [`127.0.0.1:${l.port}`, `::1:${l.port}`] : [`127.0.0.1:${l.port}`]);
  });

  it('resolves with the callback, serves the success page with strict headers, then closes', async () => {
    const l = await start({ path: '/callback' });
    const reply = await call(l.port, `/callback?code=0.AXEA-code&state=${STATE}&session_state=9b1d6a44`);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /Signed in/);
    assert.match(reply.body, /You may close this tab/);
    assert.match(
      String(reply.headers['content-security-policy']),
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'; script-src 'none'/,
    );
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.equal(reply.headers['referrer-policy'], 'no-referrer');
    const cb = await l.result;
    assert.equal(cb.via, 'listener');
    assert.equal(cb.params.get('code'), '0.AXEA-code');
    assert.equal(cb.url, `http://localhost:${l.port}/callback?code=0.AXEA-code&state=${STATE}&session_state=9b1d6a44`);
    await l.close();
    await assert.rejects(call(l.port, '/callback'), /ECONNREFUSED/);
  });

  it('answers on ::1 too when the machine has IPv6 loopback', async (t) => {
    if (!(await hasIpv6Loopback())) return t.skip('no ::1 on this machine');
    const l = await start();
    const reply = await call(l.port, `/?code=c6&state=${STATE}`, { address: '::1', host: `[::1]:${l.port}` });
    assert.equal(reply.status, 200);
    assert.equal((await l.result).params.get('code'), 'c6');
  });

  it('ends with the decoded error for an error callback carrying the right state', async () => {
    const l = await start();
    const q =
      'error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent+to+access+the+app.%0d%0aTrace+ID%3a+7c83' +
      `&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d65004&state=${STATE}`;
    const reply = await call(l.port, `/?${q}`);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /Sign-in failed/);
    assert.match(reply.body, /<code>access_denied<\/code>/);
    assert.match(reply.body, /AADSTS65004: User declined to consent to access the app\./);
    assert.doesNotMatch(reply.body, /Trace ID/);
    assert.match(reply.body, /Hint: ask an admin/);
    await assert.rejects(l.result, (e: EntraTokenError) => {
      assert.equal(e.code, 'EAUTHORIZE');
      assert.equal(e.message, 'access_denied: AADSTS65004: User declined to consent to access the app. Trace ID: 7c83');
      return true;
    });
  });

  it('HTML-escapes an error_description carrying markup', async () => {
    const l = await start();
    const evil = encodeURIComponent('<script>window.pwned=1</script><img src=x onerror=alert(1)>"\'');
    const reply = await call(l.port, `/?error=invalid_request&error_description=${evil}&state=${STATE}`);
    assert.doesNotMatch(reply.body, /<script>window/);
    assert.doesNotMatch(reply.body, /<img/);
    assert.match(
      reply.body,
      /&#60;script&#62;window\.pwned=1&#60;\/script&#62;&#60;img src=x onerror=alert\(1\)&#62;&#34;&#39;/,
    );
    await assert.rejects(l.result);
  });

  it('shows an error page for a wrong state, records it, and keeps waiting for the right one', async () => {
    const ignored: string[] = [];
    const l = await start({ onIgnored: (r) => ignored.push(r) });
    const wrong = await call(l.port, '/?code=stale&state=from-an-old-tab');
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /does not belong to the login in progress/);
    assert.match(wrong.body, /still waiting/);
    assert.deepEqual(ignored, ['The state in this response does not match the login in progress.']);
    const missing = await call(l.port, '/?error=access_denied');
    assert.equal(missing.status, 400);
    const good = await call(l.port, `/?code=fresh&state=${STATE}`);
    assert.equal(good.status, 200);
    assert.equal((await l.result).params.get('code'), 'fresh');
    assert.deepEqual(
      l.events().map((e) => [e.method, e.path, e.status, e.outcome]),
      [
        ['GET', '/', 400, 'ignored'],
        ['GET', '/', 400, 'ignored'],
        ['GET', '/', 200, 'accepted'],
      ],
    );
    assert.ok(!JSON.stringify(l.events()).includes('fresh'), 'events never record the code');
  });

  it('answers 404 to other paths (favicon) without ending the wait', async () => {
    const l = await start();
    const fav = await call(l.port, '/favicon.ico');
    assert.equal(fav.status, 404);
    assert.equal(fav.headers['x-content-type-options'], 'nosniff');
    const good = await call(l.port, `/?code=c1&state=${STATE}`);
    assert.equal(good.status, 200);
    assert.equal((await l.result).params.get('code'), 'c1');
  });

  it('refuses a Host that is not a loopback name with our port (DNS rebinding) without ending the wait', async () => {
    const l = await start();
    for (const host of [
      'evil.example',
      `evil.example:${l.port}`,
      'localhost',
      `localhost:${l.port + 1}`,
      `127.0.0.2:${l.port}`,
    ]) {
      const r = await call(l.port, `/?code=c&state=${STATE}`, { host });
      assert.equal(r.status, 421, host);
    }
    const ok = await call(l.port, `/?code=c2&state=${STATE}`, { host: `127.0.0.1:${l.port}` });
    assert.equal(ok.status, 200);
    assert.equal((await l.result).params.get('code'), 'c2');
  });

  it('answers 405 with Allow: GET to other methods in query mode', async () => {
    const l = await start();
    const post = await call(l.port, '/', { method: 'POST', body: `code=c&state=${STATE}` });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET');
    const head = await call(l.port, '/', { method: 'HEAD' });
    assert.equal(head.status, 405);
    const ok = await call(l.port, `/?code=c3&state=${STATE}`);
    assert.equal(ok.status, 200);
    assert.equal((await l.result).params.get('code'), 'c3');
  });

  it('accepts a form_post POST only when response_mode=form_post', async () => {
    const l = await start({ responseMode: 'form_post' });
    const get = await call(l.port, `/?code=c&state=${STATE}`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const post = await call(l.port, '/', { method: 'POST', body: `code=c4&state=${STATE}` });
    assert.equal(post.status, 200);
    const cb = await l.result;
    assert.equal(cb.params.get('code'), 'c4');
    assert.equal(cb.url, `http://localhost:${l.port}/?code=c4&state=${STATE}`);
  });

  it('times out with ETIMEOUT and closes the socket', async () => {
    const l = await start({ timeoutMs: 150 });
    await assert.rejects(l.result, (e: EntraTokenError) => {
      assert.equal(e.code, 'ETIMEOUT');
      assert.equal(e.message, 'no sign-in response arrived within 0 seconds');
      return true;
    });
    await l.close();
    await assert.rejects(call(l.port, '/'), /ECONNREFUSED/);
  });

  it('cancels with ECANCELLED when the signal aborts, closing the socket', async () => {
    const ac = new AbortController();
    const l = await start({ signal: ac.signal });
    // a keep-alive connection from the browser must not keep the port open
    await call(l.port, '/favicon.ico');
    ac.abort();
    await assert.rejects(l.result, (e: EntraTokenError) => e.code === 'ECANCELLED' && e.message === 'login cancelled');
    await l.close();
    await assert.rejects(call(l.port, '/'), /ECONNREFUSED/);
  });

  it('refuses a fixed port that is already taken with EUSAGE', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        startLoopbackListener({ port, judge: stateJudge(STATE, entraError) }),
        (e: EntraTokenError) => {
          assert.equal(e.code, 'EUSAGE');
          assert.equal(e.message, `port ${port} is already in use on 127.0.0.1`);
          return true;
        },
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('listens on a fixed free port when asked', async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const l = await start({ port });
    assert.equal(l.port, port);
    assert.equal(l.redirectUri, `http://localhost:${port}/`);
  });
});

describe('hostAllowed', () => {
  it('accepts only loopback names with the right port (bare name only on port 80)', () => {
    assert.equal(hostAllowed('localhost:8400', 8400), true);
    assert.equal(hostAllowed('LOCALHOST:8400', 8400), true);
    assert.equal(hostAllowed('127.0.0.1:8400', 8400), true);
    assert.equal(hostAllowed('[::1]:8400', 8400), true);
    assert.equal(hostAllowed('localhost', 8400), false);
    assert.equal(hostAllowed('localhost', 80), true);
    assert.equal(hostAllowed('localhost.evil.example:8400', 8400), false);
    assert.equal(hostAllowed(undefined, 8400), false);
  });
});

async function hasIpv6Loopback(): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
