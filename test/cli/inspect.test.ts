import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../helpers/cli.js';
import { loadFixture, makeKey, fixtureToken, sign, type TestKey } from '../core/token-fixtures.js';
import { clearJwksCache } from '../../src/io/jwks.js';

const TID = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
let key: TestKey;
let server: Server;
let trap: Server;
let origin: string;
let trapUrl: string;
let hits: string[] = [];
let trapHits = 0;
let jwksFile: string;

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

before(async () => {
  key = await makeKey('test-key-1');
  const body = JSON.stringify({ keys: [key.publicJwk] });
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === `/${TID}/discovery/keys` || req.url === `/${TID}/discovery/v2.0/keys`)
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404).end('{}');
  });
  trap = createServer((_req, res) => {
    trapHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  origin = await listen(server);
  trapUrl = await listen(trap);
  const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
  jwksFile = join(dir, 'keys.json');
  writeFileSync(jwksFile, body);
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => trap.close(() => r()));
});

async function run(name: string, args: string[], o: { token?: string; stdin?: string; now?: number } = {}) {
  const f = loadFixture(name);
  const token = o.token ?? (await fixtureToken(f, key));
  const argv = o.stdin === undefined ? ['inspect', token, ...args] : ['inspect', ...args];
  return runInProcess(argv, {
    now: () => (o.now ?? f.now) * 1000,
    env: { TZ: 'UTC' },
    ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
  });
}

test('inspect prints the verdict first, then says NOT VERIFIED, then header and claims explained', async () => {
  const r = await run('v1-user-databricks', []);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], loadFixture('v1-user-databricks').verdict);
  assert.equal(lines[1], 'NOT VERIFIED: decoded only (signature, issuer and lifetime not checked; add --verify)');
  assert.ok(lines.includes('  appidacr     0'));
  assert.ok(
    lines.includes('               how the client app authenticated: public client (no client authentication)'),
  );
  assert.ok(
    lines.includes(
      '               expires 2025-01-01 01:21:17 UTC (2025-01-01 01:21:17 local, UTC): expires in 52 min',
    ),
  );
});

test('inspect - reads a token response from stdin and shows both tokens; JSON output is keyed by field', async () => {
  const access = await fixtureToken(loadFixture('v1-user-databricks'), key);
  const id = await fixtureToken(loadFixture('v2-id-token'), key);
  const stdin = JSON.stringify({
    token_type: 'Bearer',
    expires_in: 3599,
    access_token: access,
    id_token: id,
    refresh_token: 'secret-rt',
  });
  const r = await run('v1-user-databricks', ['-', '--output', 'json'], { stdin });
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['access_token', 'id_token']);
  assert.equal(j.access_token.verdict, loadFixture('v1-user-databricks').verdict);
  assert.equal(j.id_token.kind, 'id');
  assert.match(j.id_token.verdict, /^ID token \(v2\) for alice@contoso\.com/);
  assert.equal(
    j.access_token.explanations.appidacr,
    'how the client app authenticated: public client (no client authentication)',
  );
  assert.deepEqual(j.access_token.verification, {
    requested: false,
    verified: false,
    kid: 'test-key-1',
    issuer: `https://sts.windows.net/${TID}/`,
    keys_from: null,
    problems: [],
  });
  assert.doesNotMatch(r.stdout, /secret-rt/);
});

