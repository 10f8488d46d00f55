import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import {
  verifyEntraJwt,
  throwIfUnverified,
  jwksUrl,
  expectedIssuers,
  checkJwks,
  parseAuthority,
} from '../../src/core/verify.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { loadFixture, makeKey, fixtureToken, sign, type TestKey } from './token-fixtures.js';

const TID = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const V1 = [`https://sts.windows.net/${TID}/`];
const V2 = [`https://login.microsoftonline.com/${TID}/v2.0`];
let key: TestKey;
let other: TestKey;
let jwks: { keys: unknown[] };

before(async () => {
  key = await makeKey('test-key-1');
  other = await makeKey('test-key-2');
  jwks = { keys: [key.publicJwk, { ...(await makeKey('test-key-3')).publicJwk }] };
});

async function check(name: string, o: { issuers?: string[]; audience?: string; now?: number; token?: string } = {}) {
  const f = loadFixture(name);
  const token = o.token ?? (await fixtureToken(f, key));
  return verifyEntraJwt(token, {
    jwks,
    issuers: o.issuers ?? V1,
    audience: o.audience,
    now: (o.now ?? f.now) * 1000,
    keysFrom: 'https://login.microsoftonline.com/t/discovery/keys',
  });
}

const reasons = (r: { problems: Array<{ reason: string }> }) => r.problems.map((p) => p.reason);

