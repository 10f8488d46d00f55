// The `claims` parameter on every grant, against the emulator (docs/protocol.md §15): sent where MSAL sends it,
// merged with client capabilities (xms_cc CP1 lands in the token), and a claims request never answered from the cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RecordedRequest } from '../../src/emulator/request-log.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { mergeClaims } from '../../src/core/claims-challenge.js';
import { decodeJwtUnverified } from '../../src/core/jwt.js';
import { createHttpClient, type HttpClient } from '../../src/io/http.js';
import { deviceCodeTokens } from '../../src/flows/device-code.js';
import { passwordTokens } from '../../src/flows/password.js';
import { refreshTokens } from '../../src/flows/refresh.js';
import { clientCredentialsTokens } from '../../src/flows/client-credentials.js';
import { withClaimsChallenge } from '../../src/flows/claims-challenge.js';
import { EntraTokenError } from '../../src/core/errors.js';

let emu: Emulator;
let http: HttpClient;
const GRAPH = 'https://graph.microsoft.com/User.Read.All';
const CAE = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
const CP1 = mergeClaims(CAE, ['CP1'])!;

before(async () => {
  emu = await startEmulator({ autoApproveDeviceCodes: true });
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await emu.close();
});

const deps = () => ({ http, now: Date.now });
const authority = () => resolveAuthority({ authority: emu.info.authority });
const last = (suffix: string): RecordedRequest =>
  emu
    .requests()
    .filter((r) => r.path.endsWith(suffix))
    .at(-1)!;
const xmsCc = (jwt: string) => decodeJwtUnverified(jwt).claims.xms_cc;

test('mergeClaims puts CP1 beside the challenge, as MSAL does', () => {
  assert.equal(CP1, '{"access_token":{"nbf":{"essential":true,"value":"1700000000"},"xms_cc":{"values":["CP1"]}}}');
});

test('password and refresh grants send claims as the last form field; CP1 becomes the token xms_cc', async () => {
  const p = await passwordTokens(
    {
      authority: authority(),
      client_id: emu.info.public_client_id,
      username: String(emu.info.username),
      password: String(emu.info.password),
      scopes: [GRAPH, 'offline_access'],
      claims: CP1,
    },
    deps(),
  );
  assert.deepEqual(p.request.form!.at(-1), ['claims', CP1]);
  assert.equal(last('/token').form?.claims, CP1);
  assert.deepEqual(xmsCc(p.tokens.access_token), ['CP1']);
  const r = await refreshTokens(
    {
      authority: authority(),
      client_id: emu.info.public_client_id,
      refresh_token: p.tokens.refresh_token!,
      scopes: [GRAPH, 'offline_access'],
      claims: CAE,
    },
    deps(),
  );
  assert.deepEqual(r.request.form!.at(-1), ['claims', CAE]);
  assert.equal(xmsCc(r.tokens.access_token), undefined, 'no capability declared this time');
});

test('client credentials sends claims; device code sends them on the device code request and every poll', async () => {
  const cc = await clientCredentialsTokens(
    {
      authority: authority(),
      client_id: emu.info.confidential_client_id,
      credential: { kind: 'secret', client_secret: String(emu.info.client_secret) },
      scope: 'https://graph.microsoft.com/.default',
      claims: mergeClaims(undefined, ['CP1']),
    },
    deps(),
  );
  assert.equal(last('/token').form?.claims, '{"access_token":{"xms_cc":{"values":["CP1"]}}}');
  assert.ok(cc.tokens.access_token);
  emu.clearRequests();
  const dc = await deviceCodeTokens(
    {
      authority: authority(),
      client_id: emu.info.public_client_id,
      scopes: [GRAPH, 'openid', 'offline_access'],
      onPrompt: () => {},
      claims: CP1,
    },
    { ...deps(), sleep: async () => {} },
  );
  assert.equal(last('/devicecode').form?.claims, CP1);
  const polls = emu.requests().filter((r) => r.path.endsWith('/token'));
  assert.ok(polls.length >= 1);
  for (const p of polls) assert.equal(p.form?.claims, CP1);
  assert.deepEqual(xmsCc(dc.tokens.access_token), ['CP1']);
});

test('withClaimsChallenge: no challenge → one open, one call; other errors pass through untouched', async () => {
  const opened: Array<string | undefined> = [];
  const v = await withClaimsChallenge(
    async (c) => (opened.push(c), 't'),
    async (t) => `${t}!`,
    { resource: 'R' },
  );
  assert.equal(v, 't!');
  assert.deepEqual(opened, [undefined]);
  const boom = new EntraTokenError('EAPI', 'refused (403)');
  await assert.rejects(
    withClaimsChallenge(
      async () => 't',
      async () => {
        throw boom;
      },
      { resource: 'R' },
    ),
    (e) => e === boom,
  );
});

test('withClaimsChallenge: a challenge → open(claims) once → call once more; a second challenge is EAPI, never a third call', async () => {
  const challenge = () => new EntraTokenError('EAPI', 'refused (401)', { detail: { claims_challenge: CAE } });
  const opened: Array<string | undefined> = [];
  let calls = 0;
  const ok = await withClaimsChallenge(
    async (c) => (opened.push(c), c ? 'new' : 'old'),
    async (t) => {
      calls++;
      if (t === 'old') throw challenge();
      return t;
    },
    { resource: 'R' },
  );
  assert.equal(ok, 'new');
  assert.deepEqual(opened, [undefined, CAE]);
  assert.equal(calls, 2);
  calls = 0;
  await assert.rejects(
    withClaimsChallenge(
      async () => 't',
      async () => {
        calls++;
        throw challenge();
      },
      { resource: 'R' },
    ),
    (e: EntraTokenError) =>
      e.code === 'EAPI' && /^R answered a second claims challenge/.test(e.message) && e.hint!.includes('--claims'),
  );
  assert.equal(calls, 2);
});

test('withClaimsChallenge: a re-acquisition that needs a sign-in keeps its hint when it names --claims, else adds one', async () => {
  const challenged = async (t: string) => {
    if (t === 'old') throw new EntraTokenError('EAPI', 'x', { detail: { claims_challenge: CAE } });
    return t;
  };
  await assert.rejects(
    withClaimsChallenge(
      async (c) => {
        if (c) throw new EntraTokenError('EINTERACTION_REQUIRED', 'no refresh token', { hint: 'login --claims X' });
        return 'old';
      },
      challenged,
      { resource: 'R' },
    ),
    (e: EntraTokenError) =>
      e.code === 'EINTERACTION_REQUIRED' &&
      e.message ===
        'R asked for a new token with claims (Continuous Access Evaluation or Conditional Access) and getting one needs a sign-in: no refresh token' &&
      e.hint === 'login --claims X',
  );
  await assert.rejects(
    withClaimsChallenge(
      async (c) => {
        if (c) throw new EntraTokenError('EINTERACTION_REQUIRED', 'nope');
        return 'old';
      },
      challenged,
      { resource: 'R' },
    ),
    (e: EntraTokenError) => e.hint === `sign in with --claims '${CAE}'`,
  );
});
