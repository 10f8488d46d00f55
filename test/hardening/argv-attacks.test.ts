/**
 * Issue 15, item 6: another local user reads every process's command line (`ps`, /proc/PID/cmdline). No
 * secret the user hands the tool, and none the tool hands curl in its `--curl` script, may be there; where
 * the user puts one there anyway, the tool says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const REAL_CURL = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((p) => existsSync(p));
let root: string;
let emu: Emulator;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'entra-argv-attack-'));
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});
const dir = () => mkdtempSync(join(root, 'd-'));
const envFor = (d: string) => ({ ENTRA_TOKEN_CACHE_DIR: join(d, 'cache'), ENTRA_TOKEN_STATE_DIR: join(d, 'state') });

test(
  'item 6: the --curl script replays against the emulator with no secret on curl’s argv (client secret, bearer token)',
  { skip: REAL_CURL ? false : 'curl is not installed' },
  async () => {
    const d = dir();
    const workspace = String(emu.info.workspace_url);
    const conf = ['--authority', emu.info.authority, '--client-id', emu.info.confidential_client_id];
    // the trace of a service principal (not a workspace user) listing clusters: token POSTs with the client
    // secret, then a GET with a bearer token and a management token
    const r = await runInProcess(
      [
        '--curl-file',
        join(d, 'replay.sh'),
        'databricks',
        'clusters',
        'list',
        '--host',
        workspace,
        '--resource-id',
        String(emu.info.workspace_resource_id),
        ...conf,
      ],
      { env: { ...envFor(d), AZURE_CLIENT_SECRET: emu.info.client_secret } },
    );
    assert.equal(r.code, 0, r.stderr);
    const script = readFileSync(join(d, 'replay.sh'), 'utf8');
    // the tokens for the replay's GET, as a user of the script would have them
    const tokenFor = async (scope: string) => {
      const t = await runInProcess(['client-credentials', ...conf, '--scope', scope, '-o', 'token', '--no-cache'], {
        env: { ...envFor(d), AZURE_CLIENT_SECRET: emu.info.client_secret },
      });
      assert.equal(t.code, 0, t.stderr);
      return t.stdout.trim();
    };
    const accessToken = await tokenFor('2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default');
    const managementToken = await tokenFor('https://management.core.windows.net//.default');

    // curl as the system has it, behind a wrapper that writes down the argv it was given
    const bin = join(d, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> "${join(d, 'argv.log')}"; done\nexec ${REAL_CURL} "$@"\n`,
      { mode: 0o755 },
    );
    // (asynchronously: the emulator answers from this process)
    const replay = await promisify(execFile)('bash', [join(d, 'replay.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        CLIENT_SECRET: emu.info.client_secret,
        AUTHORIZATION: accessToken,
        SP_MANAGEMENT_TOKEN: managementToken,
      },
      timeout: 30_000,
    });
    assert.match(replay.stdout, /"access_token":"eyJ/, 'the replayed token request got a token');
    assert.match(replay.stdout, /"cluster_id":"0103-141523-abcd1234"/, 'the replayed bearer call got the clusters');
    const argv = readFileSync(join(d, 'argv.log'), 'utf8');
    assert.match(argv, /oauth2\/v2\.0\/token/, 'the wrapper saw the token request');
    for (const [what, secret] of Object.entries({
      'client secret': emu.info.client_secret,
      'access token': accessToken,
      'access token (encoded)': encodeURIComponent(accessToken),
      'management token': managementToken,
    })) {
      assert.ok(!argv.includes(secret), `the ${what} is on curl's argv`);
      assert.ok(!script.includes(secret), `the ${what} is in the script`);
    }
  },
);

/** A fresh sign-in started with authorize-url and answered by the auto-approving emulator: its redirect. */
async function signedInRedirect(d: string): Promise<string> {
  const a = await runInProcess(
    ['authorize-url', '--authority', emu.info.authority, '--client-id', emu.info.public_client_id],
    {
      env: envFor(d),
    },
  );
  assert.equal(a.code, 0, a.stderr);
  const res = await fetch(a.stdout.trim(), { redirect: 'manual' });
  return res.headers.get('location')!;
}

const TOKEN_WARNING =
  'entra-token: warning: the token is on the command line, where other local users can read it (ps); pipe it instead: entra-token token | entra-token inspect (or inspect < file)\n';