test('inspect --verify takes keys from the configured authority and reports VERIFIED', async () => {
  clearJwksCache();
  hits = [];
  const r = await run('v1-user-databricks', [
    '--verify',
    '--authority',
    `${origin}/${TID}`,
    '--audience',
    '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout.split('\n')[1],
    `VERIFIED: signature by key test-key-1 from ${origin}/${TID}/discovery/keys, issuer https://sts.windows.net/${TID}/, lifetime (clock skew 300 s)`,
  );
  assert.deepEqual(hits, [`/${TID}/discovery/keys`]);
  const id = await run('v2-id-token', ['--verify', '--authority', `${origin}/organizations`, '--output', 'json'], {
    token: await sign(
      loadFixture('v2-id-token').header,
      { ...loadFixture('v2-id-token').claims, iss: `${origin}/${TID}/v2.0` },
      key,
    ),
  });
  assert.equal(id.code, 0, id.stderr);
  assert.equal(JSON.parse(id.stdout).verification.verified, true);
  assert.deepEqual(hits, [`/${TID}/discovery/keys`, `/${TID}/discovery/v2.0/keys`]);
});

test('inspect --verify never fetches keys from a jku the token supplies', async () => {
  clearJwksCache();
  const f = loadFixture('v1-user-databricks');
  const token = await sign({ ...f.header, jku: `${trapUrl}/keys` }, f.claims, key);
  const r = await run('v1-user-databricks', ['--verify', '--authority', `${origin}/${TID}`], { token });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(trapHits, 0);
});

test('inspect --verify --jwks FILE verifies offline', async () => {
  const r = await run('v1-app-only-databricks', ['--verify', '--jwks', jwksFile, '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout).verification;
  assert.deepEqual(v, {
    requested: true,
    verified: true,
    kid: 'test-key-1',
    issuer: `https://sts.windows.net/${TID}/`,
    keys_from: jwksFile,
    problems: [],
  });
});

test('inspect --verify fails with exit 7 and the precise reason: bad signature, expired, wrong audience, alg none', async () => {
  const cases: Array<[string, string[], string]> = [
    [
      'bad-signature',
      [],
      `entra-token: error ESIGNATURE: bad signature: the token was not signed by key test-key-1 from ${jwksFile}, or was altered after signing\n`,
    ],
    [
      'expired',
      [],
      'entra-token: error ECLAIM: expired 3 h ago (exp 2025-01-01T01:21:17.000Z, clock skew allowed 300 s)\n',
    ],
    [
      'wrong-audience',
      ['--audience', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d'],
      'entra-token: error ECLAIM: wrong audience "https://management.core.windows.net/"; expected 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\n',
    ],
    ['alg-none', [], 'entra-token: error ESIGNATURE: the token is unsigned (alg none)\n'],
  ];
  for (const [name, extra, stderr] of cases) {
    const r = await run(name, ['--verify', '--jwks', jwksFile, ...extra]);
    assert.equal(r.code, 7, name);
    assert.equal(r.stderr, stderr, name);
    assert.match(r.stdout.split('\n')[1]!, /^NOT VERIFIED: /, name);
  }
});

test('inspect --verify on a Graph token that cannot be verified says why, and that it is not forgery', async () => {
  const f = loadFixture('graph-header-nonce');
  const [h, p] = (await fixtureToken(f, key)).split('.');
  const other = (await sign({ ...f.header, nonce: 'x' }, f.claims, key)).split('.')[2];
  const r = await run('graph-header-nonce', ['--verify', '--jwks', jwksFile], { token: `${h}.${p}.${other}` });
  assert.equal(r.code, 7);
  assert.equal(
    r.stderr,
    'entra-token: error ESIGNATURE: Microsoft Graph token (nonce in its header): Microsoft-owned APIs use a proprietary format that clients cannot verify; this does not mean it is forged (treat it as opaque)\n',
  );
});

test('bad input is one line on stderr and exit 2, never a stack', async () => {
  const random = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)).toString('latin1');
  const inputs = [
    random,
    'abc.def',
    'a.b.c.d',
    'eyJhbGciOiJSUzI1NiJ9.e$$$.sig',
    `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('hello').toString('base64url')}.sig`,
  ];
  for (const input of inputs) {
    const r = await runInProcess(['inspect', input]);
    assert.equal(r.code, 2, input);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^entra-token: error EBAD_INPUT: [^\n]+\n(hint: [^\n]+\n)?$/, input);
  }
  const big = await runInProcess(['inspect', '-'], { stdin: 'a'.repeat(1024 * 1024 + 10) });
  assert.equal(big.code, 2);
  assert.equal(big.stderr, 'entra-token: error EBAD_INPUT: standard input is larger than 1048576 bytes\n');
});

test('warnings are printed; --strict turns them into exit 7 ECLAIM', async () => {
  const aud = await run('wrong-audience', ['--expect', 'databricks']);
  assert.equal(aud.code, 0);
  assert.match(
    aud.stdout,
    /\nWarnings\n {2}! the audience is https:\/\/management\.core\.windows\.net\/ \(Azure service management \(ARM\)\), not Azure Databricks/,
  );
  const strict = await run('wrong-audience', ['--expect', 'databricks', '--strict']);
  assert.equal(strict.code, 7);
  assert.match(
    strict.stderr,
    /^entra-token: error ECLAIM: 1 warning with --strict: the audience is https:\/\/management\.core\.windows\.net\/ /,
  );
  const f = loadFixture('v1-user-databricks');
  const soon = await run('v1-user-databricks', ['--strict'], { now: (f.claims.exp as number) - 29 });
  assert.equal(soon.code, 7);
  assert.equal(
    soon.stderr,
    'entra-token: error ECLAIM: 1 warning with --strict: only 29 s left: Databricks rejects tokens with less than 30 s; refresh it\n',
  );
  const nonce = await run('v2-id-token', ['--strict', '--nonce', 'abc', '--tenant', TID]);
  assert.equal(nonce.code, 7);
  assert.equal(
    nonce.stderr,
    'entra-token: error ECLAIM: 1 warning with --strict: unexpected ID token "nonce" claim value 8c1f5a2e93; expected abc\n',
  );
  const tenant = await run('v1-app-only-databricks', [
    '--strict',
    '--tenant',
    'contoso.onmicrosoft.com',
    '--output',
    'json',
  ]);
  assert.equal(tenant.code, 7);
  assert.equal(
    tenant.stderr,
    `entra-token: warning: the tenant is ${TID}, not contoso.onmicrosoft.com\nentra-token: error ECLAIM: 1 warning with --strict: the tenant is ${TID}, not contoso.onmicrosoft.com\n`,
  );
});

test('usage errors: --cloud with --authority, --audience without --verify, a bad --clock-skew', async () => {
  assert.equal(
    (await run('v1-user-databricks', ['--verify', '--cloud', 'china', '--authority', origin])).stderr,
    'entra-token: error EUSAGE: give either --cloud or --authority, not both\n',
  );
  assert.equal((await run('v1-user-databricks', ['--audience', 'x'])).code, 2);
  assert.equal(
    (await run('v1-user-databricks', ['--verify', '--clock-skew', '-1', '--jwks', jwksFile])).stderr,
    'entra-token: error EUSAGE: --clock-skew -1 is not a whole number of seconds from 0 to 3600\n',
  );
});

test('issue 23: inspect refuses a token over 64 KiB and an input over 1 MiB, as the README says (exit 2)', async () => {
  const big = `eyJhbGciOiJub25lIn0.${'A'.repeat(70_000)}.`;
  const t = await runInProcess(['inspect', big]);
  assert.equal(t.code, 2);
  assert.equal(
    t.stderr,
    'entra-token: error EBAD_INPUT: the token is 70021 characters long; more than 65536 is not a JWT\n',
  );
  const huge = await runInProcess(['inspect', '-'], { stdin: `{"access_token":"${'A'.repeat(1_100_000)}"}` });
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /^entra-token: error EBAD_INPUT: standard input is larger than 1048576 bytes\n/);
});
