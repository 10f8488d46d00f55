/**
 * Per-run effects for a command: the HTTP client, the pending store, the trace and its sinks, built
 * from the context and the global options. Imported lazily by handlers (it loads undici).
 */
import type { Command } from 'commander';
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

export interface Runtime {
  http: HttpClient;
  pending: PendingStore;
  trace: Trace;
  flags: GlobalFlags;
  /** Flush trace sinks and release sockets. Always called, also on failure. */
  finish(): Promise<void>;
}

export function globalFlags(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals() as GlobalFlags;
}

export type TraceSinkInstaller = (trace: Trace, flags: GlobalFlags, ctx: CliContext) => () => Promise<void>;
let sinkInstaller: TraceSinkInstaller | undefined;

/** The trace sinks (text, JSON lines, HAR, curl) register here. */
export function setTraceSinkInstaller(installer: TraceSinkInstaller): void {
  sinkInstaller = installer;
}

export async function createRuntime(ctx: CliContext, cmd: Command): Promise<Runtime> {
  const flags = globalFlags(cmd);
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
    async finish() {
      await flush();
      await http.close();
    },
  };
}