test('item 6: inspect TOKEN warns in one line that others can read it, and prints what inspect < file prints; stdin, - and garbage do not warn', async () => {
  const d = dir();
  const t = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '-o',
      'token',
      '--no-cache',
    ],
    { env: { ...envFor(d), AZURE_CLIENT_SECRET: emu.info.client_secret } },
  );
  const token = t.stdout.trim();
  const now = () => 1_800_000_000_000;
  const onArgv = await runInProcess(['inspect', token], { env: { TZ: 'UTC' }, now });
  const piped = await runInProcess(['inspect'], { env: { TZ: 'UTC' }, stdin: token, now });
  const dash = await runInProcess(['inspect', '-'], { env: { TZ: 'UTC' }, stdin: `${token}\n`, now });
  assert.equal(onArgv.stderr, TOKEN_WARNING);
  assert.equal(piped.stderr, '');
  assert.equal(dash.stderr, '');
  assert.equal(onArgv.stdout, piped.stdout);
  assert.equal(onArgv.code, piped.code);
  const garbage = await runInProcess(['inspect', 'not-a-token']);
  assert.equal(garbage.code, 2);
  assert.doesNotMatch(garbage.stderr, /warning/);
});

test('item 6: exchange reads the redirect from stdin when no argument is given; a redirect with a code (or --code VALUE) on the command line warns; --code - reads stdin', async () => {
  const d = dir();
  const pasted = await runInProcess(['exchange', '-o', 'token', '--no-cache'], {
    env: envFor(d),
    stdin: `${await signedInRedirect(d)}\n`,
  });
  assert.equal(pasted.code, 0, pasted.stderr);
  assert.equal(pasted.stderr, '');
  assert.match(pasted.stdout, /^eyJ/);

  const onArgv = await runInProcess(['exchange', await signedInRedirect(d), '-o', 'token', '--no-cache'], {
    env: envFor(d),
  });
  assert.equal(onArgv.code, 0, onArgv.stderr);
  assert.equal(
    onArgv.stderr,
    'entra-token: warning: the redirect (with its code) is on the command line, where other local users can read it (ps); paste it on standard input instead: entra-token exchange, or pbpaste | entra-token exchange\n',
  );

  const r = new URL(await signedInRedirect(d));
  const codeOnArgv = await runInProcess(
    [
      'exchange',
      '--code',
      r.searchParams.get('code')!,
      '--state',
      r.searchParams.get('state')!,
      '-o',
      'token',
      '--no-cache',
    ],
    { env: envFor(d) },
  );
  assert.equal(codeOnArgv.code, 0, codeOnArgv.stderr);
  assert.equal(
    codeOnArgv.stderr,
    'entra-token: warning: the code is on the command line, where other local users can read it (ps); give --code - and paste it on standard input\n',
  );
  const r2 = new URL(await signedInRedirect(d));
  const codeOnStdin = await runInProcess(
    ['exchange', '--code', '-', '--state', r2.searchParams.get('state')!, '-o', 'token', '--no-cache'],
    { env: envFor(d), stdin: `${r2.searchParams.get('code')}\n` },
  );
  assert.equal(codeOnStdin.code, 0, codeOnStdin.stderr);
  assert.equal(codeOnStdin.stderr, '');
});

test('item 6: --sp-management-token VALUE warns that others can read it; @file does not', async () => {
  const d = dir();
  const base = [
    'databricks',
    'clusters',
    'list',
    '--host',
    String(emu.info.workspace_url),
    '--resource-id',
    String(emu.info.workspace_resource_id),
    '--authority',
    emu.info.authority,
    '--client-id',
    emu.info.confidential_client_id,
    '--output',
    'json',
  ];
  const env = { ...envFor(d), AZURE_CLIENT_SECRET: emu.info.client_secret };
  const m = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '--scope',
      'https://management.core.windows.net//.default',
      '-o',
      'token',
      '--no-cache',
    ],
    { env },
  );
  const management = m.stdout.trim();
  const literal = await runInProcess([...base, '--sp-management-token', management], { env });
  assert.equal(literal.code, 0, literal.stderr);
  assert.equal(
    literal.stderr,
    'entra-token: warning: the --sp-management-token value is on the command line, where other local users can read it (ps); give it as @file (mode 600) or in DATABRICKS_AZURE_SP_MANAGEMENT_TOKEN\n',
  );
  writeFileSync(join(d, 'mgmt.jwt'), management, { mode: 0o600 });
  const fromFile = await runInProcess([...base, '--sp-management-token', `@${join(d, 'mgmt.jwt')}`], { env });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromFile.stderr, '');
  assert.equal(fromFile.stdout, literal.stdout);
});
