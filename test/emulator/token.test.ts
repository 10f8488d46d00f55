import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { codeFor, decode, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
let jwks: ReturnType<typeof createLocalJWKSet>;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
  jwks = createLocalJWKSet((await get(emu.info.jwks_uri)).json as never);
});
after(() => emu.close());

const TS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/;

/** Assert the exact Entra error shape (docs/protocol.md §3.1) and return the description. */
function assertEntraError(
  r: { status: number; json: Record<string, unknown>; headers: Headers },
  status: number,
  error: string,
  code: number,
): string {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error, error);
  assert.deepEqual(r.json.error_codes, [code]);
  assert.match(String(r.json.timestamp), TS);
  assert.equal(r.json.error_uri, `https://login.microsoftonline.com/error?code=${code}`);
  assert.equal(r.headers.get('x-ms-request-id'), r.json.trace_id);
  assert.equal(r.headers.get('cache-control'), 'no-store, no-cache');
  assert.equal(r.headers.get('pragma'), 'no-cache');
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  const d = String(r.json.error_description);
  assert.ok(d.startsWith(`AADSTS${code}: `), d);
  assert.ok(
    d.endsWith(` Trace ID: ${r.json.trace_id} Correlation ID: ${r.json.correlation_id} Timestamp: ${r.json.timestamp}`),
    d,
  );
  return d.slice(`AADSTS${code}: `.length, d.indexOf(' Trace ID: '));
}

const pub = (): string => emu.info.public_client_id;
const redeem = (code: string, extra: Record<string, string> = {}) =>
  post(tokenUrl(emu), {
    client_id: pub(),
    grant_type: 'authorization_code',
    code,
    redirect_uri: 'http://localhost:8400/',
    scope: `${DATABRICKS_SCOPE} openid profile offline_access`,
    ...extra,
  });

test('token endpoint refuses a JSON body and query parameters with 400 AADSTS900144 grant_type', async () => {
  const j = await fetch(tokenUrl(emu), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
  });
  const body = (await j.json()) as Record<string, unknown>;
  assert.equal(
    assertEntraError({ status: j.status, json: body, headers: j.headers }, 400, 'invalid_request', 900144),
    "The request body must contain the following parameter: 'grant_type'.",
  );
  const q = await fetch(`${tokenUrl(emu)}?grant_type=client_credentials&client_id=${pub()}`, { method: 'POST' });
  assert.equal(q.status, 400);
  assert.deepEqual(((await q.json()) as { error_codes: number[] }).error_codes, [900144]);
});

test('authorization_code returns the §2.7 body; the Databricks token is v1 and verifies against the JWKS', async () => {
  const q = await codeFor(emu, { client_info: '1' });
  const r = await redeem(q.get('code')!, { client_info: '1' });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), [
    'token_type',
    'scope',
    'expires_in',
    'ext_expires_in',
    'access_token',
    'refresh_token',
    'id_token',
    'client_info',
  ]);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.scope, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation profile openid');
  assert.equal(typeof r.json.expires_in, 'number');
  assert.ok((r.json.expires_in as number) >= 3600 && (r.json.expires_in as number) <= 5400);
  assert.equal(r.json.ext_expires_in, r.json.expires_in);
  assert.match(String(r.json.refresh_token), /^0\.A/);
  const { payload, protectedHeader } = await jwtVerify(String(r.json.access_token), jwks, {
    issuer: `https://sts.windows.net/${emu.info.tenant_id}/`,
    audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.equal(protectedHeader.x5t, protectedHeader.kid);
  assert.equal(protectedHeader.typ, 'JWT');
  assert.equal(payload.ver, '1.0');
  assert.equal(payload.appid, pub());
  assert.equal(payload.appidacr, '0');
  assert.equal(payload.scp, 'user_impersonation');
  assert.equal(payload.upn, 'alice@contoso.com');
  assert.equal(payload.unique_name, 'alice@contoso.com');
  assert.equal(payload.oid, '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46');
  assert.equal(payload.tid, emu.info.tenant_id);
  for (const c of [
    'name',
    'given_name',
    'family_name',
    'sub',
    'amr',
    'acr',
    'ipaddr',
    'uti',
    'rh',
    'aio',
    'iat',
    'nbf',
    'exp',
  ])
    assert.ok(c in payload, c);
  const life = (payload.exp as number) - (payload.iat as number) - 300;
  assert.ok(life >= 3600 && life <= 5400, String(life));
});

