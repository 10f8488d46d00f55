/**
 * The attacker's view: the loopback listener, forged and replayed callbacks, secrets in every output and
 * in child-process argv, file modes under a permissive umask, plain http, redirects from a token
 * endpoint, and tokens sent to a host other than the one named. Each promise of SECURITY.md is here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { createHttpClient } from '../../src/io/http.js';
import { startLoopbackListener, stateJudge } from '../../src/io/listener.js';
import { openBrowser, type Spawn } from '../../src/io/browser.js';
import { login } from '../../src/flows/login.js';
import { FilePendingStore } from '../../src/io/pending.js';
import { FileTokenStore } from '../../src/io/token-cache.js';
import { listUsers } from '../../src/apis/graph.js';
import { WorkspaceClient } from '../../src/apis/databricks.js';
import { fetchJwks, clearJwksCache } from '../../src/io/jwks.js';
import type { WireRequest, WireResponse } from '../../src/core/wire.js';
import { isolatedEnv } from '../helpers/env.js';

let emu: Emulator;
let I: Emulator['info'];
let root: string;
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

/** A loopback server that records every request it gets. */
interface Recorder {
  url: string;
  hits: Array<{ method: string; url: string; headers: Record<string, unknown> }>;
  server: Server;
}
async function recorder(
  answer: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = (_q, r) =>
    r.end(),
): Promise<Recorder> {
  const hits: Recorder['hits'] = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}
const recorders: Recorder[] = [];
async function rec(answer?: Parameters<typeof recorder>[0]): Promise<Recorder> {
  const r = await recorder(answer);
  recorders.push(r);
  return r;
}

