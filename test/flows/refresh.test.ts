import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../src/emulator/index.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { EntraOAuthError } from '../../src/core/errors.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { refreshTokens } from '../../src/flows/refresh.js';
import { LIBRARY_FORM, LIBRARY_KEYS } from '../helpers/platform.js';

type Emu = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emu;
let http: HttpClient;
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

before(async () => {
  emu = await startEmulator();
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await emu.close();
});

async function passwordTokens(): Promise<Record<string, string>> {
  const res = await fetch(`${emu.info.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: emu.info.public_client_id,
      username: emu.info.username,
      password: emu.info.password,
      scope: `${DBX} openid profile offline_access`,
      client_info: '1',
    }).toString(),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, string>;
}

test('refreshTokens sends the §2.2 fields and returns a rotated refresh token', async () => {
  const first = await passwordTokens();
  const authority = resolveAuthority({ authority: emu.info.authority });
  const r = await refreshTokens(
    {
      authority,
      client_id: emu.info.public_client_id,
      refresh_token: first.refresh_token!,
      scopes: [DBX, 'openid', 'profile', 'offline_access'],
    },
    { http, now: Date.now },
  );
  assert.deepEqual(r.request.form, [
    ['client_id', emu.info.public_client_id],
    ['grant_type', 'refresh_token'],
    ['refresh_token', first.refresh_token],
    ['scope', `${DBX} openid profile offline_access`],
    ['client_info', '1'],
  ]);
  assert.equal(r.request.headers['x-anchormailbox'], undefined, 'no account known: no routing hint');
  assert.equal(r.response.status, 200);
  assert.equal(r.rotated, true);
  assert.notEqual(r.tokens.refresh_token, first.refresh_token);
  assert.equal(r.idToken?.preferred_username, emu.info.username);
  assert.deepEqual(
    r.trace.events.filter((e) => e.type === 'step').map((e) => (e as { name: string }).name),
    ['Redeem refresh token', 'Check tokens'],
  );
  const last = emu.requests().at(-1)!;
  assert.equal(last.path, `/${emu.info.tenant_id}/oauth2/v2.0/token`);
  assert.deepEqual(Object.keys(last.form!), [
    'client_id',
    'grant_type',
    'refresh_token',
    'scope',
    'client_info',
    ...LIBRARY_KEYS,
  ]);
  assert.deepEqual(
    Object.fromEntries(LIBRARY_KEYS.map((k) => [k, last.form![k]])),
    LIBRARY_FORM,
    'x-client-SKU/VER/OS/CPU of this machine',
  );
});

test('a refresh for a known account sends X-AnchorMailbox Oid:<uid>@<utid> from its client_info, and a fresh client-request-id', async () => {
  const first = await passwordTokens();
  const ci = JSON.parse(Buffer.from(first.client_info!, 'base64url').toString()) as { uid: string; utid: string };
  const at = JSON.parse(Buffer.from(first.access_token!.split('.')[1]!, 'base64url').toString()) as { oid: string };
  assert.deepEqual([ci.uid, ci.utid], [at.oid, emu.info.tenant_id]);
  const authority = resolveAuthority({ authority: emu.info.authority });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await refreshTokens(
      {
        authority,
        client_id: emu.info.public_client_id,
        refresh_token: first.refresh_token!,
        scopes: [DBX, 'openid', 'profile', 'offline_access'],
        homeAccountId: `${ci.uid}.${ci.utid}`,
      },
      { http, now: Date.now },
    );
    assert.equal(r.request.headers['x-anchormailbox'], `Oid:${ci.uid}@${ci.utid}`);
    const got = emu.requests().at(-1)!;
    assert.equal(got.headers['x-anchormailbox'], `Oid:${ci.uid}@${ci.utid}`);
    assert.equal(got.headers['return-client-request-id'], 'true');
    const crid = String(got.headers['client-request-id']);
    assert.match(crid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.response.clientRequestId, crid);
    assert.match(
      String(got.headers['user-agent']),
      /^entra-token\/0\.1\.0 \((Linux|Mac OS X|Windows NT|\w+); \w+\) node\/\d+\.\d+\.\d+$/,
    );
    ids.push(crid);
  }
  assert.notEqual(ids[0], ids[1], 'one client-request-id per request');
});

test('a revoked refresh token (AADSTS50173) is EINTERACTION_REQUIRED with the exact sign-in command', async () => {
  const first = await passwordTokens();
  await fetch(`${emu.url}/_emulator/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: emu.info.username }),
  });
  const authority = resolveAuthority({ authority: emu.info.authority });
  await assert.rejects(
    refreshTokens(
      {
        authority,
        client_id: emu.info.public_client_id,
        refresh_token: first.refresh_token!,
        scopes: [DBX],
        signInCommand: 'entra-token device-code --authority X --client-id Y',
      },
      { http, now: Date.now },
    ),
    (e: unknown) => {
      assert.ok(e instanceof EntraOAuthError);
      assert.equal(e.code, 'EINTERACTION_REQUIRED');
      assert.equal(e.exitCode, 5);
      assert.equal(e.aadsts, 50173);
      assert.equal(e.status, 400);
      assert.equal(e.hint, 'sign in again: entra-token device-code --authority X --client-id Y');
      return true;
    },
  );
});

test('an inactive refresh token (AADSTS700082) names the default login command', async () => {
  const first = await passwordTokens();
  emu.advanceClock(91 * 24 * 3600);
  const authority = resolveAuthority({ authority: emu.info.authority });
  // last test: the emulator's clock stays 91 days ahead
  {
    await assert.rejects(
      refreshTokens(
        { authority, client_id: emu.info.public_client_id, refresh_token: first.refresh_token!, scopes: [DBX] },
        { http, now: Date.now },
      ),
      (e: unknown) => {
        assert.ok(e instanceof EntraOAuthError);
        assert.equal(e.code, 'EINTERACTION_REQUIRED');
        assert.equal(e.aadsts, 700082);
        assert.equal(
          e.hint,
          `sign in again: entra-token login --authority ${emu.info.authority} --client-id ${emu.info.public_client_id}`,
        );
        return true;
      },
    );
  }
});
