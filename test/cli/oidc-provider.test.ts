/**
 * The commands with `--issuer` against panva's oidc-provider on 127.0.0.1: sign-in, cache, silent
 * refresh through `token`, `inspect --verify` with the discovered keys, client credentials with a
 * generic scope and a bare key, and the refusals that are Entra's alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { runInProcess } from '../helpers/cli.js';
import { Agent, API, CLIENTS, SECRET, startOidcProvider, type RunningProvider } from '../helpers/oidc-provider.js';

let op: RunningProvider;
before(async () => {
  // access tokens live 2 minutes: less than the 5 minutes `token` wants, so every `token` refreshes
  op = await startOidcProvider({ accessTokenTtl: 120 });
});
after(async () => op.close());

const freshEnv = (): Record<string, string> => ({
  ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')),
  ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')),
});
const REDIRECT = 'http://127.0.0.1/callback';

/** authorize-url, the provider's pages (as `user`), then exchange: the JSON the exchange printed. */
async function signIn(env: Record<string, string>, user: 'alice' | 'bob'): Promise<Record<string, string>> {
  const url = await runInProcess(
    [
      'authorize-url',
      '--issuer',
      op.issuer,
      '--client-id',
      CLIENTS.public,
      '--redirect-uri',
      REDIRECT,
      '--scope',
      'openid email offline_access api:read',
      '--login-hint',
      user,
    ],
    { env },
  );
  assert.equal(url.code, 0, url.stderr);
  const arrival = await new Agent().authorize(url.stdout.trim(), REDIRECT);
  assert.ok('url' in arrival);
  const x = await runInProcess(['exchange', arrival.url, '-o', 'json'], { env });
  assert.equal(x.code, 0, x.stderr);
  return JSON.parse(x.stdout) as Record<string, string>;
}

