#!/usr/bin/env node
// `npm run bench`: entra-token side by side with what users would use instead (node itself, a bare
// undici POST, the documentation's curl, MSAL Node), against the embedded emulator. The machines are
// shared and noisy, so every figure is a ratio measured in the same run: A and B alternate, and each row
// reports medians, min, max and n. Prints one markdown table on stdout; writes .bench/results.json.
//
//   node scripts/bench.mjs [--quick] [--json <file>] [--skip install,msal,...]
//
// --quick runs each row a few times only (test/bench/smoke.test.ts uses it; timings are then rough).
// Needs a build (dist/): `npm run bench` builds first.
import { mkdtemp, mkdir, readdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { sideBySide, run, authorizeRedirect, opsPerSecond, stats } from './bench/lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const BIN = join(root, 'dist', 'cli', 'bin.cjs'); // the package's bin

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : join(root, '.bench', 'results.json');
const skipAt = argv.indexOf('--skip');
const skip = new Set(skipAt >= 0 ? argv[skipAt + 1].split(',') : []);
const N = quick
  ? { proc: 3, warmup: 1, inproc: 10, msal: 3, seconds: 0.1, rounds: 2, rss: 1 }
  : { proc: 20, warmup: 2, inproc: 150, msal: 25, seconds: 0.5, rounds: 5, rss: 5 };

const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const USER_SCOPES = [DATABRICKS, 'openid', 'profile', 'offline_access'];
const started = Date.now();
const log = (line) => process.stderr.write(`bench: ${line}\n`);

const [
  { startEmulator },
  { createHttpClient },
  { resolveAuthority },
  auth,
  { MemoryPendingStore, FilePendingStore },
  { Trace },
  tokenCache,
  { createTokenProvider },
  { verifyEntraJwt, expectedIssuers },
  { installTraceSinks },
  { encodeForm },
] = await Promise.all([
  dist('emulator/index.js'),
  dist('io/http.js'),
  dist('core/authority.js'),
  dist('flows/auth-code.js'),
  dist('io/pending.js'),
  dist('io/trace.js'),
  dist('io/token-cache.js'),
  dist('flows/token-provider.js'),
  dist('core/verify.js'),
  dist('cli/trace-sinks.js'),
  dist('core/wire.js'),
]);
const { startAuthorization, acceptCallback, redeem } = auth;
const { FileTokenStore, MemoryTokenStore, putTokens } = tokenCache;

const rows = [];
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const span = (s, unit = 'ms') => `${fmt(s.median)} ${unit} [${fmt(s.min)}–${fmt(s.max)}]`;

/** A row comparing A with B: `ratio` is median(A) / median(B). */
function ratioRow(what, against, r, goal, limit) {
  rows.push({
    what,
    against,
    result: `${fmt(r.ratio, 2)}×`,
    goal: limit === undefined ? goal : `≤ ${limit}×`,
    ok: limit === undefined ? null : r.ratio <= limit,
    n: r.a.n,
    detail: `${span(r.a)} vs ${span(r.b)}`,
    ratio: r.ratio,
    a: r.a,
    b: r.b,
  });
}

const home = await mkdtemp(join(tmpdir(), 'entra-token-bench-'));
const baseEnv = {
  PATH: process.env.PATH,
  HOME: home,
  ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'),
  ENTRA_TOKEN_STATE_DIR: join(home, 'state'),
};
const emu = await startEmulator({ autoApprove: true });
const info = emu.info;
const authority = resolveAuthority({ authority: info.authority });
const http = createHttpClient({ env: {}, timeoutMs: 10_000, connectTimeoutMs: 5_000 });
const now = () => Date.now();

/** Untimed: a pending authorization (in memory) and the auto-approved redirect answering it. */
async function freshCallback() {
  const pending = new MemoryPendingStore();
  const { url } = await startAuthorization(
    { authority, client_id: info.public_client_id, redirect_uri: info.redirect_uri, scopes: USER_SCOPES },
    { pending, now },
  );
  return { pending, redirect: await authorizeRedirect(url) };
}

/** entra-token's exchange of a checked callback: steps 3–5 of flows/auth-code.ts. */
async function entraExchange({ pending, redirect }, trace = new Trace(now)) {
  const { pending: p, code } = acceptCallback({ redirect }, pending, now(), { trace });
  return redeem(p, code, { pending }, { http, now, trace });
}

/** Untimed for the bare POST: the same form entra-token sends (code_verifier included). */
async function freshForm() {
  const { pending, redirect } = await freshCallback();
  const p = pending.newest(now());
  const code = new URL(redirect).searchParams.get('code');
  return encodeForm([
    ['client_id', p.client_id],
    ['scope', p.scopes.join(' ')],
    ['code', code],
    ['redirect_uri', p.redirect_uri],
    ['grant_type', 'authorization_code'],
    ['code_verifier', p.code_verifier],
  ]);
}

async function barePost(body) {
  const res = await request(authority.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = await res.body.json();
  if (res.statusCode !== 200 || !json.access_token) throw new Error(`bare POST answered ${res.statusCode}`);
}

const nodeE0 = () => run(process.execPath, ['-e', '0'], { env: baseEnv });

try {
  // ------------------------------------------------------------ seed: one real sign-in, cached
  const seed = await entraExchange(await freshCallback());
  const seedInput = {
    authority: info.authority,
    client_id: info.public_client_id,
    scopes: [DATABRICKS],
    tokens: seed.tokens,
    idToken: seed.idToken,
  };
  await new FileTokenStore(baseEnv.ENTRA_TOKEN_CACHE_DIR).update(
    (d) => void putTokens(d, { ...seedInput, now: now() }),
  );
  const hit = await run(process.execPath, [BIN, 'token'], { env: baseEnv });
  if (hit.stdout.trim() !== seed.tokens.access_token)
    throw new Error('entra-token token did not print the cached token');

  // ------------------------------------------------------------ deterministic: what a cache hit loads
  const loadsFile = join(home, 'loads.json');
  await run(process.execPath, ['--require', join(root, 'scripts', 'bench', 'module-loads.cjs'), BIN, 'token'], {
    env: { ...baseEnv, ENTRA_TOKEN_MODULE_LOADS: loadsFile },
  });
  // the chunks it required, and the sources in them (dist/cli/bin-manifest.json, written by the build)
  const manifest = JSON.parse(await readFile(join(root, 'dist', 'cli', 'bin-manifest.json'), 'utf8'));
  const { files } = JSON.parse(await readFile(loadsFile, 'utf8'));
  const loaded = [
    ...new Set(files.flatMap((f) => manifest[f.replace(/^.*\/dist\/cli\//, '')]?.inputs ?? [f.replace(root, '')])),
  ];
  const heavy = [...new Set(loaded.flatMap((u) => /node_modules\/(undici|jose|commander)\//.exec(u)?.[1] ?? []))];
  const ours = loaded.filter((u) => u.startsWith('src/')).length;
  rows.push({
    what: '`entra-token token` cache hit: modules loaded',
    against: '—',
    result: heavy.length ? `loads ${heavy.join(', ')}` : `${ours} of our modules; no undici, jose or commander`,
    goal: 'no undici, jose, commander',
    ok: heavy.length === 0,
    n: 1,
    detail: '',
    modules: loaded,
  });

  // ------------------------------------------------------------ whole-process rows
  log('token cache hit vs node -e 0');
  ratioRow(
    '`entra-token token` on a cache hit (whole process)',
    '`node -e 0`',
    await sideBySide({
      a: () => run(process.execPath, [BIN, 'token'], { env: baseEnv }),
      b: nodeE0,
      n: N.proc,
      warmup: N.warmup,
    }),
    '',
    1.25,
  );
  // ------------------------------------------------------------ every command that does no network I/O
  const CLIENT = '6a0c9e2d-2f4e-4b43-9c2a-51f6f0c1a7d3';
  const traceFile = join(home, 'authorize.jsonl');
  await run(process.execPath, [BIN, '--trace-file', traceFile, 'authorize-url', '--tenant', 'organizations'], {
    env: { ...baseEnv, AZURE_CLIENT_ID: CLIENT },
  });
  const LOCAL = [
    ['--help'],
    ['authorize-url', '--tenant', 'organizations', '--client-id', CLIENT],
    ['inspect', seed.tokens.access_token],
    ['config', 'show'],
    ['cache', 'list'],
    ['trace', 'show', traceFile],
    ['admin-consent-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', CLIENT],
    ['completion', 'bash'],
  ];
  const shown = (args) =>
    args
      .map((a) => (a.startsWith(home) ? '<file>' : a === CLIENT ? '<app-id>' : a.length > 40 ? '<token>' : a))
      .join(' ');
  for (const args of LOCAL) {
    log(`${shown(args)} vs node -e 0`);
    ratioRow(
      `\`entra-token ${shown(args)}\` (whole process)`,
      '`node -e 0`',
      await sideBySide({
        a: () => run(process.execPath, [BIN, ...args], { env: baseEnv }),
        b: nodeE0,
        n: N.proc,
        warmup: N.warmup,
      }),
      '',
      1.3,
    );
  }

  log('peak memory of the local commands vs node -e 0');
  const rssFile = join(home, 'rss.txt');
  const peak = async (args) => {
    const xs = [];
    for (let i = 0; i < N.rss; i++) {
      await rm(rssFile, { force: true });
      await run(process.execPath, ['--require', join(root, 'scripts', 'bench', 'max-rss.cjs'), ...args], {
        env: { ...baseEnv, ENTRA_TOKEN_BENCH_RSS: rssFile },
      });
      xs.push(Number((await readFile(rssFile, 'utf8')).trim()) / 1e6);
    }
    return stats(xs);
  };
  const baseRss = await peak(['-e', '0']);
  const peaks = [];
  for (const args of [...LOCAL, ['token']]) peaks.push({ args, s: await peak([BIN, ...args]) });
  const worst = peaks.reduce((w, p) => (p.s.median > w.s.median ? p : w));
  const rssRatio = worst.s.median / baseRss.median;
  rows.push({
    what: 'peak memory (max RSS) of every local command above, and of a `token` cache hit',
    against: "`node -e 0`'s",
    result: `${fmt(rssRatio, 2)}× (the most: \`${shown(worst.args)}\`)`,
    goal: '≤ 1.25×',
    ok: rssRatio <= 1.25,
    n: baseRss.n,
    detail: `${fmt(worst.s.median)} MB vs ${fmt(baseRss.median)} MB; ${peaks.map((p) => `${shown(p.args).split(' ')[0]} ${fmt(p.s.median)}`).join(', ')}`,
    ratio: rssRatio,
    peaks: peaks.map((p) => ({ command: shown(p.args), mb: p.s })),
    baseline: baseRss,
  });

  // ------------------------------------------------------------ login: from start to "Listening on …"
  log('login until listening vs node -e 0');
  const loginEnv = { ...baseEnv, ENTRA_TOKEN_AUTHORITY: info.authority, AZURE_CLIENT_ID: info.public_client_id };
  const untilListening = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'login', '--no-browser', '--no-cache'], {
        env: loginEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let err = '';
      let seen = false;
      child.stderr.on('data', (d) => {
        err += d;
        if (!seen && /Listening on /.test(err)) {
          seen = true;
          resolve(child); // timed up to here; the child is stopped untimed (below)
        }
      });
      child.on('exit', (code) => {
        if (!seen) reject(new Error(`login exited ${code} before listening: ${err.trim().slice(0, 300)}`));
      });
    });
  const stopped = [];
  ratioRow(
    '`entra-token login`: from start to "Listening on …"',
    '`node -e 0` (whole process)',
    await sideBySide({
      a: async () => {
        const child = await untilListening();
        stopped.push(new Promise((r) => child.once('exit', r)));
        child.kill('SIGTERM');
      },
      b: nodeE0,
      n: N.proc,
      warmup: N.warmup,
    }),
    '',
    1.5,
  );
  await Promise.all(stopped);

  // ------------------------------------------------------------ in-process exchange
  log('in-process code exchange vs bare undici POST');
  ratioRow(
    'in-process code exchange against the emulator',
    'a bare undici POST of the same form',
    await sideBySide({
      a: (cb) => entraExchange(cb),
      prepareA: freshCallback,
      b: barePost,
      prepareB: freshForm,
      n: N.inproc,
      warmup: 5,
    }),
    '',
    1.15,
  );
  log('tracing on vs off');
  const devNull = { write: () => true };
  const traceCtx = { stdout: devNull, stderr: devNull, env: {}, now, cwd: home };
  ratioRow(
    'the same with tracing on (`--trace`: live redacted text)',
    'the same exchange with tracing off',
    await sideBySide({
      a: async (cb) => {
        const trace = new Trace(now);
        const flush = installTraceSinks(trace, { trace: true }, traceCtx);
        await entraExchange(cb, trace);
        await flush();
      },
      prepareA: freshCallback,
      b: (cb) => entraExchange(cb),
      prepareB: freshCallback,
      n: N.inproc,
      warmup: 5,
    }),
    '',
    1.1,
  );

  // ------------------------------------------------------------ exchange as a process vs the documentation's curl
  log('exchange (process) vs curl');
  const filePending = new FilePendingStore(join(baseEnv.ENTRA_TOKEN_STATE_DIR, 'pending'));
  const docAuthorize = () =>
    `${info.authority}/oauth2/v2.0/authorize?client_id=${info.public_client_id}&response_type=code` +
    `&redirect_uri=http%3A%2F%2Flocalhost&response_mode=query&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default&state=12345`;
  let curlOk = true;
  try {
    await run('curl', ['--version']);
  } catch {
    curlOk = false;
  }
  if (curlOk) {
    ratioRow(
      '`exchange` as a process',
      "the documentation's curl command against the same emulator",
      await sideBySide({
        prepareA: async () => {
          const { url } = await startAuthorization(
            { authority, client_id: info.public_client_id, redirect_uri: info.redirect_uri, scopes: USER_SCOPES },
            { pending: filePending, now },
          );
          return authorizeRedirect(url);
        },
        a: (redirect) => run(process.execPath, [BIN, 'exchange', redirect, '--no-cache'], { env: baseEnv }),
        prepareB: async () => new URL(await authorizeRedirect(docAuthorize())).searchParams.get('code'),
        b: async (code) => {
          const { stdout } = await run('curl', [
            '-s',
            '-X',
            'POST',
            `${info.authority}/oauth2/v2.0/token`,
            '-H',
            'Content-Type: application/x-www-form-urlencoded',
            '-d',
            `client_id=${info.public_client_id}`,
            '-d',
            'scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default',
            '-d',
            `code=${code}`,
            '-d',
            'redirect_uri=http%3A%2F%2Flocalhost',
            '-d',
            'grant_type=authorization_code',
            '-d',
            'state=12345',
          ]);
          if (!JSON.parse(stdout).access_token) throw new Error('curl got no token');
        },
        n: N.proc,
        warmup: N.warmup,
      }),
      '',
      3,
    );
  } else {
    rows.push({
      what: '`exchange` as a process',
      against: "the documentation's curl command",
      result: 'skipped: no curl',
      goal: 'report',
      ok: null,
      n: 0,
      detail: '',
    });
  }

  // ------------------------------------------------------------ token provider
  log('getToken() cache hits');
  const memStore = new MemoryTokenStore();
  await memStore.update((d) => void putTokens(d, { ...seedInput, now: now() }));
  const provider = createTokenProvider({
    store: memStore,
    http,
    authority: info.authority,
    client_id: info.public_client_id,
  });
  const first = await provider.getToken();
  if (first.token !== seed.tokens.access_token) throw new Error('getToken() did not answer from the cache');
  const rate = await opsPerSecond(() => provider.getToken(), { seconds: N.seconds, rounds: N.rounds });
  rows.push({
    what: '`getToken()` cache hits',
    against: '—',
    result: `${Math.round(rate.median).toLocaleString('en-US')}/s`,
    goal: '≥ 1,000,000 per second',
    ok: rate.median >= 1_000_000,
    n: rate.n,
    detail: `${Math.round(rate.min).toLocaleString('en-US')}–${Math.round(rate.max).toLocaleString('en-US')}/s`,
    perSecond: rate,
  });

  log('1,000 concurrent getToken() on an expired entry');
  const expiredStore = new MemoryTokenStore();
  await expiredStore.update((d) => {
    const { token } = putTokens(d, { ...seedInput, now: now() });
    token.expires_at = now() - 1000;
  });
  const refreshes = () => emu.requests().filter((r) => r.form?.grant_type === 'refresh_token').length;
  const before = refreshes();
  const cold = createTokenProvider({
    store: expiredStore,
    http,
    authority: info.authority,
    client_id: info.public_client_id,
  });
  const answers = await Promise.all(Array.from({ length: 1000 }, () => cold.getToken()));
  const sent = refreshes() - before;
  const distinct = new Set(answers.map((a) => a.token)).size;
  rows.push({
    what: '1,000 concurrent `getToken()` on an expired entry',
    against: '—',
    result: `${sent} refresh request${sent === 1 ? '' : 's'}; ${distinct} distinct token${distinct === 1 ? '' : 's'} handed out`,
    goal: '1 refresh request',
    ok: sent === 1 && distinct === 1 && answers[0].token !== seed.tokens.access_token,
    n: 1,
    detail: '',
    refreshRequests: sent,
  });

  // ------------------------------------------------------------ JWT verification
  log('JWT verification with a cached JWKS');
  const jwks = await (await request(info.jwks_uri)).body.json();
  const tid = info.tenant_id;
  const vopts = {
    jwks,
    issuers: expectedIssuers('1', tid, { authority: info.authority }),
    audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
    now: now(),
  };
  const report = await verifyEntraJwt(seed.tokens.access_token, vopts);
  if (!report.verified)
    throw new Error(`the seed token does not verify: ${report.problems.map((p) => p.message).join('; ')}`);
  const vrate = await opsPerSecond(() => verifyEntraJwt(seed.tokens.access_token, vopts), {
    batch: 500,
    seconds: N.seconds,
    rounds: N.rounds,
  });
  rows.push({
    what: 'JWT verification with a cached JWKS (`verifyEntraJwt`, RS256)',
    against: '—',
    result: `${Math.round(vrate.median).toLocaleString('en-US')}/s`,
    goal: '≥ 10,000 per second',
    ok: vrate.median >= 10_000,
    n: vrate.n,
    detail: `${Math.round(vrate.min).toLocaleString('en-US')}–${Math.round(vrate.max).toLocaleString('en-US')}/s`,
    perSecond: vrate,
  });
} finally {
  await http.close();
  await emu.close();
}

// ------------------------------------------------------------ production install size
async function footprint(dir) {
  let bytes = 0;
  let packages = 0;
  async function size(d) {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await size(join(d, e.name));
      else if (e.isFile()) bytes += (await stat(join(d, e.name))).size;
    }
  }
  async function count(modules) {
    let entries;
    try {
      entries = await readdir(modules, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const dirs = e.name.startsWith('@')
        ? (await readdir(join(modules, e.name))).map((s) => join(modules, e.name, s))
        : [join(modules, e.name)];
      for (const p of dirs) {
        packages++;
        await count(join(p, 'node_modules'));
      }
    }
  }
  await size(join(dir, 'node_modules'));
  await count(join(dir, 'node_modules'));
  return { bytes, packages };
}

async function installInto(spec) {
  const dir = await mkdtemp(join(tmpdir(), 'entra-token-bench-install-'));
  await writeFile(join(dir, 'package.json'), '{"name":"bench-install","version":"1.0.0","private":true}\n');
  await run(
    'npm',
    [
      'install',
      '--omit=dev',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      spec,
    ],
    { cwd: dir, env: process.env, timeoutMs: 120_000 },
  );
  const f = await footprint(dir);
  await rm(dir, { recursive: true, force: true });
  return f;
}

if (!skip.has('install')) {
  log('production install size (npm pack + npm install --omit=dev)');
  try {
    const packDir = await mkdtemp(join(tmpdir(), 'entra-token-bench-pack-'));
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], {
      cwd: root,
      env: process.env,
      timeoutMs: 60_000,
    });
    const tarball = join(packDir, stdout.trim().split('\n').pop());
    const msalVersion = JSON.parse(
      await readFile(join(root, 'node_modules', '@azure', 'msal-node', 'package.json'), 'utf8'),
    ).version;
    const [ours, msal] = [await installInto(tarball), await installInto(`@azure/msal-node@${msalVersion}`)];
    await rm(packDir, { recursive: true, force: true });
    const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
    rows.push({
      what: 'production install: size and package count',
      against: `\`@azure/msal-node@${msalVersion}\`'s`,
      result: `${mb(ours.bytes)}, ${ours.packages} packages vs ${mb(msal.bytes)}, ${msal.packages} packages`,
      goal: 'smaller',
      ok: ours.bytes < msal.bytes && ours.packages <= msal.packages,
      n: 1,
      detail: `${fmt(ours.bytes / msal.bytes, 2)}× the bytes`,
      ours,
      msal,
    });
  } catch (e) {
    rows.push({
      what: 'production install: size and package count',
      against: "`@azure/msal-node`'s",
      result: `not measured: ${String(e.message).split('\n')[0].slice(0, 160)}`,
      goal: 'smaller',
      ok: null,
      n: 0,
      detail: '',
    });
  }
}

// ------------------------------------------------------------ MSAL Node, same flows, same emulator over TLS
if (!skip.has('msal')) {
  log('MSAL Node vs entra-token over TLS');
  const tlsEmu = await startEmulator({ tls: true, autoApprove: true });
  try {
    const { stdout } = await run(process.execPath, [join(root, 'scripts', 'bench', 'msal-peer.mjs')], {
      env: {
        ...baseEnv,
        NODE_EXTRA_CA_CERTS: tlsEmu.info.tls_ca_file,
        ENTRA_TOKEN_BENCH_EMU: JSON.stringify(tlsEmu.info),
        ENTRA_TOKEN_BENCH_N: String(N.msal),
      },
      timeoutMs: 150_000,
    });
    const peer = JSON.parse(stdout.trim().split('\n').pop());
    for (const [flow, r] of Object.entries(peer.flows)) {
      rows.push({
        what: `MSAL Node: ${flow}`,
        against: 'entra-token, same flow, same emulator (TLS)',
        result: `${fmt(r.ratio, 2)}×`,
        goal: 'report',
        ok: null,
        n: r.msal.n,
        detail: `${span(r.msal)} vs ${span(r.entra)}`,
        ratio: r.ratio,
        a: r.msal,
        b: r.entra,
      });
    }
    for (const [flow, message] of Object.entries(peer.errors)) {
      rows.push({
        what: `MSAL Node: ${flow}`,
        against: 'entra-token',
        result: `not measured: ${message}`,
        goal: 'report',
        ok: null,
        n: 0,
        detail: '',
      });
    }
  } finally {
    await tlsEmu.close();
  }
}

await rm(home, { recursive: true, force: true });

// ------------------------------------------------------------ output
const machine = {
  nproc: cpus().length,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model,
};
const cell = (s) => String(s).replace(/\|/g, '\\|');
const lines = [
  '| what | measured against | result | goal | met | n | A median [min–max] vs B median [min–max] |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${cell(r.what)} | ${cell(r.against)} | ${cell(r.result)} | ${cell(r.goal)} | ${r.ok === null ? '—' : r.ok ? 'PASS' : '**MISS**'} | ${r.n} | ${cell(r.detail)} |`,
  ),
];
const seconds = (Date.now() - started) / 1000;
const goals = rows.filter((r) => r.ok !== null);
const misses = goals.filter((r) => !r.ok);
lines.push(
  '',
  `${goals.length - misses.length} of ${goals.length} goals met${misses.length ? `; missed: ${misses.map((r) => r.what.replace(/\s*\(whole process\)/, '')).join('; ')}` : ''}.`,
);
process.stdout.write(
  `${lines.join('\n')}\n\n${machine.nproc} cores (${machine.cpu}), node ${machine.node}, ${machine.platform}; ${quick ? 'quick mode, ' : ''}${fmt(seconds, 0)} s in all.\n`,
);
await mkdir(dirname(jsonFile), { recursive: true });
await writeFile(
  jsonFile,
  `${JSON.stringify({ at: new Date(started).toISOString(), quick, seconds, machine, rows }, null, 2)}\n`,
);
log(`results in ${jsonFile}`);
