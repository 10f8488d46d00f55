import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { aadsts, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(() => emu.close());

const cc = () =>
  post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
  });
const ctl = (method: string, path: string, body?: unknown) =>
  fetch(`${emu.url}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

test('GET /_emulator/requests lists requests in order with method, path, query, headers and form fields; DELETE clears', async () => {
  await ctl('DELETE', 'requests');
  await get(`${emu.info.authority}/v2.0/.well-known/openid-configuration?x=1`);
  await cc();
  const r = (await (await ctl('GET', 'requests')).json()) as { requests: Array<Record<string, unknown>> };
  assert.equal(r.requests.length, 2);
  const [a, b] = r.requests as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(a.method, 'GET');
  assert.equal(a.path, `/${emu.info.tenant_id}/v2.0/.well-known/openid-configuration`);
  assert.deepEqual(a.query, { x: '1' });
  assert.equal(a.status, 200);
  assert.equal(b.method, 'POST');
  assert.deepEqual(b.form, {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
  });
  assert.equal(
    (b.headers as Record<string, string>)['content-type'],
    'application/x-www-form-urlencoded;charset=UTF-8',
  );
  assert.ok((b.seq as number) > (a.seq as number));
  assert.equal(emu.requests().length, 2);
  assert.equal((await ctl('DELETE', 'requests')).status, 204);
  assert.equal(emu.requests().length, 0);
});

test('an aadsts fault answers the right error, status and body for the code, for count requests only', async () => {
  const f = await ctl('POST', 'faults', { endpoint: 'token', count: 2, kind: 'aadsts', code: 50076 });
  assert.equal(f.status, 201);
  for (let i = 0; i < 2; i++) {
    const r = await cc();
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'interaction_required');
    assert.equal(aadsts(r.json), 50076);
    assert.equal(r.json.suberror, 'basic_action');
  }
  assert.equal((await cc()).status, 200);
  emu.fault({ endpoint: 'token', kind: 'aadsts', code: 7000215 });
  const r = await cc();
  assert.equal(r.status, 401);
  assert.equal(r.json.error, 'invalid_client');
});

test('a status fault answers that status with Retry-After', async () => {
  emu.fault({ endpoint: 'token', kind: 'status', status: 429, retry_after: 7 });
  const r = await cc();
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.equal(r.json.error, 'temporarily_unavailable');
  emu.fault({ endpoint: 'token', kind: 'status', status: 503, retry_after: 'Wed, 21 Oct 2015 07:28:00 GMT' });
  const s = await cc();
  assert.equal(s.status, 503);
  assert.equal(s.headers.get('retry-after'), 'Wed, 21 Oct 2015 07:28:00 GMT');
});

test('a delay fault delays, then answers normally', async () => {
  emu.fault({ endpoint: 'discovery', kind: 'delay', ms: 300 });
  const t0 = Date.now();
  const r = await get(`${emu.info.authority}/v2.0/.well-known/openid-configuration`);
  assert.ok(Date.now() - t0 >= 290);
  assert.equal(r.status, 200);
});

test('html, malformed and drop faults', async () => {
  emu.fault({ endpoint: 'jwks', kind: 'html' });
  const h = await get(emu.info.jwks_uri);
  assert.equal(h.status, 502);
  assert.equal(h.headers.get('content-type'), 'text/html');
  assert.match(h.text, /<title>502 Bad Gateway<\/title>/);
  emu.fault({ endpoint: 'token', kind: 'malformed' });
  const m = await cc();
  assert.equal(m.status, 200);
  assert.equal(m.text, '{"token_type":"Bearer","expires_in":35');
  emu.fault({ endpoint: 'token', kind: 'drop' });
  await assert.rejects(cc());
  assert.equal((await cc()).status, 200);
});

test('a * fault hits whatever endpoint comes next; an authorize aadsts fault is redirected to the registered redirect URI', async () => {
  emu.fault({ endpoint: '*', kind: 'status', status: 500 });
  assert.equal((await get(emu.info.jwks_uri)).status, 500);
  emu.fault({ endpoint: 'authorize', kind: 'aadsts', code: 65004 });
  const r = await get(
    `${emu.info.authority}/oauth2/v2.0/authorize?client_id=${emu.info.public_client_id}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8400&scope=openid&state=s`,
  );
  assert.equal(r.status, 302);
  const q = new URL(r.headers.get('location')!).searchParams;
  assert.equal(q.get('error'), 'access_denied');
  assert.match(q.get('error_description')!, /^AADSTS65004: /);
  assert.equal(q.get('state'), 's');
  emu.fault({ endpoint: 'devicecode', kind: 'aadsts', code: 700016 });
  const d = await post(`${emu.info.authority}/oauth2/v2.0/devicecode`, {
    client_id: emu.info.public_client_id,
    scope: DATABRICKS_SCOPE,
  });
  assert.equal(d.json.error, 'unauthorized_client');
});

test('bad fault specs are refused with 400 and a message; GET lists and DELETE clears faults', async () => {
  const bad = await ctl('POST', 'faults', { endpoint: 'token', kind: 'aadsts', code: 1 });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^fault\.code must be a known AADSTS code/);
  assert.equal((await ctl('POST', 'faults', { endpoint: 'token', kind: 'explode' })).status, 400);
  await ctl('POST', 'faults', { endpoint: 'jwks', kind: 'drop', count: 3 });
  const list = (await (await ctl('GET', 'faults')).json()) as { faults: Array<Record<string, unknown>> };
  assert.equal(list.faults.length, 1);
  assert.equal(list.faults[0]!.remaining, 3);
  assert.equal((await ctl('DELETE', 'faults')).status, 204);
  assert.equal((await get(emu.info.jwks_uri)).status, 200);
});

test('POST /_emulator/clock advances the clock; /_emulator/devicecode rejects unknown codes; /_emulator/info is the info', async () => {
  const before = Date.now();
  const c = (await (await ctl('POST', 'clock', { advance_seconds: 3600 })).json()) as { now: string };
  assert.ok(Date.parse(c.now) >= before + 3600_000);
  await ctl('POST', 'clock', { advance_seconds: -3600 });
  assert.equal((await ctl('POST', 'clock', { advance_seconds: 'x' })).status, 400);
  const d = await ctl('POST', 'devicecode', { user_code: 'NOPE12345', action: 'approve' });
  assert.equal(d.status, 404);
  assert.deepEqual(await (await ctl('GET', 'info')).json(), JSON.parse(JSON.stringify(emu.info)));
});

test('control requests are not recorded', async () => {
  await ctl('DELETE', 'requests');
  await ctl('GET', 'faults');
  assert.equal(emu.requests().length, 0);
});

test('a request body over 1 MiB is refused', async () => {
  const status = await new Promise<number>((resolve) => {
    const req = request(
      `${tokenUrl(emu)}`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => resolve(res.statusCode ?? 0),
    );
    req.on('error', () => resolve(-1));
    req.end(Buffer.alloc(1024 * 1024 + 10, 'a'));
  });
  assert.ok(status === 413 || status === -1, String(status));
});
