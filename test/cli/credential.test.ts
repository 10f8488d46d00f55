/**
 * The credential chain from the command line, against the emulator: the documentation's daemon in one
 * command, a service-principal profile with no prior command, the second call a cache hit, `auth
 * describe` with every skip reason, explicit auth types, refusals, and a configured source that fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
let n = 0;
before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'chain-cli-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh HOME and cache per test: no profile file unless the test writes one. */
function home(): { HOME: string; ENTRA_TOKEN_CACHE_DIR: string } {
  const h = join(dir, `home-${++n}`);
  return { HOME: h, ENTRA_TOKEN_CACHE_DIR: join(h, 'cache') };
}

const tokenRequests = () => emu.requests().filter((r) => /oauth2\/v2\.0\/token$/.test(r.path));

describe('one command, no prior sign-in', () => {
  test("the documentation's daemon: AZURE_CLIENT_SECRET=… graph users list --tenant T --client-id C; the second call is a cache hit", async () => {
    const env = {
      ...home(),
      AZURE_CLIENT_SECRET: emu.info.client_secret,
      AZURE_AUTHORITY_HOST: emu.info.url,
      ENTRA_TOKEN_GRAPH_URL: String(emu.info.graph_url),
    };
    const args = [
      'graph',
      'users',
      'list',
      '--tenant',
      emu.info.tenant_id,
      '--client-id',
      emu.info.confidential_client_id,
      '--max',
      '2',
    ];
    const before = tokenRequests().length;
    const r = await runInProcess(args, { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^ID +DISPLAY NAME +USER PRINCIPAL NAME/);
    assert.equal(r.stdout.trimEnd().split('\n').length, 3);
    assert.equal(tokenRequests().length, before + 1);
    assert.equal(tokenRequests().at(-1)!.form?.grant_type, 'client_credentials');
    const again = await runInProcess(args, { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, r.stdout);
    assert.equal(tokenRequests().length, before + 1, 'the second call took the token from the cache');
    // and `token` answers from the same cache entry
    const t = await runInProcess(
      [
        'token',
        '--tenant',
        emu.info.tenant_id,
        '--client-id',
        emu.info.confidential_client_id,
        '--scope',
        'https://graph.microsoft.com/.default',
        '-o',
        'json',
      ],
      { env },
    );
    assert.equal(t.code, 0, t.stderr);
    const j = JSON.parse(t.stdout) as Record<string, unknown>;
    assert.equal(j.source, 'cache');
    assert.equal(j.credential, 'client-secret');
    assert.equal(tokenRequests().length, before + 1);
    assert.ok(!t.stdout.includes(emu.info.client_secret) && !r.stderr.includes(emu.info.client_secret));
  });

  test('databricks clusters list --profile emu: the profile’s service principal and host, no prior command', async () => {
    const env = home();
    const cfg = join(env.HOME!, 'databrickscfg');
    require_dir(env.HOME!);
    writeFileSync(
      cfg,
      `[emu]\nhost = ${String(emu.info.workspace_url)}\nazure_tenant_id = ${emu.info.tenant_id}\n` +
        `azure_client_id = ${emu.info.confidential_client_id}\nazure_client_secret = ${emu.info.client_secret}\n` +
        `azure_workspace_resource_id = ${String(emu.info.workspace_resource_id)}\n`,
      { mode: 0o600 },
    );
    const r = await runInProcess(['databricks', 'clusters', 'list', '--profile', 'emu', '--output', 'json'], {
      env: { ...env, DATABRICKS_CONFIG_FILE: cfg, AZURE_AUTHORITY_HOST: emu.info.url },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Array.isArray(JSON.parse(r.stdout)));
    // the service principal is not a workspace user: a Databricks token and a management token, both app-only
    const [dbx, mgmt] = tokenRequests().slice(-2);
    assert.equal(dbx!.form?.grant_type, 'client_credentials');
    assert.equal(dbx!.form?.client_id, emu.info.confidential_client_id);
    assert.equal(dbx!.form?.scope, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default');
    assert.equal(mgmt!.form?.scope, 'https://management.core.windows.net//.default');
    const call = emu
      .requests()
      .filter((q) => q.server === 'workspace' && /clusters\/list/.test(q.path))
      .at(-1)!;
    assert.equal(call.headers['x-databricks-azure-workspace-resource-id'], emu.info.workspace_resource_id);
    assert.ok(call.headers['x-databricks-azure-sp-management-token']);
    const described = await runInProcess(['auth', 'describe', '--profile', 'emu'], {
      env: { ...env, DATABRICKS_CONFIG_FILE: cfg, AZURE_AUTHORITY_HOST: emu.info.url },
    });
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^credential client secret \(profile emu in ~\/databrickscfg:5\)$/m);
    assert.ok(!described.stdout.includes(emu.info.client_secret));
  });

  test('regression: client-credentials --profile emu takes the secret from the profile (was EUSAGE "no client credential")', async () => {
    const env = home();
    require_dir(env.HOME!);
    const cfg = join(env.HOME!, '.databrickscfg');
    writeFileSync(
      cfg,
      `[emu]\nazure_tenant_id = ${emu.info.tenant_id}\nazure_client_id = ${emu.info.confidential_client_id}\nazure_client_secret = ${emu.info.client_secret}\n`,
      { mode: 0o600 },
    );
    const r = await runInProcess(
      ['client-credentials', '--profile', 'emu', '--authority', emu.info.url, '-o', 'json'],
      {
        env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).token_type, 'Bearer');
    assert.equal(tokenRequests().at(-1)!.form?.client_secret, emu.info.client_secret);
  });
});

describe('auth describe: which source, and why each earlier one was skipped', () => {
  test('nothing configured: every skip line, and what a token request would do', async () => {
    const r = await runInProcess(['auth', 'describe'], { env: home() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'scope      2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
        'authority  unresolved (no tenant: give --tenant (a tenant id, a verified domain, or organizations))',
        "client id  - (not set: a user sign-in uses the Azure CLI's public client 04b07795-8ddb-461a-bbee-02f9e1bf7b46)",
        'profile    - (none)',
        'auth type  - (the first configured source)',
        'credential none: every source was skipped (a token request would fail with EINTERACTION_REQUIRED, exit 5)',
        '',
        'skip  access token: no --token-stdin and ENTRA_TOKEN_ACCESS_TOKEN is not set',
        'skip  client secret: no --client-secret-stdin or --client-secret-file, AZURE_CLIENT_SECRET and ARM_CLIENT_SECRET are not set, and no profile has azure_client_secret',
        'skip  client certificate: no --certificate and AZURE_CLIENT_CERTIFICATE_PATH is not set',
        'skip  federated token (workload identity federation): no federated token file, command, variable, GitHub Actions or Azure Pipelines token request is configured',
        'skip  managed identity: no IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST or ARM_USE_MSI',
        'skip  cached sign-in: no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
        'skip  interactive sign-in: no terminal is attached to ask the user',
        '',
      ].join('\n'),
    );
  });

  test('on a terminal: --no-interactive and CI=true refuse the interactive sign-in; with a client id it is next', async () => {
    const base = ['auth', 'describe', '--authority', emu.info.authority, '--client-id', emu.info.public_client_id];
    const refused = await runInProcess([...base, '--no-interactive'], { env: home(), isTTY: true });
    assert.match(refused.stdout, /^skip {2}interactive sign-in: interaction is not allowed \(--no-interactive\)$/m);
    const ci = await runInProcess(base, { env: { ...home(), CI: 'true' }, isTTY: true });
    assert.match(ci.stdout, /^skip {2}interactive sign-in: interaction is not allowed \(CI=true is set\)$/m);
    const ok = await runInProcess(base, { env: { ...home(), DISPLAY: ':0' }, isTTY: true });
    assert.match(ok.stdout, /^use {3}interactive sign-in: the system browser$/m);
    const ssh = await runInProcess(base, { env: home(), isTTY: true });
    assert.match(ssh.stdout, /^use {3}interactive sign-in: device code \(no browser: .+\)$/m);
  });

  test('-o json: each source with configured / used / skipped, no secret', async () => {
    const r = await runInProcess(['auth', 'describe', '-o', 'json', '--tenant', emu.info.tenant_id], {
      env: { ...home(), AZURE_CLIENT_SECRET: 'hunter2-secret', ENTRA_TOKEN_ACCESS_TOKEN: 'tok' },
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { credential: unknown; steps: { source: string; used: boolean }[] };
    assert.deepEqual(j.credential, { source: 'access-token', via: 'env ENTRA_TOKEN_ACCESS_TOKEN' });
    assert.deepEqual(
      j.steps.map((s) => [s.source, s.used]),
      [
        ['access-token', true],
        ['client-secret', false],
        ['certificate', false],
        ['federated', false],
        ['managed-identity', false],
        ['cached-sign-in', false],
        ['interactive', false],
      ],
    );
    assert.ok(!r.stdout.includes('hunter2'));
  });
});

describe('explicit choice and refusals', () => {
  test('--auth-type azure-client-secret beats the token in the environment; token-cache without a sign-in is EUSAGE', async () => {
    const env = {
      ...home(),
      ENTRA_TOKEN_ACCESS_TOKEN: 'not-used',
      AZURE_CLIENT_SECRET: emu.info.client_secret,
      AZURE_CLIENT_ID: emu.info.confidential_client_id,
    };
    const r = await runInProcess(
      ['token', '--auth-type', 'azure-client-secret', '--authority', emu.info.authority, '-o', 'json'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).credential, 'client-secret');
    const cache = await runInProcess(['token', '--auth-type', 'token-cache', '--authority', emu.info.authority], {
      env: { ...env, ENTRA_TOKEN_CACHE_DIR: join(env.HOME, 'other') },
    });
    assert.equal(cache.code, 2);
    assert.match(
      cache.stderr,
      /^entra-token: error EUSAGE: auth type token-cache \(--auth-type\) was chosen, but no cached sign-in for scope /,
    );
  });

  test('azure-msi from the profile key auth_type chooses the managed identity (issue 24), and file-oidc is refused', async () => {
    const env = { ...home(), AZURE_POD_IDENTITY_AUTHORITY_HOST: String(emu.info.imds_url) };
    require_dir(env.HOME!);
    writeFileSync(join(env.HOME!, '.databrickscfg'), '[DEFAULT]\nauth_type = azure-msi\n', { mode: 0o600 });
    const r = await runInProcess(['token'], { env });
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(env.HOME!, '.databrickscfg'), '[DEFAULT]\nauth_type = file-oidc\n', { mode: 0o600 });
    const foreign = await runInProcess(['token'], { env });
    assert.equal(foreign.code, 2);
    assert.match(
      foreign.stderr,
      /^entra-token: error EUSAGE: auth type file-oidc \(profile DEFAULT in ~\/\.databrickscfg:2\) is a Databricks auth type that does not give an Entra ID token\n/,
    );
  });

  test('a wrong secret fails (exit 4, AADSTS7000215) instead of falling through to the cached sign-in or a prompt', async () => {
    const r = await runInProcess(
      ['token', '--authority', emu.info.authority, '--client-id', emu.info.confidential_client_id],
      { env: { ...home(), AZURE_CLIENT_SECRET: 'wrong-secret-value' }, isTTY: true },
    );
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^entra-token: error EOAUTH: invalid_client AADSTS7000215/);
    assert.ok(!r.stderr.includes('wrong-secret-value'));
  });

  test('--client-secret VALUE is refused; --token-stdin with --client-secret-stdin is EUSAGE', async () => {
    const a = await runInProcess(['graph', 'users', 'list', '--client-secret', 's3cret'], { env: home() });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--client-secret VALUE is refused/);
    const b = await runInProcess(
      [
        'databricks',
        'clusters',
        'list',
        '--host',
        'https://adb-1.2.azuredatabricks.net',
        '--token-stdin',
        '--client-secret-stdin',
      ],
      {
        env: home(),
        stdin: 'x',
      },
    );
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--token-stdin and --client-secret-stdin both read standard input/);
  });

  test('--client-secret-file and --certificate on the command line', async () => {
    const env = home();
    require_dir(env.HOME!);
    const secret = join(env.HOME!, 'secret.txt');
    writeFileSync(secret, `${emu.info.client_secret}\n`, { mode: 0o600 });
    const r = await runInProcess(
      [
        'token',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.confidential_client_id,
        '--client-secret-file',
        secret,
        '-o',
        'json',
      ],
      { env: { ...env, ENTRA_TOKEN_ACCESS_TOKEN: 'would-be-first' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).credential, 'client-secret');
    const pem = join(env.HOME!, 'app.pem');
    writeFileSync(pem, emu.certificate.keyPem + emu.certificate.certPem, { mode: 0o600 });
    const c = await runInProcess(
      [
        'token',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.certificate_client_id,
        '--certificate',
        pem,
        '-o',
        'json',
      ],
      { env: { ...env, AZURE_CLIENT_SECRET: 'not-used' } },
    );
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).credential, 'certificate');
    assert.equal(
      tokenRequests().at(-1)!.form?.client_assertion_type,
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
  });
});

function require_dir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}
