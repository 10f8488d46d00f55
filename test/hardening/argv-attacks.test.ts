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