test('a v1 Databricks token signed by a JWKS key verifies: signature, v1 issuer, lifetime and audience', async () => {
  const r = await check('v1-user-databricks', { audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' });
  assert.deepEqual(r, {
    verified: true,
    kid: 'test-key-1',
    issuer: V1[0],
    keysFrom: 'https://login.microsoftonline.com/t/discovery/keys',
    problems: [],
  });
});

test('a v1 app-only token and a v2 ID token verify against their issuers', async () => {
  assert.equal((await check('v1-app-only-databricks')).verified, true);
  assert.equal(
    (await check('v2-id-token', { issuers: V2, audience: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90' })).verified,
    true,
  );
});

test('a token whose claims were altered after signing is rejected as a bad signature', async () => {
  const r = await check('bad-signature');
  assert.deepEqual(reasons(r), ['bad_signature']);
  assert.equal(r.problems[0]!.code, 'ESIGNATURE');
  assert.equal(
    r.problems[0]!.message,
    'bad signature: the token was not signed by key test-key-1 from https://login.microsoftonline.com/t/discovery/keys, or was altered after signing',
  );
});

test('a token signed by a key that is not in the JWKS is rejected as unknown kid', async () => {
  const f = loadFixture('v1-user-databricks');
  const r = await check('v1-user-databricks', { token: await sign(f.header, f.claims, other) });
  assert.deepEqual(reasons(r), ['unknown_kid']);
  assert.match(
    r.problems[0]!.message,
    /^unknown kid test-key-2: no such signing key from https:\/\/login\.microsoftonline\.com\/t\/discovery\/keys/,
  );
});

test('a token signed by another key but carrying a known kid is a bad signature', async () => {
  const f = loadFixture('v1-user-databricks');
  const token = await sign({ ...f.header, kid: 'test-key-1' }, f.claims, other, true);
  assert.deepEqual(reasons(await check('v1-user-databricks', { token })), ['bad_signature']);
});

test('wrong issuer, expired, not yet valid and wrong audience each get their own ECLAIM reason', async () => {
  const r1 = await check('v1-user-databricks', { issuers: V2 });
  assert.deepEqual(reasons(r1), ['wrong_issuer']);
  assert.equal(r1.problems[0]!.message, `wrong issuer https://sts.windows.net/${TID}/; expected ${V2[0]}`);
  const r2 = await check('expired');
  assert.deepEqual(reasons(r2), ['expired']);
  assert.equal(r2.problems[0]!.message, 'expired 3 h ago (exp 2025-01-01T01:21:17.000Z, clock skew allowed 300 s)');
  const r3 = await check('v1-user-databricks', { now: 1735689600 - 301 });
  assert.deepEqual(reasons(r3), ['not_yet_valid']);
  assert.equal(
    r3.problems[0]!.message,
    'not yet valid: valid from 2025-01-01T00:00:00.000Z, in 5 min (clock skew allowed 300 s)',
  );
  const r4 = await check('wrong-audience', { audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' });
  assert.deepEqual(reasons(r4), ['wrong_audience']);
  assert.equal(
    r4.problems[0]!.message,
    'wrong audience "https://management.core.windows.net/"; expected 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  );
  assert.ok(r4.problems.every((p) => p.code === 'ECLAIM'));
});

test('the 5 minute clock skew is allowed on both sides', async () => {
  const f = loadFixture('v1-user-databricks');
  assert.equal((await check('v1-user-databricks', { now: (f.claims.exp as number) + 299 })).verified, true);
  assert.deepEqual(reasons(await check('v1-user-databricks', { now: (f.claims.exp as number) + 300 })), ['expired']);
  assert.equal((await check('v1-user-databricks', { now: 1735689600 - 300 })).verified, true);
});

test('alg none and HS256 tokens are refused before any key is used', async () => {
  const none = await check('alg-none');
  assert.deepEqual(reasons(none), ['alg_not_allowed']);
  assert.equal(none.problems[0]!.message, 'the token is unsigned (alg none)');
  const f = loadFixture('v1-user-databricks');
  const hs = await new SignJWT(f.claims as never)
    .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
    .sign(new TextEncoder().encode('x'.repeat(32)));
  const r = await check('v1-user-databricks', { token: hs });
  assert.deepEqual(reasons(r), ['alg_not_allowed']);
  assert.equal(r.problems[0]!.message, 'alg HS256 (HMAC) is not accepted: Entra ID signs with RS256');
});

test('a Graph token with a header nonce that does not verify is explained as unverifiable, not forged', async () => {
  const f = loadFixture('graph-header-nonce');
  const good = await fixtureToken(f, key);
  const [h, p] = good.split('.');
  // Real Graph tokens are signed over a transformed header: simulate with a signature over other bytes.
  const foreign = (await sign({ ...f.header, nonce: 'hashed' }, f.claims, key)).split('.')[2];
  const r = await check('graph-header-nonce', { token: `${h}.${p}.${foreign}` });
  assert.deepEqual(reasons(r), ['graph_unverifiable']);
  assert.match(
    r.problems[0]!.message,
    /^Microsoft Graph token \(nonce in its header\): Microsoft-owned APIs use a proprietary format that clients cannot verify; this does not mean it is forged/,
  );
  // The emulator signs its Graph tokens plainly: those do verify.
  assert.equal((await check('graph-header-nonce', { token: good })).verified, true);
});

test('throwIfUnverified throws the first problem with its code, reason and a count of the others', async () => {
  const r = await check('expired', { audience: 'x' });
  assert.throws(
    () => throwIfUnverified(r),
    (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(e.code, 'ECLAIM');
      assert.equal(e.exitCode, 7);
      assert.equal(
        e.message,
        'expired 3 h ago (exp 2025-01-01T01:21:17.000Z, clock skew allowed 300 s) (and 1 more problem)',
      );
      assert.deepEqual(e.detail, { reason: 'expired', problems: ['expired', 'wrong_audience'] });
      return true;
    },
  );
});

test('JWKS URLs come from the selected cloud or the configured authority, per token version', () => {
  assert.equal(jwksUrl('1', TID), `https://login.microsoftonline.com/${TID}/discovery/keys`);
  assert.equal(jwksUrl('2', TID), `https://login.microsoftonline.com/${TID}/discovery/v2.0/keys`);
  assert.equal(jwksUrl('2', TID, { cloud: 'usgov' }), `https://login.microsoftonline.us/${TID}/discovery/v2.0/keys`);
  assert.equal(jwksUrl('1', TID, { cloud: 'china' }), `https://login.chinacloudapi.cn/${TID}/discovery/keys`);
  assert.equal(
    jwksUrl('2', TID, { authority: 'http://127.0.0.1:4000/organizations' }),
    `http://127.0.0.1:4000/${TID}/discovery/v2.0/keys`,
  );
  assert.throws(() => jwksUrl('1', '../evil'), /tenant "\.\.\/evil" is neither a GUID nor a domain name/);
  assert.throws(
    () => parseAuthority('http://login.example.com/t'),
    (e: unknown) => e instanceof EntraTokenError && e.code === 'EINSECURE',
  );
});

test("issuers: v1 sts.windows.net, v2 per cloud with China's issuer host differing from its endpoint host", () => {
  assert.deepEqual(expectedIssuers('1', TID), V1);
  assert.deepEqual(expectedIssuers('2', TID), V2);
  assert.deepEqual(expectedIssuers('2', TID, { cloud: 'usgov' }), [`https://login.microsoftonline.us/${TID}/v2.0`]);
  assert.deepEqual(expectedIssuers('2', TID, { cloud: 'china' }), [
    `https://login.partner.microsoftonline.cn/${TID}/v2.0`,
    `https://login.chinacloudapi.cn/${TID}/v2.0`,
  ]);
  assert.deepEqual(expectedIssuers('2', TID, { authority: 'http://127.0.0.1:4000/x' }), [
    `http://127.0.0.1:4000/${TID}/v2.0`,
  ]);
  assert.deepEqual(expectedIssuers('1', TID, { authority: 'http://127.0.0.1:4000/x' }), [
    `https://sts.windows.net/${TID}/`,
    `http://127.0.0.1:4000/${TID}/`,
  ]);
});

test('a malformed JWKS is EBAD_INPUT', () => {
  assert.throws(() => checkJwks({ kids: [] }), /is not a JWKS: expected a JSON object with a "keys" array/);
  assert.throws(() => checkJwks({ keys: [{ n: 'x' }] }), /every key needs a "kty"/);
});
