// `serve` and `exec` as real processes (run `npm run build` first): signals, and dying with the parent.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMinter, DATABRICKS } from '../helpers/mint.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist/cli/bin.cjs');
const WORKSPACE = 'https://adb-1234567890123456.7.azuredatabricks.net';

/** Every process a test starts, killed in `after` if a failed test left it running. */
const started: ChildProcess[] = [];
const pids: number[] = [];

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  started.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  return { out: () => out, err: () => err };
}

// generous: the machine running the tests may be heavily loaded
async function until(cond: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('serve and exec as processes', { skip: existsSync(BIN) ? false : 'run npm run build first' }, () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'et-serve-proc-'));
    const minter = await createMinter();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ENTRA_TOKEN_CACHE_DIR: join(dir, 'cache'),
      ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS),
    };
  });
  after(() => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve stops cleanly on SIGTERM (exit 0) and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = spawn(process.execPath, [BIN, 'serve', '--host', WORKSPACE], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const io = collect(child);
      const done = exited(child);
      await until(() => io.err().includes('serving'), 'serve to start');
      const info = JSON.parse(io.out().split('\n')[0]!) as { url: string };
      const r = await fetch(info.url, {
        headers: { 'X-Databricks-Metadata-Version': '1', 'X-Databricks-Host': WORKSPACE },
      });
      assert.equal(r.status, 200);
      child.kill(signal);
      assert.deepEqual(await done, { code: 0, signal: null }, io.err());
      assert.match(
        io.err(),
        new RegExp(`stopped \\((${signal}|interrupted)\\); 1 token\\(s\\) served, 0 request\\(s\\) refused\\n$`),
      );
      await assert.rejects(fetch(info.url), /fetch failed/);
    }
  });

  it('serve ends when the process that started it dies', async () => {
    // a parent that starts serve and is then killed with SIGKILL (no chance to clean up)
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c=require('child_process').spawn(process.execPath,[${JSON.stringify(BIN)},'serve','--host',${JSON.stringify(WORKSPACE)}],{stdio:['ignore','pipe','inherit']});c.stdout.once('data',()=>console.log(c.pid));setInterval(()=>{},1000);`,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const io = collect(parent);
    await until(() => /^\d+\n/.test(io.out()), 'the serve pid');
    const pid = Number(io.out().trim());
    pids.push(pid);
    assert.ok(alive(pid));
    parent.kill('SIGKILL');
    await until(() => !alive(pid), 'serve to exit after its parent');
  });

  it('exec passes SIGTERM to the child and exits with its code', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'exec',
        '--host',
        WORKSPACE,
        '--',
        process.execPath,
        '-e',
        "process.on('SIGTERM',()=>{console.log('child got SIGTERM');process.exit(42)});console.log('ready');setTimeout(()=>process.exit(99),120000)",
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const io = collect(child);
    const done = exited(child);
    await until(() => io.out().includes('ready'), 'the child to start');
    child.kill('SIGTERM');
    assert.deepEqual(await done, { code: 42, signal: null });
    assert.equal(io.out(), 'ready\nchild got SIGTERM\n');
  });
});
