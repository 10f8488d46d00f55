// The proof of issue 19: the real Databricks JS SDK, run under `entra-token exec`, gets its tokens from
// entra-token's metadata service, and keeps working across token expiry without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { seedClusters } from '../../src/emulator/databricks.js';
import { seedCache, refreshRequests } from '../e2e/helpers/token-cache-seed.js';

const CLIENT = fileURLToPath(new URL('../e2e/helpers/sdk-client.mjs', import.meta.url));
const WORKSPACE = 'https://adb-1234567890123456.7.azuredatabricks.net';

/** `exec` in-process with a clock the test moves, and the child's stdin/stdout as line channels. */
function startExec(argv: string[], env: Record<string, string>, offset: { ms: number }) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => (err += d));
  const lines: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  let buf = '';
  stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin,
    env,
    now: () => Date.now() + offset.ms,
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
  const done = runCli(argv, ctx);
  return {
    done,
    stderr: () => err,
    send: (command: string) => stdin.write(`${command}\n`),
    /** End the child's input: the client exits at end of input, even after a failed assertion. */
    end: () => stdin.end(),
    async ask(command: string): Promise<Record<string, unknown>> {
      const next = lines.length
        ? Promise.resolve(lines.shift()!)
        : new Promise<string>((resolve, reject) => {
            waiting.push(resolve);
            void done.then((code) => reject(new Error(`exec ended (${code}) before answering; stderr: ${err}`)));
          });
      stdin.write(`${command}\n`);
      return JSON.parse(await next) as Record<string, unknown>;
    },
  };
}

describe('entra-token exec with the real Databricks JS SDK', () => {
  let emu: Emulator;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'et-exec-sdk-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('lists the workspace clusters, then, an hour later, gets a new token without restarting', async (t) => {
    const cache = join(dir, 'cache');
    await seedCache(cache, emu, Date.now() + 3600_000);
    emu.clearRequests();
    const offset = { ms: 0 };
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ENTRA_TOKEN_CACHE_DIR: cache,
      ROUTE_TO: String(emu.info.workspace_url),
      WITH_ME: '1', // currentUser.me(): the workspace's SCIM Me for the token's user
      DATABRICKS_TOKEN: 'dapi00000000000000000000000000000000', // must not reach the child
    };
    const run = startExec(['exec', '--host', WORKSPACE, '--', process.execPath, CLIENT], env, offset);
    t.after(() => run.end());

    const first = await run.ask('list');
    assert.equal(first.auth_type, 'metadata-service');
    assert.equal(first.me, emu.info.username, 'currentUser.me() names the signed-in user');
    assert.deepEqual(
      first.clusters,
      seedClusters().map((c) => c.cluster_id),
    );
    assert.equal(refreshRequests(emu), 0, 'the cached token was used as is');
    const tokensBefore = new Set(workspaceBearers(emu));
    assert.equal(tokensBefore.size, 1);

    // an hour and a bit passes, for everyone: the emulator, entra-token and the SDK's process
    emu.advanceClock(3700);
    offset.ms += 3700_000;
    assert.deepEqual(await run.ask('advance 3700'), { advanced: 3700 });

    const second = await run.ask('list');
    assert.equal(second.pid, first.pid, 'the same process');
    assert.deepEqual(second.clusters, first.clusters);
    assert.equal(refreshRequests(emu), 1, 'entra-token redeemed the refresh token once');
    const tokensAfter = workspaceBearers(emu);
    assert.equal(new Set(tokensAfter).size, 2, 'the workspace saw a second, new token');

    run.send('quit');
    assert.equal(await run.done, 0);
    assert.match(run.stderr(), /note: DATABRICKS_TOKEN is not passed to .*node/);
  });
});

/** The bearer tokens the emulated workspace received, in order. */
function workspaceBearers(emu: Emulator): string[] {
  return emu
    .requests()
    .filter((r) => r.path.startsWith('/api/'))
    .map((r) => String(r.headers.authorization ?? ''))
    .filter(Boolean);
}
