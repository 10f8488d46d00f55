// End-to-end tests of `entra-token token` and `cache` as child processes (run `npm run build` first).
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { seedCache, refreshRequests } from './helpers/token-cache-seed.js';
import { MODULE_LOADS_ENV, MODULE_LOADS_PRELOAD, readModuleLoads } from '../helpers/module-loads.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist/cli/bin.cjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('entra-token token (built CLI)', { skip: existsSync(BIN) ? false : 'run npm run build first' }, () => {
  let emu: Emulator;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'et-e2e-cache-')), 'cache');
    env = { ENTRA_TOKEN_CACHE_DIR: dir, HOME: join(dir, '..') };
    emu.clearRequests();
  });

  test('a cache hit prints the cached token and loads neither commander, undici nor jose', async () => {
    const seeded = await seedCache(dir, emu, Date.now() + 3600_000);
    const record = join(dir, '..', 'modules.json');
    const r = await run(['token'], { ...env, [MODULE_LOADS_ENV]: record }, ['--require', MODULE_LOADS_PRELOAD]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${seeded.access_token}\n`);
    const loads = readModuleLoads(record);
    assert.ok(loads.sources.includes('src/cli/token-fast.ts'), loads.sources.join(' '));
    // the hit is answered by bin.ts's fast path: the full program is never loaded
    assert.deepEqual(
      loads.sources.filter((s) => s === 'src/cli/program.ts'),
      [],
      'the full program loaded on a hit',
    );
    assert.deepEqual(loads.packages, [], 'packages loaded on a hit');
    assert.equal(refreshRequests(emu), 0);
  });

  test('an expired entry is refreshed: undici loads, the rotated refresh token is cached', async () => {
    const seeded = await seedCache(dir, emu, Date.now() - 1000);
    const record = join(dir, '..', 'modules.json');
    const r = await run(['token', '--output', 'json'], { ...env, [MODULE_LOADS_ENV]: record }, [
      '--require',
      MODULE_LOADS_PRELOAD,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j.source, 'refresh');
    assert.notEqual(j.access_token, seeded.access_token);
    assert.equal(claims(j.access_token as string).aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
    assert.ok((j.expires_in as number) > 3000);
    assert.ok(readModuleLoads(record).packages.includes('undici'));
    const cache = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8'));
    assert.notEqual(cache.accounts[0].refresh_token, seeded.refresh_token);
    assert.equal(refreshRequests(emu), 1);
    // and the next call is a hit
    const again = await run(['token'], env);
    assert.equal(again.stdout, `${j.access_token}\n`);
    assert.equal(refreshRequests(emu), 1);
  });

  test('20 processes on an expired entry: all print a valid token, one refresh, the newest refresh token kept', async () => {
    await seedCache(dir, emu, Date.now() - 1000);
    const runs = await Promise.all(Array.from({ length: 20 }, () => run(['token'], env)));
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      const c = claims(r.stdout.trim());
      assert.ok((c.exp as number) * 1000 > Date.now() + 5 * 60_000);
    }
    const refreshes = refreshRequests(emu);
    console.log(`# 20 concurrent token processes on an expired entry: ${refreshes} refresh request(s)`);
    assert.equal(refreshes, 1);
    assert.equal(new Set(runs.map((r) => r.stdout)).size, 1);
    const cache = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8'));
    const lastRefresh = emu
      .requests()
      .filter((r) => r.form?.grant_type === 'refresh_token')
      .at(-1)!;
    assert.notEqual(
      cache.accounts[0].refresh_token,
      lastRefresh.form!.refresh_token,
      'the rotated refresh token replaced the one redeemed',
    );
    assert.deepEqual(readdirSync(dir).sort(), ['tokens.json']);
  });

  test('nothing cached: EINTERACTION_REQUIRED, exit 5, naming the sign-in command', async () => {
    const r = await run(['token', '--authority', emu.info.authority, '--client-id', emu.info.public_client_id], env);
    assert.equal(r.code, 5);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^entra-token: error EINTERACTION_REQUIRED: no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default, client /,
    );
    assert.ok(
      r.stderr.includes(
        `hint: sign in first: entra-token login --authority ${emu.info.authority} --client-id ${emu.info.public_client_id} --scope`,
      ),
    );
  });

  test('a revoked refresh token: exit 5 and the cache (with its refresh token) is kept', async () => {
    const seeded = await seedCache(dir, emu, Date.now() - 1000);
    emu.revokeUser(emu.info.username);
    const r = await run(['token'], env);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /EINTERACTION_REQUIRED/);
    assert.equal(
      JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')).accounts[0].refresh_token,
      seeded.refresh_token,
    );
  });

  test('--output az and databricks print the field names those tools print', async () => {
    const seeded = await seedCache(dir, emu, Date.now() + 3600_000);
    const az = JSON.parse((await run(['token', '-o', 'az'], { ...env, AZURE_SUBSCRIPTION_ID: 'sub-1' })).stdout);
    assert.deepEqual(Object.keys(az), [
      'accessToken',
      'expiresOn',
      'expires_on',
      'subscription',
      'tenant',
      'tokenType',
    ]);
    assert.equal(az.accessToken, seeded.access_token);
    assert.match(az.expiresOn, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(az.subscription, 'sub-1');
    assert.equal(az.tenant, emu.info.tenant_id);
    assert.equal(az.tokenType, 'Bearer');
    const dbx = JSON.parse((await run(['token', '--output=databricks'], env)).stdout);
    assert.deepEqual(Object.keys(dbx), ['access_token', 'token_type', 'expiry']);
    assert.equal(Math.floor(Date.parse(dbx.expiry) / 1000), az.expires_on);
  });

  test('a corrupt cache file is moved aside and reported; the command goes on', async () => {
    await seedCache(dir, emu, Date.now() + 3600_000);
    writeFileSync(join(dir, 'tokens.json'), 'not json', { mode: 0o600 });
    const r = await run(['token'], env);
    assert.equal(r.code, 5);
    assert.match(
      r.stderr,
      /warning: the token cache .*tokens\.json was not valid \(8 bytes\); moved it aside to .*tokens\.json\.corrupt-/,
    );
    assert.match(r.stderr, /error EINTERACTION_REQUIRED/);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('tokens.json.corrupt-')).length, 1);
  });

  test('a too-open cache file is tightened to 0600 and reported', async () => {
    const seeded = await seedCache(dir, emu, Date.now() + 3600_000);
    chmodSync(join(dir, 'tokens.json'), 0o644);
    const r = await run(['token'], env);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${seeded.access_token}\n`);
    assert.match(r.stderr, /tokens\.json was accessible to other users \(mode 644\); made it 600/);
    assert.equal(statSync(join(dir, 'tokens.json')).mode & 0o777, 0o600);
  });

  test('a live lock: the refresh waits, then ECACHE exit 10; a stale lock is broken and the refresh happens', async () => {
    await seedCache(dir, emu, Date.now() - 1000);
    writeFileSync(
      join(dir, 'tokens.json.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), nonce: 'n' }),
    );
    const locked = await run(['token'], { ...env, ENTRA_TOKEN_LOCK_TIMEOUT: '1' });
    assert.equal(locked.code, 10);
    assert.match(locked.stderr, new RegExp(`error ECACHE: the token cache is locked by pid ${process.pid} on `));
    assert.equal(refreshRequests(emu), 0);
    writeFileSync(
      join(dir, 'tokens.json.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: Date.now(), nonce: 'n' }),
    );
    const stale = await run(['token'], { ...env, ENTRA_TOKEN_LOCK_TIMEOUT: '5' });
    assert.equal(stale.code, 0, stale.stderr);
    assert.match(stale.stderr, /removed a stale lock on the token cache \(pid \d+ is no longer running\)/);
    assert.equal(refreshRequests(emu), 1);
  });

  test('cache list shows accounts and expiry but no secret; cache clear --account removes it', async () => {
    const seeded = await seedCache(dir, emu, Date.now() + 3600_000);
    const list = await run(['cache', 'list', '--output', 'json'], env);
    assert.equal(list.code, 0);
    assert.ok(!list.stdout.includes(seeded.access_token) && !list.stdout.includes(seeded.refresh_token));
    const j = JSON.parse(list.stdout);
    assert.equal(j.accounts[0].username, emu.info.username);
    assert.equal(j.accounts[0].has_refresh_token, true);
    assert.deepEqual(j.accounts[0].tokens[0].scopes, ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default']);
    const none = await run(['cache', 'clear', '--account', 'bob@contoso.com'], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /error EUSAGE: no cached account matches bob@contoso\.com/);
    const clear = await run(['cache', 'clear', '--account', emu.info.username], env);
    assert.equal(clear.code, 0);
    assert.match(clear.stderr, /^Removed 1 account and its tokens from /);
    assert.deepEqual(JSON.parse((await run(['cache', 'list', '-o', 'json'], env)).stdout).accounts, []);
  });
});
