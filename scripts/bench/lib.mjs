// Side-by-side measurement helpers for scripts/bench.mjs: A and B alternate (the order flips every
// pair, so neither always runs on a warmer machine), and each row reports medians, min, max and n.
import { spawn } from 'node:child_process';
import { request } from 'undici';

/** Median, min, max and n of a list of numbers. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

const ms = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Time `a` and `b` alternately, `n` times each, after `warmup` untimed pairs. Each takes the iteration
 * index and may return a promise; `prepare(i)` runs untimed before each timed call (fresh codes etc.).
 */
export async function sideBySide({ a, b, n, warmup = 2, prepareA, prepareB }) {
  const ta = [];
  const tb = [];
  const one = async (fn, prep, i, out) => {
    const input = prep ? await prep(i) : undefined;
    const t0 = ms();
    await fn(input, i);
    const dt = ms() - t0;
    if (out) out.push(dt);
  };
  for (let i = 0; i < warmup; i++) {
    await one(a, prepareA, i);
    await one(b, prepareB, i);
  }
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await one(a, prepareA, i, ta);
      await one(b, prepareB, i, tb);
    } else {
      await one(b, prepareB, i, tb);
      await one(a, prepareA, i, ta);
    }
  }
  const A = stats(ta);
  const B = stats(tb);
  return { a: A, b: B, ratio: A.median / B.median };
}

/** Run a process to completion; rejects on a non-zero exit (with its stderr). */
export function run(cmd, args, { env, input, timeoutMs = 60_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code !== 0)
        reject(
          new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exited ${code ?? signal}: ${stderr.trim().slice(0, 400)}`),
        );
      else resolve({ stdout, stderr });
    });
    // a command that reads no stdin may exit before this is written
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** GET an auto-approved authorize URL and return the redirect it answers with (the `Location`). */
export async function authorizeRedirect(url, dispatcher) {
  const res = await request(url, { method: 'GET', ...(dispatcher ? { dispatcher } : {}) });
  await res.body.dump();
  const location = res.headers.location;
  if (res.statusCode !== 302 || typeof location !== 'string')
    throw new Error(`authorize answered ${res.statusCode} without a redirect`);
  return location;
}

/** Operations per second of an async function, run back to back for about `seconds`, best of `rounds`. */
export async function opsPerSecond(fn, { batch = 10_000, seconds = 0.5, rounds = 5 } = {}) {
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    let count = 0;
    const t0 = ms();
    let elapsed = 0;
    do {
      for (let i = 0; i < batch; i++) await fn();
      count += batch;
      elapsed = ms() - t0;
    } while (elapsed < seconds * 1000);
    rates.push((count / elapsed) * 1000);
  }
  return stats(rates);
}
