/**
 * Every flow against a real third-party OpenID provider: panva's oidc-provider on 127.0.0.1.
 * With OIDC_PROVIDER_TLS=1 the same tests run over https, the certificate trusted through
 * NODE_EXTRA_CA_CERTS (test/flows/oidc-provider-tls.test.ts starts them so).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { discoveryRequest, processDiscoveryResponse, authorityFromMetadata } from '../../src/core/discovery.js';
import type { Authority } from '../../src/core/authority.js';
import { defaultUserScopes } from '../../src/core/provider.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { MemoryPendingStore } from '../../src/io/pending.js';
import { emptyCache, findAccounts, lookup, putTokens } from '../../src/io/token-cache.js';
import { exchangeCode, startAuthorization } from '../../src/flows/auth-code.js';
import { refreshTokens } from '../../src/flows/refresh.js';
import { deviceCodeTokens } from '../../src/flows/device-code.js';
import { clientCredentialsTokens } from '../../src/flows/client-credentials.js';
import { Agent, API, CLIENTS, SECRET, startOidcProvider, type RunningProvider } from '../helpers/oidc-provider.js';

const TLS = process.env.OIDC_PROVIDER_TLS === '1';
const REDIRECT = 'http://127.0.0.1/callback';
let op: RunningProvider;
let http: HttpClient;
let authority: Authority;

before(async () => {
  op = await startOidcProvider({ tls: TLS });
  http = createHttpClient({ env: {} });
  const res = await http.send(discoveryRequest(op.issuer));
  authority = authorityFromMetadata(processDiscoveryResponse(res, op.issuer));
});
after(async () => {
  await http.close();
  await op.close();
});

const deps = () => ({ http, now: Date.now });

async function signIn(
  user: 'alice' | 'bob',
  response_mode: 'query' | 'fragment' | 'form_post' = 'query',
  scopes = ['openid', 'email', 'offline_access', 'api:read'],
) {
  const pending = new MemoryPendingStore();
  const started = await startAuthorization(
    { authority, client_id: CLIENTS.public, redirect_uri: REDIRECT, scopes, response_mode, login_hint: user },
    { pending, now: Date.now },
  );
  const arrival = await new Agent().authorize(started.url, REDIRECT);
  const redirect = 'url' in arrival ? arrival.url : new URLSearchParams(arrival.form_post.fields).toString(); // a form_post body
  return { pending, started, redirect };
}

test(`discovery of oidc-provider${TLS ? ' over https' : ''}: an OpenID provider, not Entra; default scopes from its metadata`, () => {
  assert.equal(authority.kind, 'oidc');
  assert.equal(authority.issuer, op.issuer);
  assert.equal(authority.tokenEndpoint, `${op.issuer}/token`);
  assert.equal(authority.metadata?.authorization_response_iss_parameter_supported, true);
  assert.deepEqual(defaultUserScopes(authority), ['openid', 'offline_access']);
  assert.equal(op.issuer.startsWith(TLS ? 'https://127.0.0.1:' : 'http://127.0.0.1:'), true);
});

for (const mode of ['query', 'fragment', 'form_post'] as const) {
  test(`authorization code (response_mode=${mode}): state, PKCE, nonce, RFC 9207 iss and the id token checked; JWT access token for the API`, async () => {
    const { pending, started, redirect } = await signIn('alice', mode);
    const url = new URL(started.url);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(
      url.searchParams.get('prompt'),
      'consent',
      'offline_access is asked with prompt=consent (OIDC Core §11)',
    );
    assert.equal(started.pending.issuer, op.issuer);
    const r = await exchangeCode({ input: { redirect }, pending }, deps());
    assert.equal(r.idToken?.sub, 'alice');
    assert.equal(r.idToken?.iss, op.issuer);
    assert.equal(r.idToken?.email, 'alice@example.org');
    assert.ok(r.tokens.refresh_token, 'offline_access granted a refresh token');
    const at = decodeJwt(r.tokens.access_token);
    assert.equal(at.aud, API);
    assert.equal(at.iss, op.issuer);
    const notes = r.trace.events.flatMap((e) => (e.type === 'note' ? [e.text] : []));
    assert.ok(notes.includes(`iss verified: ${op.issuer} is the issuer (RFC 9207)`), notes.join('\n'));
    assert.ok(notes.some((n) => n.includes(`aud is the client id, issuer ${op.issuer}, exp/iat`)));
  });
}

test('a tampered RFC 9207 iss on the redirect is refused before the code is sent; a missing one too (the provider promises it)', async () => {
  const { pending, redirect } = await signIn('alice');
  const evil = new URL(redirect);
  evil.searchParams.set('iss', 'https://evil.example');
  await assert.rejects(exchangeCode({ input: { redirect: evil.toString() }, pending }, deps()), {
    code: 'ECLAIM',
    message: `unexpected authorization response "iss" parameter value: expected ${JSON.stringify(op.issuer)}, got "https://evil.example" (RFC 9207); nothing was sent to the token endpoint`,
  });
  const cut = new URL(redirect);
  cut.searchParams.delete('iss');
  await assert.rejects(exchangeCode({ input: { redirect: cut.toString() }, pending }, deps()), {
    code: 'ECLAIM',
    message: /has no "iss" parameter, which the provider promises/,
  });
  // the untouched redirect still works: the refusals did not burn the sign-in
  const r = await exchangeCode({ input: { redirect }, pending }, deps());
  assert.equal(r.idToken?.sub, 'alice');
});

test('an id token naming another issuer (signed by a key not in the JWKS) is refused: nothing is returned', async () => {
  const { pending, redirect } = await signIn('alice');
  const mallory = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const real = pending.newest(Date.now())!;
  const forged = await new SignJWT({ sub: 'mallory', email: 'mallory@evil.example', nonce: real.nonce })
    .setProtectedHeader({ alg: 'RS256', kid: 'evil' })
    .setIssuer('https://evil.example')
    .setAudience(CLIENTS.public)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(mallory.privateKey);
  const tampering: HttpClient = {
    ...http,
    send: async (req, o) => {
      const res = await http.send(req, o);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      return { ...res, body: JSON.stringify({ ...body, id_token: forged }) };
    },
  };
  await assert.rejects(exchangeCode({ input: { redirect }, pending }, { http: tampering, now: Date.now }), {
    code: 'ECLAIM',
    message: `unexpected ID token "iss" claim value: expected ${JSON.stringify(op.issuer)}, got "https://evil.example"`,
  });
});

test('refresh with rotation: the new refresh token works, the reused old one is refused with a hint to sign in again', async () => {
  const { pending, redirect } = await signIn('alice');
  const first = await exchangeCode({ input: { redirect }, pending }, deps());
  const rt1 = first.tokens.refresh_token!;
  const r = await refreshTokens({ authority, client_id: CLIENTS.public, refresh_token: rt1, scopes: [] }, deps());
  assert.equal(r.rotated, true);
  assert.equal(r.idToken?.sub, 'alice', 'the refreshed id token is checked (iss, aud, exp)');
  assert.equal(
    r.request.form?.some(([k]) => k === 'scope'),
    false,
    'no scope: the original grant (RFC 6749 §6)',
  );
  const again = await refreshTokens(
    { authority, client_id: CLIENTS.public, refresh_token: r.tokens.refresh_token!, scopes: [] },
    deps(),
  );
  assert.equal(again.rotated, true);
  await assert.rejects(
    refreshTokens({ authority, client_id: CLIENTS.public, refresh_token: rt1, scopes: [] }, deps()),
    (e: { code: string; message: string; hint: string }) => {
      assert.equal(e.code, 'EINTERACTION_REQUIRED');
      assert.match(e.message, /^invalid_grant: /);
      assert.equal(e.message.includes('AADSTS'), false);
      assert.match(e.hint, /already used \(a provider that rotates refresh tokens accepts each one once/);
      assert.match(e.hint, new RegExp(`entra-token login --issuer ${op.issuer} --client-id ${CLIENTS.public}`));
      return true;
    },
  );
});

test('device code: the provider own page approves the user code; tokens and the id token checked', async () => {
  const agent = new Agent();
  let approval: Promise<void> | undefined;
  const r = await deviceCodeTokens(
    {
      authority,
      client_id: CLIENTS.public,
      scopes: ['openid', 'offline_access', 'api:read'],
      onPrompt: (d) => {
        assert.match(d.verification_uri, new RegExp(`^${op.issuer}/device`));
        approval = agent.approveDevice(op.issuer, d.user_code, 'bob', op);
      },
    },
    { ...deps(), sleep: (ms) => new Promise((res) => setTimeout(res, Math.min(ms, 200))) },
  );
  await approval;
  assert.equal(r.idToken?.sub, 'bob');
  assert.ok(r.tokens.refresh_token);
  assert.equal(decodeJwt(r.tokens.access_token).aud, API);
});

for (const [what, client_id, credential] of [
  ['client_secret_post', CLIENTS.post, { kind: 'secret', client_secret: SECRET, method: 'post' }],
  ['client_secret_basic', CLIENTS.basic, { kind: 'secret', client_secret: SECRET, method: 'basic' }],
] as const) {
  test(`client credentials with ${what} and a plain scope (no /.default rule outside Entra)`, async () => {
    const r = await clientCredentialsTokens({ authority, client_id, credential, scope: 'api:read' }, deps());
    const at = decodeJwt(r.tokens.access_token);
    assert.equal(at.aud, API);
    assert.equal(at.client_id, client_id);
    assert.equal(r.tokens.scope, 'api:read');
    assert.equal(r.tokens.refresh_token, undefined);
    if (what === 'client_secret_basic') assert.match(r.request.headers.authorization ?? '', /^Basic /);
    else assert.ok(r.request.form?.some(([k, v]) => k === 'client_secret' && v === SECRET));
  });
}

test('client credentials with private_key_jwt signed by a bare key named by its kid', async () => {
  let header: Record<string, unknown> = {};
  const r = await clientCredentialsTokens(
    {
      authority,
      client_id: CLIENTS.jwt,
      credential: { kind: 'certificate', certificate: { key: op.clientKey.key, kid: op.clientKey.kid } },
      scope: 'api:read',
      onAssertion: (d) => (header = d.header),
    },
    deps(),
  );
  assert.equal(header.kid, op.clientKey.kid);
  assert.equal(header.alg, 'PS256');
  assert.equal(header['x5t#S256'], undefined);
  assert.equal(decodeJwt(r.tokens.access_token).client_id, CLIENTS.jwt);
});

test('two users of one provider are cached apart (iss + sub), each with their own refresh token', async () => {
  const data = emptyCache();
  for (const user of ['alice', 'bob'] as const) {
    const { pending, redirect } = await signIn(user);
    const r = await exchangeCode({ input: { redirect }, pending }, deps());
    putTokens(data, {
      authority: authority.url,
      client_id: CLIENTS.public,
      provider: { kind: 'oidc', issuer: authority.issuer, token_endpoint: authority.tokenEndpoint },
      scopes: ['api:read'],
      tokens: r.tokens,
      idToken: r.idToken,
      now: Date.now(),
    });
  }
  const host = op.issuer.replace(/^https?:\/\//, '');
  assert.deepEqual(data.accounts.map((a) => a.account).sort(), [`alice@${host}`, `bob@${host}`]);
  assert.notEqual(data.accounts[0]!.refresh_token, data.accounts[1]!.refresh_token);
  assert.deepEqual(
    data.tokens.map((t) => t.resource),
    [API, API],
    'the resource is the access token aud, not a guess from the scope',
  );
  const q = { authority: authority.url, client_id: CLIENTS.public, scopes: ['api:read'] };
  const both = lookup(data, q, Date.now());
  assert.equal(both.account, undefined, 'two people: the caller must choose');
  assert.equal(findAccounts(data, q).length, 2);
  const bob = lookup(data, { ...q, account: 'bob@example.org' }, Date.now());
  assert.equal(bob.account?.username, 'bob@example.org');
  assert.equal(bob.account?.issuer, op.issuer);
});
