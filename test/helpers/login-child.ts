/**
 * Run the built CLI (`node dist/cli/bin.cjs`, the package's bin) as a child process, the way a user does, with helpers to
 * wait for a line on stderr, write to stdin and collect the exit. Rebuilds dist when it is older than src.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'bin.cjs');

function newest(dir: string): number {
  return readdirSync(dir).reduce((max, name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return Math.max(max, st.isDirectory() ? newest(p) : st.mtimeMs);
  }, 0);
}

/** Build dist if it is missing or older than src (tsc emits even when others' work in progress has type errors). */
export function ensureBuilt(): void {
  const stale =
    !existsSync(BIN) ||
    !existsSync(join(ROOT, 'dist', 'flows', 'login.js')) ||
    statSync(BIN).mtimeMs < newest(join(ROOT, 'src'));
  if (!stale) return;
  spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    { stdio: 'ignore' },
  );
  if (!existsSync(join(ROOT, 'dist', 'flows', 'login.js')))
    throw new Error('npm run build did not produce dist/flows/login.js');
}

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first match of `re` on stderr (rejects after `ms`). */
  waitStderr(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exit: Promise<number>;
  kill(): void;
}

/** Spawn `entra-token ...args` with a private state/cache dir and no browser-related environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Child {
  const home = mkdtempSync(join(tmpdir(), 'entra-token-home-'));
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ENTRA_TOKEN_STATE_DIR: join(home, 'state'),
      ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let errText = '';
  const waiters: Array<() => void> = [];
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    errText += d;
    for (const w of [...waiters]) w();
  });
  const exit = new Promise<number>((res) =>
    proc.on('close', (code, signal) => {
      rmSync(home, { recursive: true, force: true });
      res(code ?? (signal === 'SIGINT' ? 130 : 128));
    }),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => errText,
    exit,
    kill: () => proc.kill('SIGKILL'),
    waitStderr(re, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(errText);
          if (m) {
            waiters.splice(waiters.indexOf(check), 1);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`timed out waiting for ${re} on stderr; got:\n${errText}`));
        }, ms);
        waiters.push(check);
        check();
      });
    },
  };
}

/** The authorize URL the login prints on stderr. */
export const AUTHORIZE_URL = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+)$/m;