test('no refresh_token without offline_access, no id_token without openid, no client_info unless asked', async () => {
  const q = await codeFor(emu);
  const r = await redeem(q.get('code')!, { scope: DATABRICKS_SCOPE });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['token_type', 'scope', 'expires_in', 'ext_expires_in', 'access_token']);
  assert.equal(r.json.scope, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation');
});

test('a code is single use (54005) and lives 10 minutes (70008)', async () => {
  const q = await codeFor(emu);
  assert.equal((await redeem(q.get('code')!)).status, 200);
  assert.equal(
    assertEntraError(await redeem(q.get('code')!), 400, 'invalid_grant', 54005),
    'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  );
  const late = await codeFor(emu);
  emu.advanceClock(601);
  try {
    assert.match(
      assertEntraError(await redeem(late.get('code')!), 400, 'invalid_grant', 70008),
      /^The provided authorization code or refresh token has expired due to inactivity\./,
    );
  } finally {
    emu.advanceClock(-601);
  }
});

test('a redirect_uri different from the authorize request is invalid_grant AADSTS50011; a garbled code 9002313', async () => {
  const q = await codeFor(emu);
  const r = await redeem(q.get('code')!, { redirect_uri: 'http://localhost:9999/' });
  assert.equal(
    assertEntraError(r, 400, 'invalid_grant', 50011),
    "The reply address 'http://localhost:9999/' does not match the reply address 'http://localhost:8400/' provided when requesting Authorization code.",
  );
  const g = await redeem('0.AXEAgarbled');
  assertEntraError(g, 400, 'invalid_grant', 9002313);
  assert.equal(g.json.suberror, 'bad_token');
});

test('PKCE S256 with the RFC 7636 Appendix B vector succeeds; a wrong verifier is AADSTS501481', async () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  assert.equal(createHash('sha256').update(verifier).digest('base64url'), challenge);
  const ok = await codeFor(emu, { code_challenge: challenge, code_challenge_method: 'S256' });
  assert.equal((await redeem(ok.get('code')!, { code_verifier: verifier })).status, 200);
  const bad = await codeFor(emu, { code_challenge: challenge, code_challenge_method: 'S256' });
  assert.equal(
    assertEntraError(
      await redeem(bad.get('code')!, { code_verifier: `${verifier.slice(0, -1)}x` }),
      400,
      'invalid_grant',
      501481,
    ),
    'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  );
  const missing = await codeFor(emu, { code_challenge: challenge, code_challenge_method: 'S256' });
  assertEntraError(await redeem(missing.get('code')!), 400, 'invalid_grant', 501481);
});

test('attacker: a code_verifier for a code issued without a code_challenge is refused (PKCE downgrade, invalid_grant 501481)', async () => {
  // an attacker injects a code obtained without PKCE into a victim's PKCE session: the victim's client sends
  // its verifier, and the code must not be redeemed (OAuth 2.1 §4.1.3)
  const injected = await codeFor(emu);
  assertEntraError(
    await redeem(injected.get('code')!, { code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }),
    400,
    'invalid_grant',
    501481,
  );
  const plainFlow = await codeFor(emu);
  assert.equal((await redeem(plainFlow.get('code')!)).status, 200);
});

test('PKCE with the method omitted is plain', async () => {
  const v = 'plain-verifier-plain-verifier-plain-verifier-1';
  const q = await codeFor(emu, { code_challenge: v });
  assert.equal((await redeem(q.get('code')!, { code_verifier: v })).status, 200);
  const q2 = await codeFor(emu, { code_challenge: createHash('sha256').update(v).digest('base64url') });
  assertEntraError(await redeem(q2.get('code')!, { code_verifier: v }), 400, 'invalid_grant', 501481);
});

test('a public client presenting a secret is 401 invalid_client AADSTS700025', async () => {
  const q = await codeFor(emu);
  assert.equal(
    assertEntraError(await redeem(q.get('code')!, { client_secret: 'x' }), 401, 'invalid_client', 700025),
    "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  );
});

test('client-request-id is echoed as correlation_id', async () => {
  const id = randomUUID();
  const r = await post(
    tokenUrl(emu),
    { client_id: pub(), grant_type: 'authorization_code', code: 'nope', redirect_uri: 'http://localhost' },
    { 'client-request-id': id },
  );
  assert.equal(r.json.correlation_id, id);
});

test('refresh_token rotates (new token, old still valid), can switch resource, and refuses garbled, expired and revoked tokens', async () => {
  const q = await codeFor(emu);
  const first = await redeem(q.get('code')!);
  const rt = String(first.json.refresh_token);
  const a = await post(tokenUrl(emu), {
    client_id: pub(),
    grant_type: 'refresh_token',
    refresh_token: rt,
    scope: `${DATABRICKS_SCOPE} openid offline_access`,
  });
  assert.equal(a.status, 200);
  assert.notEqual(a.json.refresh_token, rt);
  const b = await post(tokenUrl(emu), {
    client_id: pub(),
    grant_type: 'refresh_token',
    refresh_token: rt,
    scope: 'https://graph.microsoft.com/.default offline_access',
  });
  assert.equal(b.status, 200, 'the old refresh token stays valid');
  assert.equal(b.json.scope, 'User.Read');
  const graph = decode(String(b.json.access_token));
  assert.equal(graph.payload.aud, 'https://graph.microsoft.com');
  assert.equal(typeof graph.header.nonce, 'string', 'Graph tokens carry a header nonce');
  await assert.rejects(
    jwtVerify(String(b.json.access_token), jwks),
    'Graph tokens do not verify with standard libraries',
  );

  const g = await post(tokenUrl(emu), { client_id: pub(), grant_type: 'refresh_token', refresh_token: `${rt}x` });
  assertEntraError(g, 400, 'invalid_grant', 9002313);

  emu.advanceClock(91 * 86400);
  try {
    const e = await post(tokenUrl(emu), {
      client_id: pub(),
      grant_type: 'refresh_token',
      refresh_token: String(a.json.refresh_token),
    });
    assert.match(
      assertEntraError(e, 400, 'invalid_grant', 700082),
      /^The refresh token has expired due to inactivity\.\u00a0The token was issued on .* and was inactive for 90\.00:00:00\.$/,
    );
  } finally {
    emu.advanceClock(-91 * 86400);
  }
  emu.revokeUser('alice@contoso.com');
  const rv = await post(tokenUrl(emu), { client_id: pub(), grant_type: 'refresh_token', refresh_token: rt });
  assert.match(
    assertEntraError(rv, 400, 'invalid_grant', 50173),
    /^The provided grant has expired due to it being revoked/,
  );
});

test('password grant: success, /common 9001023, wrong password 50126, unknown user 50034, MFA 50076, expired password 50055, web app 7000218', async () => {
  const form = {
    client_id: pub(),
    grant_type: 'password',
    username: emu.info.username,
    password: emu.info.password,
    scope: `${DATABRICKS_SCOPE} openid profile offline_access`,
  };
  const ok = await post(tokenUrl(emu), form);
  assert.equal(ok.status, 200);
  assert.equal(decode(String(ok.json.access_token)).payload.upn, 'alice@contoso.com');
  assert.equal(
    assertEntraError(await post(`${emu.url}/common/oauth2/v2.0/token`, form), 400, 'invalid_request', 9001023),
    "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
  );
  assertEntraError(await post(`${emu.url}/consumers/oauth2/v2.0/token`, form), 400, 'invalid_request', 9001023);
  assert.equal((await post(`${emu.url}/organizations/oauth2/v2.0/token`, form)).status, 200);
  assert.equal(
    assertEntraError(await post(tokenUrl(emu), { ...form, password: 'nope' }), 400, 'invalid_grant', 50126),
    'Error validating credentials due to invalid username or password.',
  );
  assert.equal(
    assertEntraError(await post(tokenUrl(emu), { ...form, username: 'zed@contoso.com' }), 400, 'invalid_grant', 50034),
    'The user account {EmailHidden} does not exist in the contoso.onmicrosoft.com directory. To sign into this application, the account must be added to the directory.',
  );
  const mfa = await post(tokenUrl(emu), { ...form, username: emu.info.mfa_username, password: emu.info.mfa_password });
  assert.equal(
    assertEntraError(mfa, 400, 'interaction_required', 50076),
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d'.",
  );
  assert.equal(mfa.json.suberror, 'basic_action');
  assert.equal(typeof mfa.json.claims, 'string');
  const expired = await post(tokenUrl(emu), { ...form, username: 'carol@contoso.com', password: 'Carol-P@ssw0rd!' });
  assertEntraError(expired, 400, 'user_password_expired', 50055);
  assert.equal(expired.json.password_change_url, 'https://portal.microsoftonline.com/ChangePassword.aspx');
  const web = await post(tokenUrl(emu), { ...form, client_id: String(emu.info.no_public_flows_client_id) });
  assert.equal(
    assertEntraError(web, 401, 'invalid_client', 7000218),
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
});

test('client_credentials with a secret (body or Basic): Databricks app-only v1 token, no scope, no refresh token', async () => {
  const form = {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
  };
  const r = await post(tokenUrl(emu), form);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['token_type', 'expires_in', 'ext_expires_in', 'access_token']);
  assert.equal(r.json.expires_in, 3599);
  assert.equal(r.json.ext_expires_in, 3599);
  const { payload } = await jwtVerify(String(r.json.access_token), jwks, {
    audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
    issuer: `https://sts.windows.net/${emu.info.tenant_id}/`,
  });
  assert.equal(payload.appidacr, '1');
  assert.equal(payload.idtyp, 'app');
  assert.equal(payload.oid, '0e7a5c3b-1d9f-4b2e-8a6c-4f3e2d1c0b9a');
  assert.equal(payload.sub, payload.oid);
  for (const c of ['scp', 'upn', 'name', 'unique_name', 'roles']) assert.ok(!(c in payload), c);

  const basic = Buffer.from(
    `${encodeURIComponent(emu.info.confidential_client_id)}:${encodeURIComponent(emu.info.client_secret)}`,
  ).toString('base64');
  const b = await post(
    tokenUrl(emu),
    { grant_type: 'client_credentials', scope: DATABRICKS_SCOPE },
    { authorization: `Basic ${basic}` },
  );
  assert.equal(b.status, 200);
});

test('client_credentials for Graph carries roles when granted, none for the app without roles; management tokens for the SP header', async () => {
  const graph = await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  const g = decode(String(graph.json.access_token));
  assert.deepEqual(g.payload.roles, ['User.Read.All']);
  assert.equal(g.payload.aud, 'https://graph.microsoft.com');
  assert.equal(g.payload.idtyp, 'app');
  assert.equal(g.payload.app_displayname, 'entra-token automation');
  assert.equal(typeof g.header.nonce, 'string');
  const none = await post(tokenUrl(emu), {
    client_id: emu.info.no_roles_client_id,
    client_secret: emu.info.no_roles_client_secret,
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  assert.equal(none.status, 200);
  assert.ok(!('roles' in decode(String(none.json.access_token)).payload));
  const mgmt = await post(tokenUrl(emu), {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: 'https://management.core.windows.net//.default',
  });
  assert.equal(mgmt.status, 200);
  const { payload } = await jwtVerify(String(mgmt.json.access_token), jwks, {
    audience: 'https://management.core.windows.net/',
  });
  assert.equal(payload.appid, emu.info.confidential_client_id);
});

test('client_credentials errors: wrong secret 7000215, no secret 7000218, expired 7000222, non-.default 1002012, unknown client 700016, unknown resource 500011', async () => {
  const base = {
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
  };
  assert.equal(
    assertEntraError(await post(tokenUrl(emu), { ...base, client_secret: 'wrong' }), 401, 'invalid_client', 7000215),
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${emu.info.confidential_client_id}'.`,
  );
  assert.match(
    assertEntraError(
      await post(tokenUrl(emu), {
        ...base,
        client_id: emu.info.expired_secret_client_id,
        client_secret: emu.info.expired_client_secret,
      }),
      401,
      'invalid_client',
      7000222,
    ),
    new RegExp(`^The provided client secret keys for app '${emu.info.expired_secret_client_id}' are expired\\.`),
  );
  assert.equal(
    assertEntraError(
      await post(tokenUrl(emu), { ...base, scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation' }),
      400,
      'invalid_scope',
      1002012,
    ),
    'The provided value for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).',
  );
  assertEntraError(
    await post(tokenUrl(emu), { ...base, client_id: '11111111-2222-3333-4444-555555555555' }),
    400,
    'unauthorized_client',
    700016,
  );
  assertEntraError(
    await post(tokenUrl(emu), { ...base, scope: 'https://nothing.example/.default' }),
    400,
    'invalid_resource',
    500011,
  );
  const { client_secret: _omit, ...noSecret } = base;
  assertEntraError(await post(tokenUrl(emu), noSecret), 401, 'invalid_client', 7000218);
});

async function assertion(
  opts: {
    aud?: string;
    iss?: string;
    sub?: string;
    nbf?: number | null;
    exp?: number;
    jti?: string;
    header?: Record<string, unknown>;
    alg?: string;
  } = {},
): Promise<string> {
  const key = createPrivateKey(emu.certificate.keyPem);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ jti: opts.jti ?? randomUUID(), ...(opts.nbf === null ? {} : { nbf: opts.nbf ?? now }) })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', typ: 'JWT', ...(opts.header ?? { x5t: emu.certificate.x5t }) })
    .setAudience(opts.aud ?? tokenUrl(emu))
    .setIssuer(opts.iss ?? emu.info.certificate_client_id)
    .setSubject(opts.sub ?? emu.info.certificate_client_id)
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 600);
  return jwt.sign(key);
}

const ccAssertion = (a: string) =>
  post(tokenUrl(emu), {
    client_id: emu.info.certificate_client_id,
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: a,
  });

test('private_key_jwt: x5t/RS256 and x5t#S256/PS256 accepted (appidacr 2); v1 token URL and issuer accepted as aud', async () => {
  const r = await ccAssertion(await assertion());
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(decode(String(r.json.access_token)).payload.appidacr, '2');
  assert.equal(
    (await ccAssertion(await assertion({ alg: 'PS256', header: { 'x5t#S256': emu.certificate.x5tS256 } }))).status,
    200,
  );
  assert.equal((await ccAssertion(await assertion({ aud: `${emu.info.authority}/oauth2/token` }))).status, 200);
  assert.equal((await ccAssertion(await assertion({ aud: `${emu.info.authority}/v2.0` }))).status, 200);
});

test('private_key_jwt errors: unknown thumbprint 700027, bad aud 70021, sub≠iss 50048, out of time 700024 (valid from 1970), jti replay', async () => {
  const d = assertEntraError(
    await ccAssertion(await assertion({ header: { x5t: 'hOBcHZi846VCHSJbFAs26Go9VTQ' } })),
    401,
    'invalid_client',
    700027,
  );
  assert.match(
    d,
    /^Client assertion contains an invalid signature\. \[Reason - The key was not found\., Thumbprint of key used by client: '84E05C1D98BCE3A5421D225B140B36E86A3D5534', Please visit/,
  );
  assertEntraError(
    await ccAssertion(await assertion({ aud: 'https://login.microsoftonline.com/other/oauth2/v2.0/token' })),
    401,
    'invalid_client',
    70021,
  );
  assert.equal(
    assertEntraError(await ccAssertion(await assertion({ sub: 'someone-else' })), 401, 'invalid_client', 50048),
    'Subject mismatches Issuer claim in the client assertion.',
  );
  const old = Math.floor(Date.now() / 1000) - 7200;
  const t = assertEntraError(
    await ccAssertion(await assertion({ nbf: null, exp: old })),
    401,
    'invalid_client',
    700024,
  );
  assert.match(
    t,
    /^Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from 1970-01-01T00:00:00\.0000000Z, expiry time of assertion \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z\. Review the documentation at https:\/\/learn\.microsoft\.com\/entra\/identity-platform\/certificate-credentials \.$/,
  );
  const jti = randomUUID();
  assert.equal((await ccAssertion(await assertion({ jti }))).status, 200);
  // another assertion with the same jti (here: a later expiry) is a replay
  const later = Math.floor(Date.now() / 1000) + 900;
  assertEntraError(await ccAssertion(await assertion({ jti, exp: later })), 401, 'invalid_client', 700023);
});

test('one client assertion reused within its lifetime is accepted (as MSAL reuses it), and refused once expired', async () => {
  const one = await assertion();
  for (let i = 0; i < 3; i++) assert.equal((await ccAssertion(one)).status, 200, `use ${i + 1}`);
  const graph = await post(tokenUrl(emu), {
    client_id: emu.info.certificate_client_id,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: one,
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  assert.equal(graph.status, 200, graph.text);
  emu.advanceClock(600 + 301);
  try {
    assertEntraError(await ccAssertion(one), 401, 'invalid_client', 700024);
  } finally {
    emu.advanceClock(-(600 + 301));
  }
});

test('device code: v2 response, pending 70016, approval via control API, then tokens; the code is then gone', async () => {
  const dc = await post(`${emu.info.authority}/oauth2/v2.0/devicecode`, {
    client_id: pub(),
    scope: `${DATABRICKS_SCOPE} offline_access openid profile`,
  });
  assert.equal(dc.status, 200);
  assert.deepEqual(Object.keys(dc.json), [
    'user_code',
    'device_code',
    'verification_uri',
    'expires_in',
    'interval',
    'message',
  ]);
  assert.match(String(dc.json.user_code), /^[A-Z0-9]{9}$/);
  assert.equal(dc.json.expires_in, 900);
  assert.equal(dc.json.interval, 5);
  assert.equal(dc.json.verification_uri, `${emu.url}/devicelogin`);
  assert.equal(
    dc.json.message,
    `To sign in, use a web browser to open the page ${emu.url}/devicelogin and enter the code ${dc.json.user_code} to authenticate.`,
  );
  const poll = {
    client_id: pub(),
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: String(dc.json.device_code),
  };
  assert.equal(
    assertEntraError(await post(tokenUrl(emu), poll), 400, 'authorization_pending', 70016),
    'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  );
  const c = await fetch(`${emu.url}/_emulator/devicecode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_code: dc.json.user_code, action: 'approve' }),
  });
  assert.equal(c.status, 200);
  const ok = await post(tokenUrl(emu), poll);
  assert.equal(ok.status, 200);
  assert.ok(ok.json.refresh_token && ok.json.id_token);
  assertEntraError(await post(tokenUrl(emu), poll), 400, 'bad_verification_code', 70000);
});

test('device code: declined, expired (70020), and the /devicelogin page approving with a password', async () => {
  const start = async () =>
    (await post(`${emu.info.authority}/oauth2/v2.0/devicecode`, { client_id: pub(), scope: DATABRICKS_SCOPE })).json;
  const poll = (d: Record<string, unknown>) =>
    post(tokenUrl(emu), {
      client_id: pub(),
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: String(d.device_code),
    });
  const a = await start();
  emu.approveDeviceCode(String(a.user_code), 'decline');
  assertEntraError(await poll(a), 400, 'authorization_declined', 65004);
  const b = await start();
  emu.advanceClock(901);
  try {
    assert.equal(
      assertEntraError(await poll(b), 400, 'expired_token', 70020),
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    );
  } finally {
    emu.advanceClock(-901);
  }
  const c = await start();
  const page = await get(`${emu.url}/devicelogin`);
  assert.match(page.text, /name="otc"/);
  const confirm = await post(`${emu.url}/devicelogin`, { otc: String(c.user_code) });
  assert.match(confirm.text, /id="idSIButton9"/);
  assert.match(confirm.text, /id="idBtn_Back"/);
  const done = await post(`${emu.url}/devicelogin`, {
    otc: String(c.user_code),
    action: 'approve',
    login: emu.info.username,
    passwd: emu.info.password,
  });
  assert.match(done.text, /You have signed in/);
  assert.equal((await poll(c)).status, 200);
});

test('device code: slow_down when polled faster than the interval, only when enabled', async () => {
  const slow = await startEmulator({ deviceSlowDown: true });
  try {
    const d = (
      await post(`${slow.info.authority}/oauth2/v2.0/devicecode`, {
        client_id: slow.info.public_client_id,
        scope: DATABRICKS_SCOPE,
      })
    ).json;
    const poll = () =>
      post(`${slow.info.authority}/oauth2/v2.0/token`, {
        client_id: slow.info.public_client_id,
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: String(d.device_code),
      });
    assert.equal((await poll()).json.error, 'authorization_pending');
    assert.equal((await poll()).json.error, 'slow_down');
    slow.advanceClock(6);
    assert.equal((await poll()).json.error, 'authorization_pending');
  } finally {
    await slow.close();
  }
});

test('v1 endpoints: /oauth2/token with resource= gives string numbers, expires_on, not_before, resource; /oauth2/devicecode gives verification_url', async () => {
  const r = await post(`${emu.info.authority}/oauth2/token`, {
    grant_type: 'client_credentials',
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), [
    'token_type',
    'expires_in',
    'ext_expires_in',
    'expires_on',
    'not_before',
    'resource',
    'access_token',
  ]);
  for (const k of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before'])
    (assert.match(String(r.json[k]), /^\d+$/), assert.equal(typeof r.json[k], 'string'));
  assert.equal(r.json.expires_in, '3599');
  assert.equal(Number(r.json.expires_on) - Number(r.json.not_before), 3900);
  const dc = await post(`${emu.info.authority}/oauth2/devicecode`, {
    client_id: pub(),
    resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.deepEqual(Object.keys(dc.json), [
    'user_code',
    'device_code',
    'verification_url',
    'expires_in',
    'interval',
    'message',
  ]);
  assert.equal(dc.json.expires_in, '900');
  assert.equal(dc.json.interval, '5');
  const pw = await post(`${emu.info.authority}/oauth2/token`, {
    grant_type: 'password',
    client_id: pub(),
    username: emu.info.username,
    password: emu.info.password,
    resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.equal(pw.status, 200);
  assert.equal(pw.json.scope, 'user_impersonation');
  assert.ok(pw.json.refresh_token);
});

test('extra MSAL parameters and headers are tolerated and ignored', async () => {
  const r = await post(
    tokenUrl(emu),
    {
      client_id: emu.info.confidential_client_id,
      client_secret: emu.info.client_secret,
      grant_type: 'client_credentials',
      scope: DATABRICKS_SCOPE,
      client_info: '1',
      'x-client-SKU': 'msal.js.node',
      'x-client-VER': '2.0',
      'client-request-id': randomUUID(),
      claims: '{}',
    },
    {
      'x-client-SKU': 'msal.js.node',
      'x-ms-lib-capability': 'retry-after, h429',
      'x-client-current-telemetry': '5|771,2,,,|,',
    },
  );
  assert.equal(r.status, 200);
});
