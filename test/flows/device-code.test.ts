import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../src/emulator/index.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { EntraOAuthError, EntraTokenError } from '../../src/core/errors.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { deviceCodeTokens } from '../../src/flows/device-code.js';
import type { DeviceAuthorization } from '../../src/core/device-code.js';
import { LIBRARY_FORM, LIBRARY_KEYS } from '../helpers/platform.js';

type Emu = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emu;
let slow: Emu;
let http: HttpClient;
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const SCOPES = [DBX, 'openid', 'profile', 'offline_access'];

before(async () => {
  emu = await startEmulator();
  slow = await startEmulator({ deviceSlowDown: true });
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await emu.close();
  await slow.close();
});

function run(
  e: Emu,
  script: (n: number, d: DeviceAuthorization) => void,
  extra: { now?: () => number; signal?: AbortSignal; v1?: boolean } = {},
) {
  let device!: DeviceAuthorization;
  const sleeps: number[] = [];
  const result = deviceCodeTokens(
    {
      authority: resolveAuthority({ authority: e.info.authority }),
      client_id: e.info.public_client_id,
      scopes: SCOPES,
      v1Resource: extra.v1 ? '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' : undefined,
      onPrompt: (d) => (device = d),
    },
    {
      http,
      now: extra.now ?? Date.now,
      signal: extra.signal,
      sleep: async (ms) => {
        sleeps.push(ms);
        script(sleeps.length, device);
      },
    },
  );
  return { result, sleeps, device: () => device };
}

test('device code: §4.1 request fields, pending polls, then tokens after approval', async () => {
  emu.clearRequests();
  const r = run(emu, (n, d) => n === 3 && emu.approveDeviceCode(d.user_code, 'approve'));
  const out = await r.result;
  assert.deepEqual(r.sleeps, [5000, 5000, 5000]);
  assert.equal(out.idToken?.preferred_username, emu.info.username);
  assert.match(
    out.device.message,
    new RegExp(
      `^To sign in, use a web browser to open the page ${emu.info.url}/devicelogin and enter the code ${out.device.user_code} to authenticate\\.$`,
    ),
  );
  const reqs = emu.requests().filter((q) => q.server === 'entra');
  assert.equal(reqs[0]!.path, `/${emu.info.tenant_id}/oauth2/v2.0/devicecode`);
  assert.deepEqual(reqs[0]!.form, { client_id: emu.info.public_client_id, scope: SCOPES.join(' '), ...LIBRARY_FORM });
  const POLL = ['grant_type', 'client_id', 'device_code', 'client_info', ...LIBRARY_KEYS].join(',');
  assert.deepEqual(
    reqs.slice(1).map((q) => [q.path, Object.keys(q.form!).join(','), q.status]),
    [
      [`/${emu.info.tenant_id}/oauth2/v2.0/token`, POLL, 400],
      [`/${emu.info.tenant_id}/oauth2/v2.0/token`, POLL, 400],
      [`/${emu.info.tenant_id}/oauth2/v2.0/token`, POLL, 200],
    ],
  );
  assert.equal(reqs[1]!.form!.client_info, '1');
  assert.equal(new Set(reqs.map((q) => q.headers['client-request-id'])).size, reqs.length, 'a fresh id per request');
  assert.equal(reqs[1]!.form!.grant_type, 'urn:ietf:params:oauth:grant-type:device_code');
  assert.equal(reqs[1]!.form!.device_code, out.device.device_code);
  assert.deepEqual(
    out.trace.events.filter((e) => e.type === 'step').map((e) => (e as { name: string }).name),
    ['Request device code', 'Wait for sign-in', 'Check tokens'],
  );
});

test('device code v1: verification_url and string numbers from /oauth2/devicecode are accepted', async () => {
  const r = run(emu, (n, d) => n === 1 && emu.approveDeviceCode(d.user_code, 'approve'), { v1: true });
  const out = await r.result;
  assert.equal(out.device.interval, 5);
  assert.equal(out.device.expires_in, 900);
  assert.equal(out.device.verification_uri, `${emu.info.url}/devicelogin`);
  assert.equal(out.tokens.resource, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
  assert.equal(
    emu
      .requests()
      .filter((q) => q.server === 'entra')
      .at(-2)!.path,
    `/${emu.info.tenant_id}/oauth2/devicecode`,
  );
});

test('slow_down adds 5 seconds to the interval', async () => {
  // Polls come back-to-back (the sleep is instant), so the emulator answers slow_down.
  const r = run(slow, (n, d) => n === 3 && slow.approveDeviceCode(d.user_code, 'approve'));
  await r.result;
  assert.deepEqual(r.sleeps, [5000, 5000, 10000]);
  const statuses = slow
    .requests()
    .filter((q) => q.path.endsWith('/token'))
    .slice(-3)
    .map((q) => q.status);
  assert.deepEqual(statuses, [400, 400, 200]);
});

test('a declined sign-in stops with EOAUTH (exit 4) and AADSTS65004', async () => {
  const r = run(emu, (n, d) => n === 1 && emu.approveDeviceCode(d.user_code, 'decline'));
  await assert.rejects(r.result, (e: unknown) => {
    assert.ok(e instanceof EntraOAuthError);
    assert.equal(e.error, 'authorization_declined');
    assert.equal(e.aadsts, 65004);
    assert.equal(e.status, 400);
    assert.equal(e.exitCode, 4);
    assert.match(e.message, /^authorization_declined AADSTS65004: the sign-in was declined on the device login page/);
    return true;
  });
});

test('expired_token (AADSTS70020) from Entra is EINTERACTION_REQUIRED (exit 5)', async () => {
  const e2 = await startEmulator();
  try {
    const r = run(e2, (n) => n === 1 && e2.advanceClock(901));
    await assert.rejects(r.result, (e: unknown) => {
      assert.ok(e instanceof EntraOAuthError);
      assert.equal(e.error, 'expired_token');
      assert.equal(e.aadsts, 70020);
      assert.equal(e.exitCode, 5);
      assert.equal(e.hint, 'start a new device code sign-in: entra-token device-code');
      return true;
    });
  } finally {
    await e2.close();
  }
});

test('polling gives up locally at expires_in with ETIMEOUT', async () => {
  let t = Date.now();
  const r = run(emu, () => (t += 300_000), { now: () => t });
  await assert.rejects(r.result, (e: unknown) => {
    assert.ok(e instanceof EntraTokenError);
    assert.equal(e.code, 'ETIMEOUT');
    assert.equal(e.message, 'the device code expired after 900 s before the sign-in finished');
    return true;
  });
  assert.deepEqual(r.sleeps, [5000, 5000, 5000]);
});

test('Ctrl-C (the abort signal) stops polling with ECANCELLED (exit 130)', async () => {
  const ac = new AbortController();
  const r = run(emu, (n) => n === 2 && ac.abort(), { signal: ac.signal });
  await assert.rejects(
    r.result,
    (e: unknown) => e instanceof EntraTokenError && e.code === 'ECANCELLED' && e.exitCode === 130,
  );
  assert.equal(r.sleeps.length, 2);
});
