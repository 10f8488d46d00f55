// Issue 20 item 1 proof, through the CLI against the emulator: a CAE revocation → Graph / the workspace answer
// 401 insufficient_claims → ONE re-acquisition with the challenge's claims (silent through the refresh token)
// → the call succeeds; when the re-acquisition needs a sign-in, one error naming `login --claims '…'`; never a loop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RecordedRequest } from '../../src/emulator/request-log.js';
import { passwordSignIn, runInProcess } from '../helpers/cli.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => emu.close());

const freshEnv = () => ({
  ENTRA_TOKEN_GRAPH_URL: String(emu.info.graph_url),
  ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')),
  ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')),
});

const signIn = (env: Record<string, string>, scope: string, extra: string[] = []) =>
  passwordSignIn(emu.info, env, { extra: ['--scope', `${scope} openid profile offline_access`, ...extra] });

const GRAPH = 'https://graph.microsoft.com/User.Read.All';
const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const tokenRequests = (): RecordedRequest[] => emu.requests().filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
const form = (r: RecordedRequest): URLSearchParams => new URLSearchParams(r.form ?? {});
const tick = () => new Promise((r) => setTimeout(r, 5)); // a token issued strictly after the event

test('graph users list: a CAE challenge is answered by ONE refresh with the claims, then the call succeeds; the new token replaces the cached one', async () => {
  const env = freshEnv();
  assert.equal((await signIn(env, GRAPH)).code, 0);
  assert.equal((await runInProcess(['graph', 'users', 'list', '--output', 'json'], { env })).code, 0);
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  const r = await runInProcess(['graph', 'users', 'list', '--output', 'json'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as unknown[]).length > 0);
  assert.match(
    r.stderr,
    /^entra-token: Microsoft Graph answered with a claims challenge \(insufficient_claims\): getting a new token with its claims\n$/,
  );
  const graphCalls = emu.requests().filter((q) => q.path === '/v1.0/users');
  assert.equal(graphCalls.length, 2, 'one refused call, one retried call');
  const tr = tokenRequests();
  assert.equal(tr.length, 1, 'exactly one token request');
  const f = form(tr[0]!);
  assert.equal(f.get('grant_type'), 'refresh_token');
  const sent = JSON.parse(f.get('claims')!) as { access_token: { nbf: { essential: boolean; value: string } } };
  assert.equal(sent.access_token.nbf.essential, true);
  // the cache now holds the new token: the next run is a cache hit with no token request and no challenge
  emu.clearRequests();
  const again = await runInProcess(['graph', 'users', 'list', '--output', 'json'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.deepEqual(
    tokenRequests().map((q) => [q.form, q.status]),
    [],
  );
});

test('databricks clusters list: the same, against the workspace', async () => {
  const env = freshEnv();
  assert.equal((await signIn(env, DATABRICKS)).code, 0);
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  const r = await runInProcess(
    ['databricks', 'clusters', 'list', '--host', String(emu.info.workspace_url), '--output', 'json'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as unknown[]).length >= 2);
  assert.match(r.stderr, /Azure Databricks answered with a claims challenge \(insufficient_claims\)/);
  const tr = tokenRequests();
  assert.equal(tr.length, 1);
  assert.equal(form(tr[0]!).get('grant_type'), 'refresh_token');
  assert.match(form(tr[0]!).get('claims')!, /^\{"access_token":\{"nbf":\{"essential":true,"value":"\d{10}"\}\}\}$/);
  assert.equal(emu.requests().filter((q) => q.path.endsWith('/clusters/list')).length, 2);
});

test('a revocation that also revokes the refresh token: one error naming `entra-token login … --claims`, exit 5, no loop', async () => {
  const env = freshEnv();
  assert.equal((await signIn(env, GRAPH)).code, 0);
  emu.revokeUser(String(emu.info.username));
  await tick();
  emu.clearRequests();
  const r = await runInProcess(['graph', 'users', 'list'], { env });
  assert.equal(r.code, 5, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stderr);
  assert.match(lines[0]!, /^entra-token: Microsoft Graph answered with a claims challenge/);
  assert.match(
    lines[1]!,
    /^entra-token: error EINTERACTION_REQUIRED: Microsoft Graph asked for a new token with claims \(Continuous Access Evaluation or Conditional Access\) and getting one needs a sign-in: invalid_grant AADSTS50173: /,
  );
  assert.match(
    lines[2]!,
    /^hint: .*entra-token login --authority http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36} --client-id [0-9a-f-]{36} --scope https:\/\/graph\.microsoft\.com\/user\.read\.all --claims '\{"access_token":\{"nbf":\{"essential":true,"value":"\d{10}"\}\}\}'/,
  );
  assert.equal(emu.requests().filter((q) => q.path === '/v1.0/users').length, 1, 'no second call');
  assert.equal(tokenRequests().length, 1, 'one refresh attempt');
});

test('a resource that keeps challenging: one re-acquisition, one retry, then exit 9 (never a loop)', async () => {
  const env = freshEnv();
  assert.equal((await signIn(env, GRAPH)).code, 0);
  let calls = 0;
  const claims = Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString('base64');
  const stub = createServer((_req, res) => {
    calls++;
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': `Bearer realm="", error="insufficient_claims", claims="${claims}"`,
    });
    res.end('{"error":{"code":"InvalidAuthenticationToken","message":"Step-up required."}}');
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  try {
    emu.clearRequests();
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const r = await runInProcess(['graph', 'users', 'list', '--graph-url', url], { env });
    assert.equal(r.code, 9, r.stderr);
    assert.equal(calls, 2, 'the first call and one retry');
    assert.equal(tokenRequests().length, 1, 'one re-acquisition');
    assert.equal(form(tokenRequests()[0]!).get('claims'), '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}');
    assert.match(
      r.stderr,
      /entra-token: error EAPI: Microsoft Graph answered a second claims challenge to the token acquired with its claims; not trying again/,
    );
    assert.match(
      r.stderr,
      /\nhint: sign in again interactively with the claims: entra-token login --claims '\{"access_token":\{"acrs"/,
    );
  } finally {
    await new Promise((r) => stub.close(r));
  }
});

test('--claims: invalid JSON is a one-line usage error (exit 2); base64 of JSON is accepted', async () => {
  const env = freshEnv();
  const bad = await runInProcess(['token', '--claims', '{not json', '--authority', emu.info.authority], { env });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.split('\n')[0], 'entra-token: error EUSAGE: --claims: the claims request is not valid JSON');
  const arr = await runInProcess(['graph', 'users', 'list', '--claims', 'WzFd'], { env }); // base64 of [1]
  assert.equal(arr.code, 2);
  assert.match(arr.stderr, /^entra-token: error EUSAGE: --claims: the claims request must be a JSON object/);
  const cap = await runInProcess(['token', '--client-capabilities', 'cp9'], { env });
  assert.equal(cap.code, 2);
  assert.match(cap.stderr, /^entra-token: error EUSAGE: unknown client capability "CP9" \(known: CP1\)/);
});

