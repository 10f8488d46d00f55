// Attacker tests for the control API (issue 15 item 10): a web page may send "simple" cross-origin requests
// (text/plain or form bodies, no custom headers) and, through DNS rebinding, requests with a foreign Host.
// Neither may move the clock, revoke a user, arm a fault or read the request log (which holds secrets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { post, tokenUrl } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(() => emu.close());

/** A raw request with any Host header (fetch will not forge one). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const u = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

const own = () => new URL(emu.url).host;

test('a simple cross-origin POST (text/plain, form, no content type) cannot revoke, arm a fault or move the clock', async () => {
  const password = () =>
    post(tokenUrl(emu), {
      client_id: emu.info.public_client_id,
      grant_type: 'password',
      username: emu.info.username,
      password: emu.info.password,
      scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default offline_access',
    });
  const rt = (await password()).json.refresh_token as string;
  const origin = { host: own(), origin: 'https://evil.example' };
  for (const [path, body] of [
    ['/_emulator/revoke', JSON.stringify({ username: emu.info.username })],
    ['/_emulator/faults', JSON.stringify({ endpoint: '*', kind: 'drop', count: 100 })],
    ['/_emulator/clock', JSON.stringify({ advance_seconds: 100 * 86400 })],
  ] as const) {
    for (const ct of [
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const r = await raw('POST', path, { ...origin, ...(ct ? { 'content-type': ct } : {}) }, body);
      assert.equal(r.status, 403, `${path} ${ct}`);
      assert.match(r.text, /Content-Type: application\/json or an X-Emulator-Control header/);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
  }
  assert.deepEqual(emu.requests().length >= 1, true);
  // nothing happened: the refresh token still works, no fault is armed, the clock did not move
  const again = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'refresh_token',
    refresh_token: rt,
  });
  assert.equal(again.status, 200, again.text);
  const faults = await raw('GET', '/_emulator/faults', { host: own(), 'x-emulator-control': '1' });
  assert.deepEqual(JSON.parse(faults.text), { faults: [] });
});

test('a CORS preflight gets no Access-Control-Allow-* header, so a page cannot send the JSON call either', async () => {
  const r = await raw('OPTIONS', '/_emulator/revoke', {
    host: own(),
    origin: 'https://evil.example',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type',
  });
  assert.equal(r.status, 403);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(r.headers['access-control-allow-headers'], undefined);
});

test('DNS rebinding: a foreign Host cannot read the request log (which holds secrets) even with the JSON content type', async () => {
  await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
  });
  const port = new URL(emu.url).port;
  for (const host of [
    `evil.example:${port}`,
    `127.0.0.1.nip.io:${port}`,
    '127.0.0.1',
    `127.0.0.1:${Number(port) + 1}`,
  ]) {
    const r = await raw('GET', '/_emulator/requests', { host, 'content-type': 'application/json' });
    assert.equal(r.status, 403, host);
    assert.doesNotMatch(r.text, new RegExp(emu.info.client_secret.replace(/[.*+?^${}()|[\]\\~]/g, '\\$&')));
    assert.match(r.text, /Host must be the emulator's own address/);
  }
});

test("the emulator's own Host (address or localhost) with JSON or the X-Emulator-Control header is served", async () => {
  const port = new URL(emu.url).port;
  for (const host of [own(), `localhost:${port}`]) {
    const a = await raw('GET', '/_emulator/info', { host, 'content-type': 'application/json' });
    assert.equal(a.status, 200, host);
    assert.equal(JSON.parse(a.text).url, emu.url);
    const b = await raw(
      'POST',
      '/_emulator/clock',
      { host, 'x-emulator-control': '1' },
      JSON.stringify({ advance_seconds: 0 }),
    );
    assert.equal(b.status, 200, b.text);
  }
});
