// The implicit grant and the hybrid flow for apps registered to allow them (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow), and the
// confidential web app's authorization code flow without PKCE: what insecure apps do, so audits have
// something to find.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { compactVerify } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { aadsts, decode, get, post, tokenUrl } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(() => emu.close());

function authorize(
  params: Record<string, string>,
  clientId = emu.info.implicit_client_id,
): Promise<{ status: number; location: URL; text: string }> {
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: 'http://localhost:5173/',
    scope: 'openid profile https://graph.microsoft.com/User.Read',
    state: 'st-1',
    ...params,
  });
  return get(`${emu.info.authority}/oauth2/v2.0/authorize?${q}`).then((r) => ({
    status: r.status,
    location: new URL(r.headers.get('location') ?? 'about:blank'),
    text: r.text,
  }));
}

/** Independent of the emulator's helper: OIDC Core §3.2.2.10. */
const half = (v: string) => createHash('sha256').update(v).digest().subarray(0, 16).toString('base64url');

async function verifies(jwt: string): Promise<boolean> {
  const jwks = (await get(emu.info.jwks_uri)).json as { keys: Array<Record<string, unknown>> };
  const key = createPublicKey({ key: jwks.keys[0]! as never, format: 'jwk' });
  try {
    await compactVerify(jwt, key);
    return true;
  } catch {
    return false;
  }
}

test('response_type=token: the access token, token_type, expires_in and scope come back in the fragment, nothing in the query', async () => {
  const r = await authorize({ response_type: 'token' });
  assert.equal(r.status, 302);
  assert.equal(`${r.location.origin}${r.location.pathname}`, 'http://localhost:5173/');
  assert.equal(r.location.search, '');
  const f = new URLSearchParams(r.location.hash.slice(1));
  assert.deepEqual([...f.keys()], ['access_token', 'token_type', 'expires_in', 'scope', 'state', 'session_state']);
  assert.equal(f.get('token_type'), 'Bearer');
  assert.match(f.get('expires_in')!, /^\d+$/);
  assert.equal(f.get('state'), 'st-1');
  const at = decode(f.get('access_token')!).payload;
  assert.ok(['00000003-0000-0000-c000-000000000000', 'https://graph.microsoft.com'].includes(String(at.aud)));
  assert.equal(at.appid, emu.info.implicit_client_id);
  assert.equal(at.upn, emu.info.username);
  assert.match(String(at.scp), /User\.Read/);
});

test('response_type="id_token token" with a nonce: the id token carries the nonce and at_hash of the access token, and verifies', async () => {
  const r = await authorize({ response_type: 'id_token token', nonce: 'n-42', response_mode: 'fragment' });
  assert.equal(r.status, 302);
  const f = new URLSearchParams(r.location.hash.slice(1));
  assert.deepEqual(
    [...f.keys()],
    ['access_token', 'token_type', 'expires_in', 'scope', 'id_token', 'state', 'session_state'],
  );
  const id = decode(f.get('id_token')!).payload;
  assert.equal(id.nonce, 'n-42');
  assert.equal(id.aud, emu.info.implicit_client_id);
  assert.equal(id.at_hash, half(f.get('access_token')!));
  assert.equal(id.preferred_username, emu.info.username);
  assert.ok(await verifies(f.get('id_token')!));
});

test('the hybrid flow "code id_token": a code and an id token with c_hash; the code is then redeemable', async () => {
  const r = await authorize({ response_type: 'code id_token', nonce: 'n-7', redirect_uri: 'http://127.0.0.1:5173/' });
  const f = new URLSearchParams(r.location.hash.slice(1));
  assert.deepEqual([...f.keys()], ['code', 'id_token', 'state', 'session_state']);
  assert.equal(decode(f.get('id_token')!).payload.c_hash, half(f.get('code')!));
  const t = await post(tokenUrl(emu), {
    client_id: emu.info.implicit_client_id,
    grant_type: 'authorization_code',
    code: f.get('code')!,
    redirect_uri: 'http://127.0.0.1:5173/',
  });
  assert.equal(t.status, 200, t.text);
  assert.ok(t.json.access_token);
});

test('response_mode=form_post: the tokens are fields of the auto-submitted form', async () => {
  const r = await authorize({ response_type: 'id_token token', nonce: 'n-1', response_mode: 'form_post' });
  assert.equal(r.status, 200);
  assert.match(r.text, /<form[^>]+method="post"[^>]+action="http:\/\/localhost:5173\/"/i);
  assert.match(r.text, /name="access_token" value="eyJ/);
  assert.match(r.text, /name="id_token" value="eyJ/);
});

test('an id token asked without a nonce is refused in the fragment (AADSTS900144 nonce)', async () => {
  const r = await authorize({ response_type: 'id_token' });
  assert.equal(r.status, 302);
  const f = new URLSearchParams(r.location.hash.slice(1));
  assert.equal(f.get('error'), 'invalid_request');
  assert.match(f.get('error_description')!, /^AADSTS900144: .*'nonce'/);
  assert.equal(f.get('state'), 'st-1');
});

test('an app not registered for the implicit grant gets unsupported_response_type: 700051 for token, 700054 for id_token', async () => {
  const a = await authorize({ response_type: 'token' }, emu.info.public_client_id);
  const fa = new URLSearchParams(a.location.hash.slice(1));
  assert.equal(fa.get('error'), 'unsupported_response_type');
  assert.match(
    fa.get('error_description')!,
    /^AADSTS700051: response_type 'token' is not enabled for the application\./,
  );
  assert.equal(a.location.search, '');
  const b = await authorize({ response_type: 'id_token', nonce: 'n' }, emu.info.public_client_id);
  const fb = new URLSearchParams(b.location.hash.slice(1));
  assert.match(fb.get('error_description')!, /^AADSTS700054: response_type 'id_token' is not enabled/);
  const c = await authorize({ response_type: 'token code_x' });
  assert.match(c.location.searchParams.get('error_description')!, /^AADSTS700054/);
});

test('a confidential web app: auth code without PKCE on any loopback port, redeemed with its secret; without the secret AADSTS7000218', async () => {
  const q = new URLSearchParams({
    client_id: emu.info.no_public_flows_client_id,
    response_type: 'code',
    redirect_uri: 'http://localhost:53127/',
    scope: 'openid offline_access https://graph.microsoft.com/User.Read',
    state: 's',
  });
  const code = async () => {
    const r = await get(`${emu.info.authority}/oauth2/v2.0/authorize?${q}`);
    assert.equal(r.status, 302, r.text.slice(0, 300));
    return new URL(r.headers.get('location')!).searchParams.get('code')!;
  };
  const form = {
    client_id: emu.info.no_public_flows_client_id,
    grant_type: 'authorization_code',
    redirect_uri: 'http://localhost:53127/',
  };
  const bare = await post(tokenUrl(emu), { ...form, code: await code() });
  assert.equal(aadsts(bare.json), 7000218);
  const ok = await post(tokenUrl(emu), {
    ...form,
    code: await code(),
    client_secret: emu.info.no_public_flows_client_secret,
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(decode(ok.json.access_token as string).payload.appidacr, '1');
  assert.ok(ok.json.refresh_token);
});
