// Overhead of the wire audit: one auth-code exchange against the in-process emulator, with every trace
// sink on (--trace text, --trace-file JSON lines, --har, --curl; output to memory and a temp dir) versus
// tracing off (the flow's Trace still records; no sink installed). Runs alternate; medians are compared.
//
//   node --import tsx scripts/bench-trace.mjs [rounds]        (from the source tree)
//   import { benchTrace } from './scripts/bench-trace.mjs'     (returns { offMs, onMs, ratio, rounds })
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const root = new URL('../src/', import.meta.url);
const load = (p) => import(new URL(p, root).href);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function benchTrace({
  rounds = 200,
  warmup = 20,
  flags = { trace: true, traceFile: 'b.jsonl', har: 'HAR', curl: true },
} = {}) {
  const { startEmulator } = await load('emulator/index.js');
  const { resolveAuthority } = await load('core/authority.js');
  const { createHttpClient } = await load('io/http.js');
  const { MemoryPendingStore } = await load('io/pending.js');
  const { Trace } = await load('io/trace.js');
  const { startAuthorization, exchangeCode } = await load('flows/auth-code.js');
  const { installTraceSinks } = await load('cli/trace-sinks.js');
  const emu = await startEmulator({ autoApprove: true });
  const dir = mkdtempSync(join(tmpdir(), 'et-bench-trace-'));
  const http = createHttpClient({ env: {} });
  const authority = resolveAuthority({ authority: emu.info.authority });
  const sink = new PassThrough();
  sink.resume();
  const ctx = {
    stdout: Object.assign(new PassThrough(), { isTTY: false }),
    stderr: Object.assign(sink, { isTTY: false }),
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    env: {},
    now: Date.now,
    cwd: dir,
    signal: new AbortController().signal,
  };
  let n = 0;
  async function once(traced) {
    // untimed: a fresh code from the emulator's auto-approve redirect
    const pending = new MemoryPendingStore();
    const verifier = createHash('sha256').update(`v${n++}`).digest('base64url');
    const started = await startAuthorization(
      {
        authority,
        client_id: emu.info.public_client_id,
        redirect_uri: 'http://localhost',
        scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'profile', 'offline_access'],
      },
      {
        pending,
        now: Date.now,
        random: {
          state: () => `state-${n}-0123456789`,
          nonce: () => `nonce-${n}`,
          pkce: async () => ({
            code_verifier: verifier,
            code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          }),
        },
      },
    );
    const res = await fetch(started.url, { redirect: 'manual' });
    const redirect = res.headers.get('location');
    // timed: the exchange (and, when traced, every sink's rendering and files)
    const t0 = performance.now();
    const trace = new Trace(Date.now);
    const flush = traced
      ? installTraceSinks(trace, { ...flags, ...(flags.har ? { har: `b${n % 2}.har` } : {}) }, ctx)
      : async () => {};
    await exchangeCode({ input: { redirect }, pending }, { http, now: Date.now, trace });
    await flush();
    return performance.now() - t0;
  }
  try {
    for (let i = 0; i < warmup; i++) await once(i % 2 === 0);
    const off = [];
    const on = [];
    for (let i = 0; i < rounds; i++) {
      // alternate which goes first so drift affects both equally
      if (i % 2) {
        off.push(await once(false));
        on.push(await once(true));
      } else {
        on.push(await once(true));
        off.push(await once(false));
      }
      // the HAR is extended run after run; keep it from growing without bound
      if (i % 20 === 19)
        (rmSync(join(dir, 'b0.har'), { force: true }),
          rmSync(join(dir, 'b1.har'), { force: true }),
          rmSync(join(dir, 'b.jsonl'), { force: true }));
    }
    const offMs = median(off);
    const onMs = median(on);
    return { rounds, offMs, onMs, ratio: onMs / offMs };
  } finally {
    await http.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rounds = Number(process.argv[2] ?? 200);
  // optional second argument: the sinks, e.g. "trace" or "trace,traceFile,har,curl" (default: all)
  const flags = process.argv[3]
    ? Object.fromEntries(
        process.argv[3].split(',').map((f) => [f, f === 'traceFile' ? 'b.jsonl' : f === 'har' ? 'HAR' : true]),
      )
    : undefined;
  const r = await benchTrace({ rounds, ...(flags ? { flags } : {}) });
  console.log(
    `exchange against the emulator, median of ${r.rounds} alternating runs: tracing off ${r.offMs.toFixed(2)} ms, ` +
      `sinks on ${r.onMs.toFixed(2)} ms, ratio ${r.ratio.toFixed(3)} (${((r.ratio - 1) * 100).toFixed(1)}% overhead; budget 10%)`,
  );
}
