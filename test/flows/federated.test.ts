/**
 * Client credentials with a federated assertion (docs/protocol.md §14) against the emulator: GitHub
 * Actions, Azure Pipelines and a token file as sources, a job that outlives its GitHub token, and each
 * refusal with the hint that names the federated credential that would match.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { EntraOAuthError } from '../../src/core/errors.js';
import { detectAssertionSource } from '../../src/core/federated.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { createAssertionProvider } from '../../src/io/federated-assertion.js';
import { clientCredentialsTokens } from '../../src/flows/client-credentials.js';

const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
let emu: Emulator;
let info: Record<string, string>;
let http: HttpClient;
let offset = 0;
const now = () => Date.now() + offset;
let dir: string;

before(async () => {
  emu = await startEmulator();
  info = emu.info as unknown as Record<string, string>;
  http = createHttpClient({ env: {} });
  dir = await mkdtemp(join(tmpdir(), 'entra-token-fed-'));
});
after(async () => {
  await http.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function advance(seconds: number) {
  offset += seconds * 1000;
  emu.advanceClock(seconds);
}

const githubEnv = () => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: info.actions_id_token_request_url,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: info.actions_id_token_request_token,
});

async function acquire(provider: ReturnType<typeof createAssertionProvider>) {
  return clientCredentialsTokens(
    {
      authority: resolveAuthority({ authority: info.authority! }),
      client_id: info.federated_client_id!,
      credential: { kind: 'federated', provider },
      scope: DBX,
    },
    { http, now },
  );
}

async function clusterToken(body: Record<string, unknown>): Promise<string> {
  const r = await fetch(info.cluster_token_url!, { method: 'POST', body: JSON.stringify(body) });
  return ((await r.json()) as { token: string }).token;
}

const githubRequests = () => emu.requests().filter((r) => r.server === 'federation' && r.path.endsWith('/idtoken'));

test('GitHub Actions: the ID token for api://AzureADTokenExchange is exchanged for a Databricks token', async () => {
  const found = detectAssertionSource(githubEnv());
  assert.equal(found.source?.kind, 'github');
  const provider = createAssertionProvider(found.source!, { http, now });
  const r = await acquire(provider);
  const claims = decodeJwt(r.tokens.access_token);
  assert.equal(claims.appid, info.federated_client_id);
  assert.equal(claims.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
  const sent = emu
    .requests()
    .find((q) => q.path.endsWith('/oauth2/v2.0/token') && q.form?.client_id === info.federated_client_id);
  assert.equal(sent?.form?.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.equal(decodeJwt(sent!.form!.client_assertion!).aud, 'api://AzureADTokenExchange');
  assert.equal(
    new URL(
      `http://x${githubRequests().at(-1)!.path}?${new URLSearchParams(githubRequests().at(-1)!.query)}`,
    ).searchParams.get('audience'),
    'api://AzureADTokenExchange',
  );
});

test('a job that outlives its GitHub token: the token is reused while fresh, fetched again when it is not', async () => {
  emu.clearRequests();
  const provider = createAssertionProvider(detectAssertionSource(githubEnv()).source!, { http, now });
  await acquire(provider);
  await acquire(provider);
  assert.equal(githubRequests().length, 1, 'one GitHub token for two Entra requests within its life');
  advance(400); // past the GitHub token's 300 s
  const later = await acquire(provider);
  assert.equal(githubRequests().length, 2, 'a fresh GitHub token was fetched');
  assert.ok(later.tokens.access_token);
});

test('Azure Pipelines: the service connection OIDC token is exchanged', async () => {
  const env = {
    SYSTEM_OIDCREQUESTURI: info.system_oidcrequesturi,
    SYSTEM_ACCESSTOKEN: info.system_accesstoken,
    AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: info.service_connection_id,
  };
  const provider = createAssertionProvider(detectAssertionSource(env).source!, { http, now });
  const r = await acquire(provider);
  assert.equal(decodeJwt(r.tokens.access_token).appid, info.federated_client_id);
});

test('a token file (AKS workload identity) is re-read on every request', async () => {
  const file = join(dir, 'azure-identity-token');
  await writeFile(file, `${await clusterToken({})}\n`);
  const provider = createAssertionProvider(detectAssertionSource({ AZURE_FEDERATED_TOKEN_FILE: file }).source!, {
    http,
    now,
  });
  await acquire(provider);
  const rotated = await clusterToken({});
  await writeFile(file, rotated);
  emu.clearRequests();
  await acquire(provider);
  const sent = emu.requests().find((q) => q.path.endsWith('/oauth2/v2.0/token'));
  assert.equal(sent?.form?.client_assertion, rotated, 'the rotated file content was presented');
});

async function refusal(token: string): Promise<EntraOAuthError> {
  const file = join(dir, `t-${Math.random()}`);
  await writeFile(file, token);
  const provider = createAssertionProvider({ kind: 'file', path: file, why: 'test' }, { http, now });
  return (await acquire(provider).then(
    () => assert.fail(`accepted: ${JSON.stringify(decodeJwt(token))}`),
    (e: unknown) => e,
  )) as EntraOAuthError;
}

test('refusals: subject, case-only subject, audience, expiry and an unknown issuer — each names what would match', async () => {
  const sub = await refusal(await clusterToken({ subject: 'system:serviceaccount:default:other' }));
  assert.equal(sub.aadsts, 700213);
  assert.match(sub.hint!, /subject "system:serviceaccount:default:other"/);
  assert.match(sub.hint!, new RegExp(`issuer "${info.federated_issuer}"`));
  const caseOnly = await refusal(await clusterToken({ subject: 'system:serviceaccount:default:Entra-Token' }));
  assert.equal(caseOnly.aadsts, 7002138);
  const aud = await refusal(await clusterToken({ audience: 'https://kubernetes.default.svc' }));
  assert.equal(aud.aadsts, 700212);
  assert.match(aud.hint!, /audience "https:\/\/kubernetes.default.svc"/);
  const short = await clusterToken({ lifetime_seconds: 30 });
  advance(60);
  const expired = await refusal(short);
  assert.equal(expired.aadsts, 700024);
  assert.match(expired.hint!, /expired/);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const nowS = Math.floor(now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://evil.example', sub: 'x', aud: 'api://AzureADTokenExchange', iat: nowS, exp: nowS + 300 })}`;
  const forged = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  const unknown = await refusal(forged);
  assert.equal(unknown.aadsts, 700211);
  assert.match(unknown.hint!, /issuer "https:\/\/evil.example"/);
});

test('a forged token claiming the trusted issuer fails signature validation', async () => {
  const good = await clusterToken({});
  const [h, p] = good.split('.');
  const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
  const e = await refusal(forged);
  assert.equal(e.aadsts, 700027);
});