test('sign in with --issuer, then token --issuer refreshes silently through the cache (the rotated refresh token saved)', async () => {
  const env = freshEnv();
  const first = await signIn(env, 'alice');
  assert.equal(decodeJwt(first.access_token!).aud, API);
  const cacheFile = join(env.ENTRA_TOKEN_CACHE_DIR!, 'tokens.json');
  const before = JSON.parse(readFileSync(cacheFile, 'utf8')) as { accounts: Array<Record<string, string>> };
  assert.equal(before.accounts.length, 1);
  const host = op.issuer.replace(/^http:\/\//, '');
  assert.equal(before.accounts[0]!.account, `alice@${host}`);
  assert.equal(before.accounts[0]!.issuer, op.issuer);
  assert.equal(before.accounts[0]!.token_endpoint, `${op.issuer}/token`);
  assert.equal(before.accounts[0]!.username, 'alice@example.org');

  const t = await runInProcess(['--trace', 'token', '--issuer', op.issuer, '-o', 'json'], { env });
  assert.equal(t.code, 0, t.stderr);
  const out = JSON.parse(t.stdout) as Record<string, unknown>;
  assert.notEqual(out.access_token, first.access_token, 'a new access token: the cached one had under 5 minutes');
  assert.equal(decodeJwt(String(out.access_token)).sub, 'alice');
  assert.match(t.stderr, new RegExp(`POST ${op.issuer}/token`));
  assert.match(t.stderr, /\n {7}grant_type=refresh_token\n/);
  assert.doesNotMatch(t.stderr, /\n {7}scope=/, 'no scope: the original grant (RFC 6749 §6)');
  assert.doesNotMatch(t.stderr, /2ff814a6/, 'no Entra scope is sent to another provider');
  const after = JSON.parse(readFileSync(cacheFile, 'utf8')) as {
    accounts: Array<Record<string, string>>;
    tokens: Array<{ resource: string; scopes: string[] }>;
  };
  assert.equal(after.accounts.length, 1);
  assert.deepEqual(
    after.tokens.map((x) => [x.resource, x.scopes]),
    [[API, ['api:read']]],
    'the refreshed token replaced the cached one (same resource and scopes)',
  );
  assert.notEqual(after.accounts[0]!.refresh_token, before.accounts[0]!.refresh_token, 'rotated and saved');

  // the old refresh token was used once: redeeming it again is refused with a hint
  const reuse = await runInProcess(['refresh', '--issuer', op.issuer, '--client-id', CLIENTS.public, '-o', 'json'], {
    env: { ...env, ENTRA_TOKEN_REFRESH_TOKEN: before.accounts[0]!.refresh_token! },
  });
  assert.equal(reuse.code, 5, reuse.stderr);
  assert.match(reuse.stderr, /^entra-token: error EINTERACTION_REQUIRED: invalid_grant: /);
  assert.match(
    reuse.stderr,
    new RegExp(
      `\\nhint: the refresh token is expired, revoked or was already used \\(a provider that rotates refresh tokens accepts each one once: keep only the newest, as the token cache does\\); sign in again: entra-token login --issuer ${op.issuer} --client-id ${CLIENTS.public}\\n$`,
    ),
  );
});

test('refresh --issuer from the cache sends the provider default scopes, not the Databricks scope', async () => {
  const env = freshEnv();
  await signIn(env, 'alice');
  const r = await runInProcess(
    ['--trace', 'refresh', '--issuer', op.issuer, '--client-id', CLIENTS.public, '-o', 'json'],
    {
      env,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\n {7}scope=openid offline_access\n/);
  assert.doesNotMatch(r.stderr, /2ff814a6/);
  assert.match(r.stderr, /note: the provider issued a new refresh token; it replaced the old one in the cache/);
});

test('inspect --verify --issuer checks access and id tokens with the discovered issuer and jwks_uri', async () => {
  const env = freshEnv();
  const tokens = await signIn(env, 'bob');
  for (const field of ['access_token', 'id_token'] as const) {
    const r = await runInProcess(['inspect', tokens[field]!, '--verify', '--issuer', op.issuer, '--output', 'json'], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { verification: { verified: boolean; issuer: string; keys_from?: string } };
    assert.equal(j.verification.verified, true, r.stdout);
    assert.equal(j.verification.issuer, op.issuer);
  }
  const text = await runInProcess(['inspect', tokens.id_token!, '--verify', '--issuer', op.issuer], { env });
  assert.match(text.stdout, new RegExp(`VERIFIED: signature by key op-key-1 from ${op.issuer}/jwks`));
  assert.match(text.stdout, /ID token for bob@example\.org|ID token for bob/);
  const at = await runInProcess(['inspect', tokens.access_token!], { env });
  assert.match(at.stdout, /for bob.*delegated \(scope [^)]*api:read/);
  assert.doesNotMatch(at.stdout, /app-only/);
  // a token from elsewhere: wrong issuer
  const wrong = await runInProcess(['inspect', tokens.id_token!, '--verify', '--issuer', op.issuer, '--tenant', 'x'], {
    env,
  });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--tenant cannot be combined with --issuer/);
  const tenantWarning = await runInProcess(['inspect', tokens.id_token!, '--tenant', 'x'], { env });
  assert.equal(tenantWarning.code, 0, tenantWarning.stderr);
  assert.match(tenantWarning.stdout, /the tenant is \(none\), not x/);
});

test('two users of one provider are cached apart; token --issuer then asks which one', async () => {
  const env = freshEnv();
  await signIn(env, 'alice');
  await signIn(env, 'bob');
  const list = await runInProcess(['cache', 'list', '-o', 'json'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /alice@example\.org/);
  assert.match(list.stdout, /bob@example\.org/);
  assert.match(list.stdout, /https:\/\/api\.example/);
  const both = await runInProcess(['token', '--issuer', op.issuer], { env });
  assert.equal(both.code, 2, both.stderr);
  assert.match(
    both.stderr,
    /^entra-token: error EUSAGE: 2 accounts that can serve this request are cached \(bob@example\.org, alice@example\.org\); choose one with --account\n/,
  );
  const bob = await runInProcess(['token', '--issuer', op.issuer, '--account', 'bob@example.org'], { env });
  assert.equal(bob.code, 0, bob.stderr);
  assert.equal(decodeJwt(bob.stdout.trim()).sub, 'bob');
});

test('client credentials under --issuer: a plain scope with a secret (post and basic), and a bare private key by kid', async () => {
  const env = freshEnv();
  for (const [client, auth] of [
    [CLIENTS.post, 'post'],
    [CLIENTS.basic, 'basic'],
  ] as const) {
    const r = await runInProcess(
      [
        'client-credentials',
        '--issuer',
        op.issuer,
        '--client-id',
        client,
        '--client-auth',
        auth,
        '--scope',
        'api:read',
        '-o',
        'json',
      ],
      { env: { ...env, AZURE_CLIENT_SECRET: SECRET } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(decodeJwt((JSON.parse(r.stdout) as { access_token: string }).access_token).client_id, client);
  }
  const keyFile = join(env.ENTRA_TOKEN_STATE_DIR!, 'client-key.pem');
  writeFileSync(keyFile, op.clientKey.pem, { mode: 0o600 });
  const k = await runInProcess(
    [
      'client-credentials',
      '--issuer',
      op.issuer,
      '--client-id',
      CLIENTS.jwt,
      '--certificate',
      keyFile,
      '--scope',
      'api:read',
      '--show-assertion',
      '-o',
      'json',
    ],
    { env },
  );
  assert.equal(k.code, 0, k.stderr);
  assert.match(
    k.stderr,
    new RegExp(`client assertion header: \\{"alg":"PS256","typ":"JWT","kid":"${op.clientKey.kid}"\\}`),
  );
  assert.equal(decodeJwt((JSON.parse(k.stdout) as { access_token: string }).access_token).client_id, CLIENTS.jwt);
});

test('Entra-only commands and options are refused under another provider', async () => {
  const env = freshEnv();
  const consent = await runInProcess(['admin-consent-url', '--issuer', op.issuer, '--client-id', CLIENTS.public], {
    env,
  });
  assert.equal(consent.code, 2);
  assert.equal(consent.stdout, '');
  assert.match(
    consent.stderr,
    /^entra-token: error EUSAGE: admin consent is an Entra ID endpoint; the provider at 127\.0\.0\.1:\d+ \(http:\/\/127\.0\.0\.1:\d+\) is another OpenID provider and has none\n/,
  );
  for (const argv of [
    ['login', '--issuer', op.issuer, '--tenant', 'contoso.com', '--client-id', CLIENTS.public, '--no-browser'],
    ['token', '--issuer', op.issuer, '--tenant', 'contoso.com'],
  ]) {
    const r = await runInProcess(argv, { env });
    assert.equal(r.code, 2, `${argv[0]}: ${r.stderr}`);
    assert.match(r.stderr, /--tenant cannot be combined with --issuer/);
  }
});
