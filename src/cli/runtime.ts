/**
 * Per-run effects for a command: the HTTP client, the pending store, the trace and its sinks, built
 * from the context and the global options. Imported by handlers only (it loads undici).
 *
 *   await withRuntime(ctx, input.global, async (rt) => flow(params, rt.deps));
 */
import type { CliContext } from './context.js';
import { createHttpClient, type HttpClient } from '../io/http.js';
import { FilePendingStore, type PendingStore } from '../io/pending.js';
import { stateDir } from '../io/paths.js';
import { Trace } from '../io/trace.js';
import { join } from 'node:path';
import { httpTimeoutMs } from './options.js';

export interface GlobalFlags {
  trace?: boolean;
  traceFile?: string;
  har?: string;
  curl?: boolean;
  curlFile?: string;
  httpTimeout?: string;
  traceSecrets?: boolean;
  redactPii?: boolean;
}

/** What every flow takes as its effects. */
export interface FlowDeps {
  http: HttpClient;
  now: () => number;
  trace: Trace;
  signal: AbortSignal;
}

export interface Runtime {
  http: HttpClient;
  pending: PendingStore;
  trace: Trace;
  flags: GlobalFlags;
  /** `{ http, now, trace, signal }` for a flow. */
  deps: FlowDeps;
  /** Flush trace sinks and release sockets. Always called, also on failure. */
  finish(): Promise<void>;
}

export type TraceSinkInstaller = (trace: Trace, flags: GlobalFlags, ctx: CliContext) => () => Promise<void>;
let sinkInstaller: TraceSinkInstaller | undefined;

/** The trace sinks (text, JSON lines, HAR, curl) register here. */
export function setTraceSinkInstaller(installer: TraceSinkInstaller): void {
  sinkInstaller = installer;
}

export async function createRuntime(ctx: CliContext, flags: GlobalFlags): Promise<Runtime> {
  const trace = new Trace(ctx.now);
  const timeout = httpTimeoutMs(flags.httpTimeout, ctx.env);
  const http = createHttpClient({ env: ctx.env, ...(timeout ? { timeoutMs: timeout } : {}) });
  const pending = new FilePendingStore(join(stateDir(ctx.env), 'pending'));
  if (!sinkInstaller && (flags.trace || flags.traceFile || flags.har || flags.curl || flags.curlFile)) {
    await import('./trace-sinks.js');
  }
  const flush = sinkInstaller ? sinkInstaller(trace, flags, ctx) : async () => {};
  return {
    http,
    pending,
    trace,
    flags,
    deps: { http, now: ctx.now, trace, signal: ctx.signal },
    async finish() {
      await flush();
      await http.close();
    },
  };
}

/** Run `body` with a fresh runtime, always finishing it (trace sinks flushed, sockets closed), also on failure. */
export async function withRuntime<T>(
  ctx: CliContext,
  flags: GlobalFlags,
  body: (rt: Runtime) => Promise<T>,
): Promise<T> {
  const rt = await createRuntime(ctx, flags);
  try {
    return await body(rt);
  } finally {
    await rt.finish();
  }
}
