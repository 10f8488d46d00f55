/**
 * The documented flow through the commands, against the emulator: authorize-url, the browser stand-in (a GET
 * that follows nothing and reads the emulator's auto-approve redirect), exchange of the pasted redirect. The
 * same flow called as a library is in test/flows/auth-code.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';
import { browse } from '../helpers/browse.js';
import { LIBRARY_KEYS } from '../helpers/platform.js';

let emu: Emulator;
let env: Record<string, string>;

before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
});

function freshEnv(): Record<string, string> {
  env = { ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')) };
  return env;
}

async function authorizeUrl(extra: string[] = []): Promise<string> {
  const r = await runInProcess(
    ['authorize-url', '--authority', emu.info.authority, '--client-id', emu.info.public_client_id, ...extra],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1, 'the URL alone, on one line');
  assert.match(r.stderr, /entra-token exchange/);
  return r.stdout.trim();
}

test('the documented flow: authorize-url, sign-in, pasted redirect → a verified v1 Azure Databricks token', async () => {
  freshEnv();
  const url = await authorizeUrl();
  const q = new URL(url).searchParams;
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.ok(q.get('nonce'));
  assert.ok((q.get('state') ?? '').length >= 22, 'state carries at least 128 bits');
  const redirect = await browse(url);
  // the Location may omit the root slash; a browser's address bar shows http://localhost/?code=. client_info=1 on the
  // authorize URL (docs/protocol.md §2.9) brings client_info back, in Entra's order
  assert.match(redirect, /^http:\/\/localhost\/?\?code=.+&client_info=[\w-]+&state=.+&session_state=/);
  assert.equal(q.get('client_info'), '1');
  assert.match(
    q.get('client-request-id') ?? '',
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(q.get('x-client-OS'), process.platform);
  const r = await runInProcess(['exchange', redirect, '--output', 'json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const tokens = JSON.parse(r.stdout);
  assert.equal(tokens.token_type, 'Bearer');
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
  assert.ok(tokens.id_token, 'openid gives an id token');
  assert.match(tokens.expires_on, /^\d{4}-\d\d-\d\dT/);
  const jwks = createRemoteJWKSet(new URL(`${emu.info.url}/${emu.info.tenant_id}/discovery/keys`));
  const { payload } = await jwtVerify(tokens.access_token, jwks, {
    issuer: `https://sts.windows.net/${emu.info.tenant_id}/`,
    audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.equal(payload.ver, '1.0');
  assert.equal(payload.scp, 'user_impersonation');
  assert.equal(payload.upn, 'alice@contoso.com');
  // the id token carries the nonce that was sent
  assert.equal(decodeJwt(tokens.id_token).nonce, q.get('nonce'));
  // what was sent: the documentation's form plus code_verifier, no client secret; then MSAL's client_info=1 and
  // library parameters (docs/protocol.md §2.9)
  const post = emu
    .requests()
    .filter((x) => x.method === 'POST' && x.path.endsWith('/oauth2/v2.0/token'))
    .at(-1)!;
  assert.deepEqual(Object.keys(post.form ?? {}), [
    'client_id',
    'scope',
    'code',
    'redirect_uri',
    'grant_type',
    'code_verifier',
    'client_info',
    ...LIBRARY_KEYS,
  ]);
  // the code is redeemed with the routing hint of the account the redirect's client_info names, as MSAL does
  assert.equal(post.headers['x-anchormailbox'], `Oid:${String(payload.oid)}@${emu.info.tenant_id}`);
});

test('exchange reads the redirect pasted on stdin and prints the bare token with --output token', async () => {
  freshEnv();
  const redirect = await browse(await authorizeUrl());
  const r = await runInProcess(['exchange', '-', '--output', 'token'], { env, stdin: `  '${redirect}'\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
});

test('exchange with --code and --state', async () => {
  freshEnv();
  const redirect = new URL(await browse(await authorizeUrl()));
  const r = await runInProcess(
    [
      'exchange',
      '--code',
      redirect.searchParams.get('code')!,
      '--state',
      redirect.searchParams.get('state')!,
      '-o',
      'token',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
});

test('a redirect whose state matches no pending sign-in is refused (exit 3) and nothing is sent', async () => {
  freshEnv();
  const redirect = new URL(await browse(await authorizeUrl()));
  redirect.searchParams.set('state', 'forged-state-value');
  const before = emu.requests().length;
  const r = await runInProcess(['exchange', redirect.toString()], { env });
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /^entra-token: error ESTATE_UNKNOWN: no pending sign-in has state forged-state-value \(pending: state .+ from \d+ s ago\)\nhint: the redirect comes from another sign-in/,
  );
  assert.equal(emu.requests().length, before, 'no request reached the token endpoint');
});

test('an expired pending sign-in (older than 10 minutes) is refused with ESTATE_EXPIRED', async () => {
  freshEnv();
  const redirect = await browse(await authorizeUrl());
  const r = await runInProcess(['exchange', redirect], { env, now: () => Date.now() + 11 * 60 * 1000 });
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /error ESTATE_EXPIRED: the sign-in with state .+ was started 11 min ago; pending sign-ins expire after 10 minutes/,
  );
});

test('a redirect pasted twice: the second exchange is refused locally as already used', async () => {
  freshEnv();
  const redirect = await browse(await authorizeUrl());
  assert.equal((await runInProcess(['exchange', redirect, '-o', 'token'], { env })).code, 0);
  const r = await runInProcess(['exchange', redirect], { env });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /error ESTATE_UNKNOWN: the sign-in with state .+ was already exchanged/);
});

test('a bare code without state needs --skip-state-check, which warns loudly', async () => {
  freshEnv();
  const redirect = new URL(await browse(await authorizeUrl()));
  const code = redirect.searchParams.get('code')!;
  const refused = await runInProcess(['exchange', '--code', code], { env });
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /ESTATE_MISMATCH: no state came with the code/);
  const r = await runInProcess(['exchange', '--code', code, '--skip-state-check', '-o', 'token'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING: --skip-state-check/);
});

test('an error redirect (user declined consent) is decoded with its hint, exit 4', async () => {
  freshEnv();
  const sent = new URL(await authorizeUrl()).searchParams;
  const state = sent.get('state')!;
  const redirect = `http://localhost/?error=access_denied&error_description=AADSTS65004%3a+User+declined+to+consent+to+access+the+app.%0d%0aTrace+ID%3a+7c839d05-4806-48f2-ba40-bf4128382500%0d%0aCorrelation+ID%3a+b94f5bce-b15e-48c6-a713-fc07c5c41a77%0d%0aTimestamp%3a+2023-08-28+11%3a25%3a19Z&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d65004&state=${state}`;
  const r = await runInProcess(['exchange', redirect], { env });
  assert.equal(r.code, 4);
  assert.equal(
    r.stderr,
    // the sign-in's client-request-id, then Entra's ids; this captured answer's correlation id is not ours, so it is shown
    `entra-token: error EAUTHORIZE: access_denied AADSTS65004: User declined to consent to access the app. (client-request-id ${sent.get('client-request-id')}, trace id 7c839d05-4806-48f2-ba40-bf4128382500, correlation id b94f5bce-b15e-48c6-a713-fc07c5c41a77, at 2023-08-28 11:25:19Z)\n` +
      'hint: sign in again and accept the consent prompt, or ask an administrator to consent for the tenant\n',
  );
});

const malformed: Array<[string, string, RegExp]> = [
  ['no query', 'http://localhost/', /EBAD_INPUT: the pasted URL has no query/],
  ['garbage', 'not a url at all', /EBAD_INPUT: the pasted text contains spaces/],
  [
    'non-ASCII code',
    'http://localhost/?code=0.AX%E2%80%8BEA&state=x',
    /EBAD_INPUT: the 'code' parameter contains characters/,
  ],
  ['1 MB of input', 'x'.repeat(1024 * 1024), /EBAD_INPUT: the pasted text is 1048576 bytes/],
];
for (const [name, input, message] of malformed) {
  test(`a malformed paste (${name}) is one clean line with exit 2`, async () => {
    freshEnv();
    const r = await runInProcess(['exchange', '-'], { env, stdin: input });
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('hint:')).length,
      1,
    );
    assert.doesNotMatch(r.stderr, /\bat .+\.(ts|js):\d+/);
  });
}

test('a truncated code reaches Entra and comes back as AADSTS9002313 with a sign-in-again hint', async () => {
  freshEnv();
  const redirect = new URL(await browse(await authorizeUrl()));
  redirect.searchParams.set('code', redirect.searchParams.get('code')!.slice(0, 40));
  const r = await runInProcess(['exchange', redirect.toString()], { env });
  assert.equal(r.code, 5);
  assert.match(r.stderr, /error EINTERACTION_REQUIRED: invalid_(grant|request) AADSTS9002313: /);
  assert.match(
    r.stderr,
    /hint: the code or token was mangled .*entra-token login --authority http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+ --client-id /,
  );
});

test('a network failure keeps the pending sign-in so the user can retry', async () => {
  freshEnv();
  const redirect = await browse(await authorizeUrl());
  emu.fault({ endpoint: 'token', count: 1, kind: 'drop' });
  const r1 = await runInProcess(['exchange', redirect], { env });
  assert.equal(r1.code, 6);
  assert.match(
    r1.stderr,
    /EOUTCOME_UNKNOWN: POST 127\.0\.0\.1:\d+ was sent but the connection failed .*; its outcome is unknown, so it was not retried/,
  );
  const r2 = await runInProcess(['exchange', redirect, '-o', 'token'], { env });
  assert.equal(r2.code, 0, r2.stderr);
});