before(async () => {
  emu = await startEmulator({ autoApprove: true });
  I = emu.info;
  root = mkdtempSync(join(tmpdir(), 'entra-sec-'));
});
after(async () => {
  for (const r of recorders) {
    r.server.closeAllConnections();
    await new Promise((res) => r.server.close(res));
  }
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

const dir = () => mkdtempSync(join(root, 'd-'));
const env = (d: string) => isolatedEnv(d);

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; location?: string }> {
  const res = await request(url, { method: 'GET', headers });
  return { status: res.statusCode, body: await res.body.text(), location: res.headers.location as string | undefined };
}

// ------------------------------------------------------------------ the listener

test('the listener binds loopback addresses only (from the socket), and a non-loopback address of this machine is refused', async () => {
  const l = await startLoopbackListener({ judge: () => ({ kind: 'ignore', reason: 'x' }) });
  try {
    const bound = l.addresses().map((a) => a.address);
    assert.ok(bound.length >= 1);
    for (const a of bound) assert.ok(a === '127.0.0.1' || a === '::1', `bound to ${a}`);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    for (const address of external) {
      const outcome = await new Promise<string>((resolve) => {
        const s = connect({ host: address, port: l.port, timeout: 1_000 });
        s.once('connect', () => (s.destroy(), resolve('connected')));
        s.once('timeout', () => (s.destroy(), resolve('timeout')));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      assert.notEqual(outcome, 'connected', `the listener answered on ${address}`);
    }
  } finally {
    await l.close();
  }
});

test('a bad Host header (DNS rebinding), a forged callback with a wrong state and a replayed callback do nothing', async () => {
  const state = 'the-real-state-0123456789abcdef';
  const l = await startLoopbackListener({ judge: stateJudge(state, () => new Error('authorize error')) });
  let settled = false;
  l.result.then(() => (settled = true)).catch(() => (settled = true));
  try {
    const base = `http://127.0.0.1:${l.port}/`;
    const rebind = await get(`${base}?code=c1&state=${state}`, { host: `evil.example:${l.port}` });
    assert.ok(rebind.status >= 400 && rebind.status < 500, `rebinding request answered ${rebind.status}`);
    const forged = await get(`${base}?code=attacker-code&state=guessed`);
    assert.ok(forged.status >= 400, `forged callback answered ${forged.status}`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false, 'neither the rebinding request nor the forged callback ended the wait');
    const good = await get(`${base}?code=real-code&state=${state}`);
    assert.equal(good.status, 200);
    const cb = await l.result;
    assert.equal(cb.params.get('code'), 'real-code', 'the one valid callback is the one accepted');
    const replay = await get(`${base}?code=real-code&state=${state}`).catch((e: Error) => ({
      status: 0,
      body: e.message,
    }));
    assert.notEqual(replay.status, 200, 'a replayed callback after the first is not accepted');
    assert.deepEqual(
      l
        .events()
        .map((e) => e.outcome)
        .filter((o) => o === 'accepted'),
      ['accepted'],
    );
  } finally {
    await l.close();
  }
});

test('a replayed redirect pasted to exchange after it was redeemed is refused (ESTATE_UNKNOWN, exit 3) and nothing is sent', async () => {
  const d = dir();
  const a = await runInProcess(['authorize-url', '--authority', I.authority, '--client-id', I.public_client_id], {
    env: env(d),
  });
  const redirect = (await get(a.stdout.trim())).location!;
  const first = await runInProcess(['exchange', redirect, '-o', 'json', '--no-cache'], { env: env(d) });
  assert.equal(first.code, 0, first.stderr);
  const before = emu.requests().length;
  const again = await runInProcess(['exchange', redirect, '-o', 'json', '--no-cache'], { env: env(d) });
  assert.equal(again.code, 3);
  assert.match(again.stderr, /error ESTATE_UNKNOWN: the sign-in with state .* was already exchanged/);
  assert.equal(emu.requests().length, before, 'the used code was not sent again');
});

// ------------------------------------------------------------------ secrets

function assertAbsent(where: string, text: string, secrets: Record<string, string>): void {
  for (const [name, s] of Object.entries(secrets)) assert.equal(text.includes(s), false, `${name} appears in ${where}`);
}
async function tokens(form: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`${I.authority}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) });
  return (await res.json()) as Record<string, string>;
}

interface SecretCase {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  stdin?: string;
  /** Secrets that must appear nowhere: not on stdout, stderr, trace file, HAR or curl script. */
  secrets: () => Record<string, string>;
}

test('secrets are absent from stdout, stderr, --trace, --trace-file, --har and --curl for every flow and secret route', async () => {
  const rt = (
    await tokens({
      grant_type: 'password',
      client_id: I.public_client_id,
      username: I.username,
      password: I.password,
      scope: `${DBX} offline_access`,
    })
  ).refresh_token!;
  const cases: SecretCase[] = [
    {
      name: 'password (env)',
      argv: [
        'password',
        '--authority',
        I.authority,
        '--client-id',
        I.public_client_id,
        '--username',
        I.username,
        '-o',
        'token',
      ],
      env: { ENTRA_TOKEN_PASSWORD: I.password },
      secrets: () => ({ password: I.password }),
    },
    {
      name: 'password (stdin)',
      argv: [
        'password',
        '--authority',
        I.authority,
        '--client-id',
        I.public_client_id,
        '--username',
        I.username,
        '--password-stdin',
        '-o',
        'token',
      ],
      stdin: `${I.password}\n`,
      secrets: () => ({ password: I.password }),
    },
    {
      name: 'client-credentials (env)',
      argv: ['client-credentials', '--authority', I.authority, '--client-id', I.confidential_client_id, '-o', 'token'],
      env: { AZURE_CLIENT_SECRET: I.client_secret },
      secrets: () => ({ client_secret: I.client_secret }),
    },
    {
      name: 'client-credentials (stdin)',
      argv: [
        'client-credentials',
        '--authority',
        I.authority,
        '--client-id',
        I.confidential_client_id,
        '--client-secret-stdin',
        '-o',
        'token',
      ],
      stdin: `${I.client_secret}\n`,
      secrets: () => ({ client_secret: I.client_secret }),
    },
    {
      name: 'refresh (env)',
      argv: ['refresh', '--authority', I.authority, '--client-id', I.public_client_id, '-o', 'token'],
      env: { ENTRA_TOKEN_REFRESH_TOKEN: rt },
      secrets: () => ({ refresh_token: rt }),
    },
  ];
  for (const c of cases) {
    const d = dir();
    const traceFile = join(d, 'trace.jsonl');
    const har = join(d, 'trace.har');
    const r = await runInProcess(['--trace', '--trace-file', traceFile, '--har', har, '--curl', ...c.argv], {
      env: { ...env(d), ...(c.env ?? {}) },
      ...(c.stdin ? { stdin: c.stdin } : {}),
    });
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    const at = r.stdout.trim();
    assert.match(at, /^eyJ/, `${c.name} printed the access token`);
    const secrets = { ...c.secrets(), access_token: at };
    assertAbsent(`${c.name} stderr (trace, curl)`, r.stderr, secrets);
    assertAbsent(`${c.name} stdout`, r.stdout, c.secrets());
    assert.ok(existsSync(traceFile) && existsSync(har), `${c.name}: trace file and HAR written`);
    assertAbsent(`${c.name} --trace-file`, readFileSync(traceFile, 'utf8'), secrets);
    assertAbsent(`${c.name} --har`, readFileSync(har, 'utf8'), secrets);
    assert.equal(statSync(traceFile).mode & 0o777, 0o600, 'trace file 0600');
    assert.equal(statSync(har).mode & 0o777, 0o600, 'HAR 0600');
  }
});

test('exchange: the authorization code, code_verifier and tokens are absent from stderr, trace file and HAR', async () => {
  const d = dir();
  const a = await runInProcess(['authorize-url', '--authority', I.authority, '--client-id', I.public_client_id], {
    env: env(d),
  });
  const redirect = (await get(a.stdout.trim())).location!;
  const code = new URL(redirect.replace('http://localhost?', 'http://localhost/?')).searchParams.get('code')!;
  const traceFile = join(d, 't.jsonl');
  const har = join(d, 't.har');
  const r = await runInProcess(
    ['--trace', '--trace-file', traceFile, '--har', har, '--curl', 'exchange', redirect, '-o', 'json', '--no-cache'],
    { env: env(d) },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const verifier = emu
    .requests()
    .filter((q) => q.path.endsWith('/token'))
    .at(-1)!.form!.code_verifier!;
  const secrets = {
    code,
    code_verifier: verifier,
    access_token: out.access_token,
    refresh_token: out.refresh_token,
    id_token: out.id_token,
  };
  for (const [where, text] of [
    ['stderr', r.stderr],
    ['trace file', readFileSync(traceFile, 'utf8')],
    ['HAR', readFileSync(har, 'utf8')],
  ] as const)
    assertAbsent(where, text, secrets);
});

test('error messages carry no secret: a refused client secret and a refused password are not echoed', async () => {
  const wrongSecret = 'Wr0ng~Secret.value-0123456789abcdefghij';
  const r1 = await runInProcess(
    ['client-credentials', '--authority', I.authority, '--client-id', I.confidential_client_id],
    { env: { ...env(dir()), AZURE_CLIENT_SECRET: wrongSecret } },
  );
  assert.equal(r1.code, 4);
  assertAbsent('client-credentials error', r1.stdout + r1.stderr, { secret: wrongSecret });
  const wrongPassword = 'hunter2-Not-The-Password!';
  const r2 = await runInProcess(
    ['password', '--authority', I.authority, '--client-id', I.public_client_id, '--username', I.username],
    { env: { ...env(dir()), ENTRA_TOKEN_PASSWORD: wrongPassword } },
  );
  assert.equal(r2.code, 4);
  assertAbsent('password error', r2.stdout + r2.stderr, { password: wrongPassword });
});

test('the browser launcher gets only a launch page: no state, nonce, code_verifier, code or token in any child argv or env', async () => {
  const spawned: Array<{ command: string; args: string[]; env: Record<string, unknown> }> = [];
  let listenerHit: Promise<unknown> = Promise.resolve();
  const fakeSpawn: Spawn = (command, args, options) => {
    spawned.push({ command, args, env: { ...(options.env ?? {}) } });
    const child = Object.assign(new EventEmitter(), {
      unref() {},
    }) as unknown as import('node:child_process').ChildProcess;
    // the "browser": sign in on the emulator, then follow its redirect to the loopback listener
    listenerHit = (async () => {
      // the launch page (never the URL itself) is what the browser gets: follow its redirect
      const html = readFileSync(new URL(args.at(-1)!), 'utf8');
      const target = /content="0;url=([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
      const signIn = await get(target);
      assert.equal(signIn.status, 302, signIn.body);
      await get(signIn.location!);
    })();
    listenerHit.catch((e) => console.error('browser stand-in failed:', e));
    setImmediate(() => child.emit('exit', 0));
    return child;
  };
  const http = createHttpClient({ env: {} });
  try {
    const r = await login(
      {
        authority: resolveAuthority({ authority: I.authority }),
        client_id: I.public_client_id,
        scopes: [DBX, 'openid', 'offline_access'],
        timeoutMs: 10_000,
      },
      {
        openBrowser: (url) =>
          openBrowser(url, {
            spawn: fakeSpawn,
            platform: 'linux',
            env: { PATH: '/usr/bin', DISPLAY: ':0' },
            facts: { osRelease: '6.1', has: () => false },
            launchDir: join(root, 'launch-security'),
          }),
      },
      { http, now: Date.now },
    );
    await listenerHit;
    assert.equal(spawned.length, 1);
    assert.equal(spawned[0]!.command, 'xdg-open');
    const verifier = emu
      .requests()
      .filter((q) => q.path.endsWith('/token'))
      .at(-1)!.form!.code_verifier!;
    const code = r.callback.params.get('code')!;
    const argvAndEnv = JSON.stringify(spawned);
    assertAbsent('browser argv/env', argvAndEnv, {
      code_verifier: verifier,
      code,
      access_token: r.tokens.access_token,
      refresh_token: r.tokens.refresh_token ?? 'none',
    });
    assert.equal(spawned[0]!.args.length, 1);
    assert.match(spawned[0]!.args[0]!, /^file:\/\/\/.*\/launch-security\/login-[0-9a-f]{32}\.html$/);
    assertAbsent('browser argv', JSON.stringify(spawned[0]!.args), {
      state: new URL(r.authorizeUrl).searchParams.get('state')!,
      nonce: new URL(r.authorizeUrl).searchParams.get('nonce')!,
    });
  } finally {
    await http.close();
  }
});

// ------------------------------------------------------------------ files

test('cache and pending files are 0600 in 0700 directories even under umask 0', async () => {
  const old = process.umask(0);
  try {
    const d = dir();
    const pendingDir = join(d, 'state', 'pending');
    const p = new FilePendingStore(pendingDir);
    p.save({
      state: 's'.repeat(22),
      code_verifier: 'v'.repeat(43),
      redirect_uri: 'http://localhost',
      client_id: 'c',
      authority: 'https://login.microsoftonline.com/t',
      tenant: 't',
      scopes: ['openid'],
      response_mode: 'query',
      created_at: Date.now(),
    } as never);
    assert.equal(statSync(pendingDir).mode & 0o777, 0o700);
    for (const f of readdirSync(pendingDir)) assert.equal(statSync(join(pendingDir, f)).mode & 0o777, 0o600, f);
    // the token cache, through the CLI (client credentials store their token)
    const e = env(d);
    const r = await runInProcess(
      ['client-credentials', '--authority', I.authority, '--client-id', I.confidential_client_id, '-o', 'token'],
      { env: { ...e, AZURE_CLIENT_SECRET: I.client_secret } },
    );
    assert.equal(r.code, 0, r.stderr);
    const cacheDir = e.ENTRA_TOKEN_CACHE_DIR;
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    const files = readdirSync(cacheDir);
    assert.ok(files.includes('tokens.json'), `cache files: ${files.join(', ')}`);
    for (const f of files) assert.equal(statSync(join(cacheDir, f)).mode & 0o777, 0o600, f);
    const store = new FileTokenStore(cacheDir);
    assert.ok(JSON.stringify(await store.read()).includes('access'), 'the cache holds the token');
  } finally {
    process.umask(old);
  }
});

// ------------------------------------------------------------------ plain http, redirects, other hosts

test('plain http:// to a non-loopback authority or workspace is refused with EINSECURE exit 8 and nothing is sent (not even to a proxy)', async () => {
  const proxy = await rec();
  const pe = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url };
  const runs: Array<[string, Promise<CliRun>]> = [
    [
      'password',
      runInProcess(
        [
          'password',
          '--authority',
          'http://login.example.com/contoso.onmicrosoft.com',
          '--client-id',
          I.public_client_id,
          '--username',
          I.username,
        ],
        { env: { ...env(dir()), ...pe, ENTRA_TOKEN_PASSWORD: 'p' } },
      ),
    ],
    [
      'client-credentials',
      runInProcess(
        [
          'client-credentials',
          '--authority',
          'http://login.example.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13',
          '--client-id',
          I.confidential_client_id,
        ],
        { env: { ...env(dir()), ...pe, AZURE_CLIENT_SECRET: 's' } },
      ),
    ],
    [
      'authorize-url',
      runInProcess(
        [
          'authorize-url',
          '--authority',
          'http://login.example.com/contoso.onmicrosoft.com',
          '--client-id',
          I.public_client_id,
        ],
        { env: { ...env(dir()), ...pe } },
      ),
    ],
    [
      'databricks',
      runInProcess(['databricks', 'clusters', 'list', '--host', 'http://adb-1.2.azuredatabricks.net'], {
        env: { ...env(dir()), ...pe, ENTRA_TOKEN_ACCESS_TOKEN: 'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.' },
      }),
    ],
    [
      'graph',
      runInProcess(['graph', 'users', 'list', '--skip-token-checks', '--graph-url', 'http://graph.example.com'], {
        env: { ...env(dir()), ...pe, ENTRA_TOKEN_ACCESS_TOKEN: 'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.' },
      }),
    ],
  ];
  for (const [name, p] of runs) {
    const r = await p;
    assert.equal(r.code, 8, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /error EINSECURE: .*plain http/, name);
  }
  assert.deepEqual(proxy.hits, [], 'nothing reached the network');
});

test('no redirect is followed from a token endpoint (302 and 307): the second server sees nothing, the user gets a clear error', async () => {
  for (const status of [302, 307]) {
    const elsewhere = await rec((_q, res) => res.end('{"access_token":"stolen"}'));
    const fake = await rec((_q, res) => {
      res.writeHead(status, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const r = await runInProcess(
      [
        'client-credentials',
        '--authority',
        `${fake.url}/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13`,
        '--client-id',
        I.confidential_client_id,
      ],
      { env: { ...env(dir()), AZURE_CLIENT_SECRET: I.client_secret } },
    );
    assert.equal(fake.hits.length, 1, 'the token POST went to the named endpoint only');
    assert.deepEqual(elsewhere.hits, [], `the ${status} target saw nothing`);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, new RegExp(`error EBAD_RESPONSE: the token endpoint answered HTTP ${status}`));
  }
});

test('a Graph @odata.nextLink to another host is refused and the token never goes there', async () => {
  const token = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.sig';
  const other = await rec((_q, res) => res.end('{"value":[]}'));
  const graph = await rec((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: [{ id: '1' }], '@odata.nextLink': `${other.url}/v1.0/users?$skiptoken=x` }));
  });
  const http = createHttpClient({ env: {} });
  try {
    await assert.rejects(
      listUsers({ token, send: (req, o) => http.send(req, o ?? {}), graphUrl: graph.url }),
      (e: unknown) =>
        (e instanceof EntraTokenError && e.code === 'EBAD_RESPONSE') ||
        (e instanceof EntraTokenError && e.code === 'EINSECURE'),
    );
  } finally {
    await http.close();
  }
  assert.equal(graph.hits.length, 1);
  assert.deepEqual(other.hits, [], 'the other host saw nothing');
});

test('Databricks API path tricks (//evil/…, @evil, absolute URLs, ..) never send the token to another host', async () => {
  const sent: WireRequest[] = [];
  const send = async (req: WireRequest): Promise<WireResponse> => {
    sent.push(req);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
  };
  const host = 'https://adb-1234567890123456.7.azuredatabricks.net';
  const client = new WorkspaceClient({ host, token: 'dapi-not-a-real-token', send });
  for (const path of [
    '//evil.example/api/2.0/clusters/list',
    '@evil.example/api/2.0/x',
    'https://evil.example/api/2.0/x',
    '/api/2.0/../../@evil.example/x',
    '/\\evil.example/x',
    'http://evil.example/',
    '/api/2.0/clusters/list#@evil.example',
  ]) {
    try {
      await client.call('GET', path);
    } catch (e) {
      assert.ok(e instanceof EntraTokenError, `${path}: ${String(e)}`);
    }
  }
  for (const req of sent) assert.equal(new URL(req.url).origin, host, `a request went to ${req.url}`);
});

test('a JWKS fetch never carries a token or credentials', async () => {
  const keys = await rec((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"keys":[]}');
  });
  clearJwksCache();
  const http = createHttpClient({ env: {} });
  try {
    await fetchJwks(`${keys.url}/t/discovery/v2.0/keys`, { send: (r, o) => http.send(r, o ?? {}) });
  } finally {
    await http.close();
  }
  assert.equal(keys.hits.length, 1);
  assert.equal(keys.hits[0]!.headers.authorization, undefined);
  assert.equal(keys.hits[0]!.headers.cookie, undefined);
  // and through inspect --verify, against the emulator
  clearJwksCache();
  const t = await tokens({
    grant_type: 'password',
    client_id: I.public_client_id,
    username: I.username,
    password: I.password,
    scope: DBX,
  });
  const r = await runInProcess(
    ['inspect', '--verify', '--authority', I.authority, '--output', 'json', t.access_token!],
    { env: env(dir()) },
  );
  assert.equal(r.code, 0, r.stderr);
  const jwks = emu.requests().filter((q) => /\/discovery\/(v2\.0\/)?keys$/.test(q.path));
  assert.ok(jwks.length >= 1);
  for (const q of jwks) assert.equal(q.headers.authorization, undefined, 'no Authorization on a JWKS fetch');
});
