/**
 * Per-run effects for a command: the HTTP client, the pending store, the trace and its sinks, built
 * from the context and the global options. Imported by handlers only. The HTTP stack (undici) is loaded
 * by the first request, so a command that sends none (authorize-url, a cache hit, a refused input) never loads it.
 *
 *   await withRuntime(ctx, input.global, async (rt) => flow(params, rt.deps));
 */
import type { CliContext } from './context.js';
import type { HttpClient, HttpClientOptions } from '../io/http.js';
import { FilePendingStore, type PendingStore } from '../io/pending.js';
import { stateDir } from '../io/paths.js';
import { Trace } from '../io/trace.js';
import { join } from 'node:path';
import { httpTimeoutMs } from './http-timeout.js';
import { EntraTokenError, oneLine } from '../core/errors.js';

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
  /** Flush trace sinks (a sink that fails is a warning) and release sockets. Always called, also on failure. */
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
  if (!sinkInstaller && (flags.trace || flags.traceFile || flags.har || flags.curl || flags.curlFile)) {
    await import('./trace-sinks.js');
  }
  // first: an unwritable --trace-file/--har/--curl-file is refused before anything is sent
  const flush = sinkInstaller ? sinkInstaller(trace, flags, ctx) : async () => {};
  const http = lazyHttpClient({ env: ctx.env, ...(timeout ? { timeoutMs: timeout } : {}) });
  const pending = new FilePendingStore(join(stateDir(ctx.env), 'pending'));
  return {
    http,
    pending,
    trace,
    flags,
    deps: { http, now: ctx.now, trace, signal: ctx.signal },
    async finish() {
      try {
        await flush();
      } catch (e) {
        // a file refused for safety (a planted symlink, someone else's file) stays an error (EINSECURE, exit 8);
        // otherwise what the command got (tokens printed and cached) stands and the lost trace is a warning
        if (e instanceof EntraTokenError && e.code === 'EINSECURE') throw e;
        const why =
          e instanceof EntraTokenError
            ? `${e.code}: ${e.message}`
            : `${(e as NodeJS.ErrnoException).code ?? ''}${(e as { path?: string }).path ? ` ${(e as { path?: string }).path}` : ''}: ${(e as Error).message}`;
        ctx.stderr.write(`entra-token: warning: the trace was not written (${oneLine(why)})\n`);
      } finally {
        await http.close();
      }
    },
  };
}

/** An HttpClient that loads io/http.ts (and undici) on its first request; closing an unused one costs nothing. */
export function lazyHttpClient(options: HttpClientOptions): HttpClient {
  let client: Promise<HttpClient> | undefined;
  const get = () => (client ??= import('../io/http.js').then((m) => m.createHttpClient(options)));
  return {
    send: async (req, opts) => (await get()).send(req, opts),
    close: async () => {
      if (client) await (await client).close();
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
