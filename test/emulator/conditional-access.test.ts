// Conditional Access as the emulator plays it (issue 20): a CAE claims challenge from Graph and the workspace
// after a user's revocation, and a policy (control API) that demands MFA or a known platform at the token
// endpoint. Every control call here goes through the HTTP control API, as a client's tests would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { aadsts, codeFor, decode, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(() => emu.close());

const control = async (path: string, body: unknown) => {
  const r = await fetch(`${emu.url}/_emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

const password = (scope: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  post(
    tokenUrl(emu),
    {
      client_id: emu.info.public_client_id,
      grant_type: 'password',
      username: emu.info.username,
      password: emu.info.password,
      scope: `${scope} offline_access`,
      ...extra,
    },
    headers,
  );

const GRAPH_SCOPE = 'https://graph.microsoft.com/User.Read.All';
const graphUsers = (token: string) =>
  get(`${emu.info.graph_url as string}/v1.0/users?$top=2`, { authorization: `Bearer ${token}` });
const clusters = (token: string) =>
  get(`${emu.info.workspace_url as string}/api/2.0/clusters/list`, { authorization: `Bearer ${token}` });

/** Parse `Bearer k="v", …` into its parameters. */
function challenge(h: string | null): Record<string, string> {
  assert.ok(h, 'a WWW-Authenticate header');
  assert.match(h, /^Bearer /);
  return Object.fromEntries([...h.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

test('CAE: after POST /_emulator/revoke, Graph and the workspace answer 401 insufficient_claims with an nbf claims request; a token issued afterwards works', async () => {
  const g = (await password(GRAPH_SCOPE)).json;
  const d = (await password(DATABRICKS_SCOPE)).json;
  assert.equal((await graphUsers(g.access_token as string)).status, 200);
  assert.equal((await clusters(d.access_token as string)).status, 200);

  const revoked = await control('revoke', { username: emu.info.username });
  assert.equal(revoked.status, 200);

  const gr = await graphUsers(g.access_token as string);
  assert.equal(gr.status, 401);
  const gc = challenge(gr.headers.get('www-authenticate'));
  assert.equal(gc.error, 'insufficient_claims');
  const claims = JSON.parse(Buffer.from(gc.claims!, 'base64').toString()) as {
    access_token: { nbf: { essential: boolean; value: string } };
  };
  assert.equal(claims.access_token.nbf.essential, true);
  assert.match(claims.access_token.nbf.value, /^\d{10}$/);
  assert.ok(Number(claims.access_token.nbf.value) >= (decode(g.access_token as string).payload.iat as number));
  assert.equal((gr.json.error as Record<string, string>).code, 'InvalidAuthenticationToken');

  const dr = await clusters(d.access_token as string);
  assert.equal(dr.status, 401);
  const dc = challenge(dr.headers.get('www-authenticate'));
  assert.equal(dc.error, 'insufficient_claims');
  assert.equal(dc.claims, gc.claims);

  // the refresh token is revoked too; signing in again (here: the password grant, with the claims) works
  const rt = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'refresh_token',
    refresh_token: g.refresh_token as string,
  });
  assert.equal(aadsts(rt.json), 50173);
  const again = await password(GRAPH_SCOPE, { claims: Buffer.from(gc.claims!, 'base64').toString() });
  assert.equal(again.status, 200, again.text);
  assert.equal((await graphUsers(again.json.access_token as string)).status, 200);
  const d2 = await password(DATABRICKS_SCOPE);
  assert.equal((await clusters(d2.json.access_token as string)).status, 200);
  // another user's tokens were never challenged
  const app = await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  assert.equal((await graphUsers(app.json.access_token as string)).status, 200);
});

test('policy require_mfa: the password grant and a pre-policy refresh token get 50076 with claims; an interactive sign-in then satisfies MFA (amr mfa)', async () => {
  const before = await password(DATABRICKS_SCOPE);
  assert.equal(before.status, 200);
  const code1 = (await codeFor(emu)).get('code')!;
  const interactive = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'authorization_code',
    code: code1,
    redirect_uri: 'http://localhost:8400/',
  });
  assert.equal(interactive.status, 200, interactive.text);

  const set = await control('policy', { require_mfa: true });
  assert.deepEqual(set.json, { require_mfa: true, allowed_platforms: null });
  try {
    const ropc = await password(DATABRICKS_SCOPE);
    assert.equal(ropc.status, 400);
    assert.equal(ropc.json.error, 'interaction_required');
    assert.equal(aadsts(ropc.json), 50076);
    assert.ok(JSON.parse(ropc.json.claims as string).access_token);
    const old = await post(tokenUrl(emu), {
      client_id: emu.info.public_client_id,
      grant_type: 'refresh_token',
      refresh_token: interactive.json.refresh_token as string,
    });
    assert.equal(aadsts(old.json), 50076);
    // a new interactive sign-in (with the claims, as a client answering the challenge would) satisfies MFA
    const code2 = (await codeFor(emu, { claims: ropc.json.claims as string })).get('code')!;
    const mfa = await post(tokenUrl(emu), {
      client_id: emu.info.public_client_id,
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: 'http://localhost:8400/',
    });
    assert.equal(mfa.status, 200, mfa.text);
    assert.deepEqual(decode(mfa.json.access_token as string).payload.amr, ['pwd', 'mfa']);
    const refreshed = await post(tokenUrl(emu), {
      client_id: emu.info.public_client_id,
      grant_type: 'refresh_token',
      refresh_token: mfa.json.refresh_token as string,
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.deepEqual(decode(refreshed.json.access_token as string).payload.amr, ['pwd', 'mfa']);
  } finally {
    await control('policy', { require_mfa: false });
  }
  assert.equal((await password(DATABRICKS_SCOPE)).status, 200);
});

test('policy allowed_platforms: a token request without x-client-OS, or from another OS, is blocked (53003); header or form field both count', async () => {
  const set = await control('policy', { allowed_platforms: ['Windows', 'Darwin'] });
  assert.deepEqual(set.json, { require_mfa: false, allowed_platforms: ['Windows', 'Darwin'] });
  try {
    const none = await password(DATABRICKS_SCOPE);
    assert.equal(aadsts(none.json), 53003);
    assert.equal(none.json.error, 'interaction_required');
    assert.equal(aadsts((await password(DATABRICKS_SCOPE, {}, { 'x-client-OS': 'linux' })).json), 53003);
    assert.equal((await password(DATABRICKS_SCOPE, {}, { 'x-client-OS': 'win32' })).status, 200);
    assert.equal((await password(DATABRICKS_SCOPE, { 'x-client-OS': 'darwin' })).status, 200);
  } finally {
    await control('policy', { allowed_platforms: null });
  }
  assert.equal((await password(DATABRICKS_SCOPE)).status, 200);
});

test('POST /_emulator/policy refuses unknown fields and bad values; GET returns the policy', async () => {
  assert.equal((await control('policy', { require_mfa: 'yes' })).status, 400);
  assert.equal((await control('policy', { allowed_platforms: 'Linux' })).status, 400);
  assert.match(String((await control('policy', { block: true })).json.error), /unknown policy field "block"/);
  const r = await fetch(`${emu.url}/_emulator/policy`, { headers: { 'content-type': 'application/json' } });
  assert.deepEqual(await r.json(), { require_mfa: false, allowed_platforms: null });
});

test('a token request declaring client capabilities in claims (xms_cc cp1) gets them in the access token', async () => {
  const r = await password(DATABRICKS_SCOPE, {
    claims: JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] } } }),
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(decode(r.json.access_token as string).payload.xms_cc, ['cp1']);
  const plain = await password(DATABRICKS_SCOPE);
  assert.equal(decode(plain.json.access_token as string).payload.xms_cc, undefined);
  const garbled = await password(DATABRICKS_SCOPE, { claims: '{not json' });
  assert.equal(garbled.status, 200);
});

test('CAE event that keeps sessions (revoke with keep_refresh_tokens): access tokens are challenged, the refresh token still redeems (with the claims) and its new token passes', async () => {
  const g = (await password(GRAPH_SCOPE)).json;
  assert.equal((await graphUsers(g.access_token as string)).status, 200);
  assert.equal((await control('revoke', { username: emu.info.username, keep_refresh_tokens: 'yes' })).status, 400);
  assert.equal((await control('revoke', { username: emu.info.username, keep_refresh_tokens: true })).status, 200);
  const gr = await graphUsers(g.access_token as string);
  assert.equal(gr.status, 401);
  const gc = challenge(gr.headers.get('www-authenticate'));
  assert.equal(gc.error, 'insufficient_claims');
  const claims = Buffer.from(gc.claims!, 'base64').toString();
  await new Promise((r) => setTimeout(r, 5)); // the new token is issued strictly after the event
  const rt = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'refresh_token',
    refresh_token: g.refresh_token as string,
    scope: `${GRAPH_SCOPE} offline_access`,
    claims,
  });
  assert.equal(rt.status, 200, rt.text);
  assert.equal((await graphUsers(rt.json.access_token as string)).status, 200);
});
