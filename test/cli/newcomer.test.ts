/**
 * Issue 23, "a newcomer's first hour": one regression test per bug, named after it, against the emulator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createTokenProvider } from '../../src/flows/token-provider.js';
import { FileTokenStore } from '../../src/io/token-cache.js';
import { clientCredentialsTokens } from '../../src/flows/client-credentials.js';
import { createHttpClient } from '../../src/io/http.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { decodeJwtUnverified } from '../../src/core/jwt.js';
import { passwordSignIn, runInProcess, testContext } from '../helpers/cli.js';
import { withRuntime } from '../../src/cli/runtime.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => emu.close());

const freshEnv = (): Record<string, string> => ({
  ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')),
  ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')),
  HOME: mkdtempSync(join(tmpdir(), 'et-home-')),
});

async function signInUser(env: Record<string, string>): Promise<string> {
  const r = await passwordSignIn(emu.info, env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function appToken(env: Record<string, string>, scope: string): Promise<void> {
  const r = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '--scope',
      scope,
      '-o',
      'token',
    ],
    { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret) } },
  );
  assert.equal(r.code, 0, r.stderr);
}

test('issue 23 bug 2: an app-only token cached for another resource does not make `token`, `graph` or the library ask which account', async () => {
  const env = freshEnv();
  await appToken(env, 'https://graph.microsoft.com/.default');
  const user = await signInUser(env);
  // the README's export DATABRICKS_TOKEN=$(entra-token token): only the user can serve the Databricks scope
  const t = await runInProcess(['token'], { env });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout.trim(), user);
  // an app token for Databricks cannot serve Graph; the user's refresh token can
  const env2 = freshEnv();
  await appToken(env2, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default');
  const user2 = await signInUser(env2);
  const g = await runInProcess(
    ['graph', 'users', 'list', '--graph-url', String(emu.info.graph_url), '--output', 'json'],
    { env: env2 },
  );
  // the user's token was sent (the emulator's Graph then wants a directory permission alice lacks: bug 6)
  assert.doesNotMatch(g.stderr, /accounts that can serve/);
  assert.match(g.stderr, /Microsoft Graph refused GET \/v1.0\/users \(403\)/);
  // the library answers too, and names its own option (not a CLI flag) when there is a real choice
  const store = new FileTokenStore(env2.ENTRA_TOKEN_CACHE_DIR!);
  const provider = createTokenProvider({ store });
  await assert.rejects(provider.getToken(), (e: Error & { hint?: string }) => {
    // the user (refresh token) and the app (a fresh Databricks token) can both serve the Databricks scope
    assert.match(e.message, /2 accounts that can serve this request are cached/);
    assert.match(e.message, /account option/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /--account/);
    return true;
  });
  const chosen = await createTokenProvider({ store, account: String(emu.info.username) }).getToken();
  assert.equal(chosen.token, user2);
  // and the CLI's question names only accounts that can serve, with a hint that works
  const q = await runInProcess(['token'], { env: env2 });
  assert.equal(q.code, 2, q.stderr);
  const hint = /hint: (entra-token token --account \S+)/.exec(q.stderr)?.[1];
  assert.ok(hint, q.stderr);
  const again = await runInProcess(hint.split(' ').slice(1), { env: env2 });
  assert.equal(again.code, 0, again.stderr);
});

test('issue 23 bug 5: library clientCredentialsTokens() without scope applies the documented default (the Azure Databricks scope)', async () => {
  const http = createHttpClient({ env: {} });
  try {
    const r = await clientCredentialsTokens(
      {
        authority: resolveAuthority({ authority: emu.info.authority }),
        client_id: String(emu.info.confidential_client_id),
        credential: { kind: 'secret', client_secret: String(emu.info.client_secret) },
      },
      { http, now: Date.now },
    );
    assert.equal(decodeJwtUnverified(r.tokens.access_token).claims.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
    assert.match(
      r.request.form?.find(([k]) => k === 'scope')?.[1] ?? '',
      /^2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default$/,
    );
  } finally {
    await http.close();
  }
});

test('issue 23 bug 3: an untrusted TLS certificate is named with NODE_EXTRA_CA_CERTS, not EOUTCOME_UNKNOWN', async () => {
  const tls = await startEmulator({ tls: true });
  try {
    const r = await runInProcess(
      ['client-credentials', '--authority', tls.info.authority, '--client-id', String(tls.info.confidential_client_id)],
      { env: { ...freshEnv(), AZURE_CLIENT_SECRET: String(tls.info.client_secret) } },
    );
    assert.equal(r.code, 6, r.stderr);
    assert.match(
      r.stderr,
      /^entra-token: error ENETWORK: connection to 127\.0\.0\.1:\d+ failed \([A-Z_]+\): TLS: the certificate is not trusted; nothing was sent\n/,
    );
    assert.match(r.stderr, /hint: .*NODE_EXTRA_CA_CERTS=/);
    assert.doesNotMatch(r.stderr, /EOUTCOME_UNKNOWN|single|only once/);
  } finally {
    await tls.close();
  }
});

test('issue 23 bug 4: a bad --authority and an unwritable --trace-file/--har/--curl-file are usage errors before any request', async () => {
  const env = freshEnv();
  const bad = await runInProcess(['authorize-url', '--authority', 'not a url', '--client-id', 'x'], { env });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^entra-token: error EUSAGE: --authority is not a URL: "not a url"\n/);
  assert.doesNotMatch(bad.stderr, /internal error|EINTERNAL/);
  for (const flag of ['--trace-file', '--har', '--curl-file']) {
    const before = emu.requests().length;
    const r = await runInProcess(
      [
        flag,
        '/nonexistent/x.out',
        'client-credentials',
        '--authority',
        emu.info.authority,
        '--client-id',
        String(emu.info.confidential_client_id),
      ],
      { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret) } },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^entra-token: error EUSAGE: ${flag} /nonexistent/x.out cannot be written: the directory /nonexistent does not exist\\n`,
      ),
    );
    assert.equal(emu.requests().length, before, `${flag}: nothing was sent`);
    assert.equal(r.stdout, '');
  }
});

test('issue 23 bug 4: a trace sink failing after success is a warning; the command keeps its result and exit code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'et-sink-'));
  mkdirSync(join(dir, 'sub'));
  const t = testContext();
  t.ctx.cwd = dir;
  const answer = await withRuntime(t.ctx, { har: 'sub/x.har' }, async (rt) => {
    rt.trace.step('the command succeeded');
    rmSync(join(dir, 'sub'), { recursive: true }); // the directory vanishes while the command runs
    return 'tokens';
  });
  assert.equal(answer, 'tokens');
  assert.match(t.stderr(), /^entra-token: warning: the trace was not written \(.*sub\/x\.har.*ENOENT.*\)$/m);
  assert.equal(existsSync(join(dir, 'sub', 'x.har')), false);
});

test('issue 23 bug 1: --profile and DATABRICKS_CONFIG_PROFILE on databricks, graph and token; the profile host and azure_client_secret are used', async () => {
  const env = freshEnv();
  env.AZURE_AUTHORITY_HOST = new URL(emu.info.authority).origin; // the emulator's Entra host, as a private cloud
  writeFileSync(
    join(env.HOME!, '.databrickscfg'),
    [
      '[DEFAULT]',
      'host = https://adb-0000000000000000.0.azuredatabricks.net',
      '',
      '[sp]',
      `host = ${String(emu.info.workspace_url)}`,
      `azure_tenant_id = ${String(emu.info.tenant_id)}`,
      `azure_client_id = ${String(emu.info.confidential_client_id)}`,
      `azure_client_secret = ${String(emu.info.client_secret)}`,
      '',
      '[ws]',
      `host = ${String(emu.info.workspace_url)}`,
      `azure_tenant_id = ${String(emu.info.tenant_id)}`,
      `azure_client_id = ${String(emu.info.public_client_id)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // client-credentials --profile sp: the secret is the profile's azure_client_secret (no AZURE_CLIENT_SECRET)
  const cc = await runInProcess(['client-credentials', '--profile', 'sp', '-o', 'token'], { env });
  assert.equal(cc.code, 0, cc.stderr);
  const app = cc.stdout.trim();
  assert.equal(decodeJwtUnverified(app).claims.appid, String(emu.info.confidential_client_id));
  // token --profile sp: the profile's tenant and client id select the app's cached token
  const t = await runInProcess(['token', '--profile', 'sp'], { env });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout.trim(), app);
  const t2 = await runInProcess(['token'], { env: { ...env, DATABRICKS_CONFIG_PROFILE: 'sp' } });
  assert.equal(t2.code, 0, t2.stderr);
  assert.equal(t2.stdout.trim(), app);
  const missing = await runInProcess(['token', '--profile', 'nope'], { env });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /^entra-token: error EUSAGE: profile nope is not in ~\/\.databrickscfg \(profiles: DEFAULT, sp, ws\)/,
  );
  // databricks … --profile ws: the profile's host (not DEFAULT's) and the sign-in its azure_* settings name
  const signIn = await runInProcess(
    ['password', '--profile', 'ws', '--username', String(emu.info.username), '--password-stdin', '-o', 'token'],
    { env, stdin: String(emu.info.password) },
  );
  assert.equal(signIn.code, 0, signIn.stderr);
  for (const [argv, e] of [
    [['databricks', 'clusters', 'list', '--profile', 'ws', '--output', 'json'], env],
    [['databricks', 'clusters', 'list', '--output', 'json'], { ...env, DATABRICKS_CONFIG_PROFILE: 'ws' }],
  ] as const) {
    const r = await runInProcess([...argv], { env: e });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as unknown[]).length >= 1);
  }
  // graph users list knows --profile: the profile's service principal (its azure_client_secret) gets the Graph token
  const g = await runInProcess(
    ['graph', 'users', 'list', '--profile', 'sp', '--graph-url', String(emu.info.graph_url), '--output', 'json'],
    { env },
  );
  assert.equal(g.code, 0, g.stderr);
  assert.ok(
    (JSON.parse(g.stdout) as Array<{ userPrincipalName: string }>).some(
      (u) => u.userPrincipalName === emu.info.username,
    ),
  );
});

test('issue 23 bug 6: hints fit the grant, the token kind and the authority used', async () => {
  const env = freshEnv();
  const user = await signInUser(env);
  const origin = new URL(emu.info.authority).origin;
  // Graph 403 for a user token: a delegated permission, consent at the emulator's authority (not the public cloud)
  const g = await runInProcess(['graph', 'users', 'list', '--graph-url', String(emu.info.graph_url)], { env });
  assert.equal(g.code, 9, g.stderr);
  const hint = /^hint: (.*)$/m.exec(g.stderr)?.[1] ?? '';
  assert.match(hint, /delegated permission User\.ReadBasic\.All or User\.Read\.All/);
  assert.doesNotMatch(hint, /application permission|login\.microsoftonline\.com/);
  assert.ok(hint.includes(`${origin}/${String(emu.info.tenant_id)}/adminconsent?client_id=`), hint);
  // databricks with --host set to the Entra URL: not "check the API path"
  const d = await runInProcess(['databricks', 'clusters', 'list', '--host', origin], {
    env: { ...env, ENTRA_TOKEN_ACCESS_TOKEN: user },
  });
  assert.equal(d.code, 9, d.stderr);
  assert.match(d.stderr, /^hint: this is Entra ID \(the authority\), not a workspace: --host takes the workspace URL/m);
  assert.doesNotMatch(d.stderr, /check the API path/);
  // a client-credentials timeout: nothing single-use was spent, so the hint says to run it again
  emu.fault({ endpoint: 'token', kind: 'delay', ms: 3000 });
  const cc = await runInProcess(
    [
      '--http-timeout',
      '1',
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      String(emu.info.confidential_client_id),
    ],
    { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret) } },
  );
  assert.equal(cc.code, 6, cc.stderr);
  assert.match(cc.stderr, /^hint: a client credentials request redeems nothing single-use: run the command again/m);
  assert.doesNotMatch(cc.stderr, /authorization code|only once/);
});

test('issue 23 bug 7: package-lock.json names the bin and version package.json has, so npm install leaves it as it is', async () => {
  const { readFileSync } = await import('node:fs');
  const root = join(import.meta.dirname, '..', '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    name: string;
    version: string;
    packages: Record<string, Record<string, unknown>>;
  };
  const self = lock.packages['']!;
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  assert.deepEqual(self.bin, pkg.bin);
  assert.deepEqual(self.bin, { 'entra-token': 'dist/cli/bin.cjs' });
  assert.deepEqual(self.dependencies, pkg.dependencies);
  assert.deepEqual(self.devDependencies, pkg.devDependencies);
  assert.deepEqual(self.engines, pkg.engines);
});

test('issue 23 (README mismatch): a pasted bare code is named by its length (never echoed) and the hint names --code', async () => {
  const code = `0.AXEA${'abcdefghij'.repeat(30)}`;
  const r = await runInProcess(['exchange', code], { env: freshEnv() });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `entra-token: error EBAD_INPUT: the pasted text looks like a bare authorization code (${code.length} characters), not a redirect URL\n` +
      'hint: pipe it to --code - --state STATE (the state is the &state=… of the redirect), or pipe the whole address: http://localhost/?code=…&state=…\n',
  );
  assert.doesNotMatch(r.stderr, /abcdefghij/);
});

test('issue 23 (README mismatch): a missing tenant and a missing client id are reported together', async () => {
  const r = await runInProcess(['client-credentials'], { env: { ...freshEnv(), AZURE_CLIENT_SECRET: 'x' } });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: no tenant and no client id: give --tenant (a tenant id, a verified domain, or organizations) and --client-id (the Application (client) ID of your app registration)\n' +
      'hint: or set AZURE_TENANT_ID and AZURE_CLIENT_ID, or use a profile with azure_tenant_id and azure_client_id (--profile)\n',
  );
  // one of them given: the other is named alone
  const t = await runInProcess(['client-credentials', '--client-id', 'x'], {
    env: { ...freshEnv(), AZURE_CLIENT_SECRET: 'x' },
  });
  assert.match(t.stderr, /^entra-token: error EUSAGE: no tenant: give --tenant/);
});