test('authorize-url puts claims (merged with cp1) on the URL; exchange sends them again on the code redemption', async () => {
  const env = freshEnv();
  const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
  const a = await runInProcess(
    [
      'authorize-url',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.public_client_id,
      '--claims',
      claims,
      '--client-capabilities',
      'cp1',
    ],
    { env },
  );
  assert.equal(a.code, 0, a.stderr);
  const url = new URL(a.stdout.trim());
  const merged = '{"access_token":{"acrs":{"essential":true,"value":"c1"},"xms_cc":{"values":["CP1"]}}}';
  assert.equal(url.searchParams.get('claims'), merged);
  assert.ok(a.stdout.includes(`&claims=${encodeURIComponent(merged)}`), 'percent-encoded as the other parameters');
  const signIn = await fetch(url, { redirect: 'manual' }); // the emulator signs alice in (autoApprove)
  const redirect = signIn.headers.get('location')!;
  emu.clearRequests();
  const x = await runInProcess(['exchange', redirect, '-o', 'json'], { env });
  assert.equal(x.code, 0, x.stderr);
  assert.equal(tokenRequests()[0]!.form?.claims, merged);
  const at = JSON.parse(x.stdout) as { access_token: string };
  const payload = JSON.parse(Buffer.from(at.access_token.split('.')[1]!, 'base64url').toString()) as {
    xms_cc?: string[];
  };
  assert.deepEqual(payload.xms_cc, ['CP1']);
});

test('client-credentials --client-capabilities (or ENTRA_TOKEN_CLIENT_CAPABILITIES) and refresh --claims send the claims parameter', async () => {
  const env = freshEnv();
  emu.clearRequests();
  const cc = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '--scope',
      'https://graph.microsoft.com/.default',
      '-o',
      'token',
    ],
    { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret), ENTRA_TOKEN_CLIENT_CAPABILITIES: 'CP1' } },
  );
  assert.equal(cc.code, 0, cc.stderr);
  assert.equal(tokenRequests()[0]!.form?.claims, '{"access_token":{"xms_cc":{"values":["CP1"]}}}');
  assert.equal((await signIn(env, GRAPH)).code, 0);
  emu.clearRequests();
  const claims = Buffer.from('{"id_token":{"auth_time":{"essential":true}}}').toString('base64');
  const r = await runInProcess(
    [
      'refresh',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.public_client_id,
      '--scope',
      GRAPH,
      '--claims',
      claims,
      '-o',
      'token',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(tokenRequests()[0]!.form?.grant_type, 'refresh_token');
  assert.equal(tokenRequests()[0]!.form?.claims, '{"id_token":{"auth_time":{"essential":true}}}');
});

test('token --claims skips a fresh cached token and replaces it; --help of every acquiring command lists --claims', async () => {
  const env = freshEnv();
  assert.equal((await signIn(env, GRAPH)).code, 0);
  const base = ['token', '--scope', GRAPH, '-o', 'token'];
  const cached = await runInProcess(base, { env });
  emu.clearRequests();
  const fresh = await runInProcess([...base, '--claims', '{"access_token":{"nbf":{"essential":true,"value":"1"}}}'], {
    env,
  });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.notEqual(fresh.stdout, cached.stdout);
  assert.equal(tokenRequests().length, 1);
  const again = await runInProcess(base, { env });
  assert.equal(again.stdout, fresh.stdout, 'the new token replaced the cached one');
  for (const cmd of [
    ['login'],
    ['device-code'],
    ['authorize-url'],
    ['refresh'],
    ['password'],
    ['client-credentials'],
    ['token'],
    ['graph', 'users', 'list'],
    ['databricks', 'clusters', 'list'],
    ['serve'],
  ]) {
    const h = await runInProcess([...cmd, '--help'], { env });
    assert.match(h.stdout, /--claims <json>/, cmd.join(' '));
    assert.match(h.stdout, /--client-capabilities <list>/, cmd.join(' '));
  }
});
