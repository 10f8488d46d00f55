/**
 * Trace sinks for the global options, all fed by core/audit's one redaction function:
 *   --trace            the flow as named steps with every exchange, live on stderr
 *   --trace-file F     JSON lines (one audited event per line, after a `run` line); appended, 0600
 *   --har F            HAR 1.2 (an earlier entra-token HAR in F is extended); 0600
 *   --curl             a bash script replaying the back-channel requests, secrets as shell variables,
 *                      on stderr — or in a file with --curl-file F (0700)
 * --trace-secrets reveals secrets in all of them (loud warning); --redact-pii masks personal data.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EntraTokenError, usageError } from '../core/errors.js';
import type { CliContext } from './context.js';
import { setTraceSinkInstaller, type GlobalFlags } from './runtime.js';
import type { Trace } from '../io/trace.js';
import { checkOutputFile, readOwnFile, writeOutputFile } from '../io/output-file.js';
import { redactTrace, Redactor, type AuditEvent, type AuditOptions } from '../core/audit.js';
import { SECRET_FIELDS, SECRET_HEADERS, toCurlScript, type ScriptEntry } from '../core/curl.js';
import { isSecretName } from '../core/redact.js';
import { renderText, SECRETS_WARNING, toHar, type Har } from './trace-render.js';

export const TRACE_VERSION = '0.1.0';

export interface TraceFlags extends GlobalFlags {
  curlFile?: string;
}

/** The first line of each run in a JSON lines trace. */
export interface RunRecord {
  type: 'run';
  at: number;
  tool: 'entra-token';
  version: string;
  redacted: boolean;
  pii: boolean;
}

export { SECRETS_WARNING };

// Synchronous on purpose: the command is finishing, and one thread-pool round trip per call costs more
// than the writes themselves (see scripts/bench-trace.mjs). No symlink is followed and a file that is not
// the user's own regular file is refused (io/output-file.ts).
function writePrivate(path: string, text: string, mode: number, append: boolean): void {
  writeOutputFile(path, text, mode, append);
}

function readHar(path: string): Har | undefined {
  try {
    const h = JSON.parse(readOwnFile(path) ?? '') as Har;
    return h?.log?.creator?.name === 'entra-token' && Array.isArray(h.log.entries) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The curl script of a run's back-channel requests (first attempts only). */
export function curlScript(trace: Trace, opts: AuditOptions): string {
  const entries: ScriptEntry[] = [];
  const values: Record<string, string> = {};
  let step: string | undefined;
  for (const e of trace.events) {
    if (e.type === 'step') step = e.name;
    if (e.type !== 'exchange' || e.attempt > 1) continue;
    entries.push({ request: e.request, step, status: e.response?.status });
    if (opts.reveal) {
      for (const [k, v] of e.request.form ?? []) {
        const name = SECRET_FIELDS[k] ?? (isSecretName(k) ? k.toUpperCase() : undefined);
        if (name) values[name] = v;
      }
      for (const [k, v] of Object.entries(e.request.headers)) {
        const name = SECRET_HEADERS[k.toLowerCase()];
        if (name) values[name] = v.replace(/^(Bearer|Basic)\s+/i, '');
      }
    }
  }
  const script = toCurlScript(entries, { pii: opts.pii, ...(opts.reveal ? { values } : {}) });
  if (opts.reveal) return script;
  const r = new Redactor(opts);
  for (const e of trace.events) r.learn(e);
  return r.scrubText(script);
}

/** Refuse a sink file that cannot be written, before the command sends anything (a usage error, exit 2). */
export function assertWritable(ctx: CliContext, flag: string, file: string): void {
  const path = resolve(ctx.cwd, file);
  checkOutputFile(path); // a planted symlink, a FIFO, someone else's file: EINSECURE before anything is sent
  const refuse = (why: string) =>
    usageError(`${flag} ${file} cannot be written: ${why}`, `give a writable path to ${flag}`);
  try {
    if (statSync(path).isDirectory()) throw refuse('it is a directory');
    accessSync(path, constants.W_OK);
    return;
  } catch (e) {
    if (e instanceof EntraTokenError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw refuse(code ?? String(e));
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw refuse(`${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof EntraTokenError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(
      code === 'ENOENT' ? `the directory ${dir} does not exist` : `the directory ${dir} is not writable (${code})`,
    );
  }
}

/** Attach the sinks the flags ask for; returns the flush to run when the command ends (also on failure). */
export function installTraceSinks(trace: Trace, flags: TraceFlags, ctx: CliContext): () => Promise<void> {
  if (flags.traceFile) assertWritable(ctx, '--trace-file', flags.traceFile);
  if (flags.har) assertWritable(ctx, '--har', flags.har);
  if (flags.curlFile) assertWritable(ctx, '--curl-file', flags.curlFile);
  const opts: AuditOptions = { reveal: Boolean(flags.traceSecrets), pii: Boolean(flags.redactPii) };
  const wantsOutput = flags.trace || flags.traceFile || flags.har || flags.curl || flags.curlFile;
  if (opts.reveal && wantsOutput) ctx.stderr.write(SECRETS_WARNING);
  if (flags.trace) {
    const live = new Redactor(opts);
    trace.onEvent((e) => ctx.stderr.write(`${live.redactRendered(e as AuditEvent, (r) => renderText(r, opts))}\n`));
  }
  return async () => {
    const events: AuditEvent[] | undefined =
      flags.traceFile || flags.har ? redactTrace(trace.events as AuditEvent[], opts) : undefined;
    if (flags.traceFile && events) {
      const run: RunRecord = {
        type: 'run',
        at: events[0]?.at ?? ctx.now(),
        tool: 'entra-token',
        version: TRACE_VERSION,
        redacted: !opts.reveal,
        pii: Boolean(opts.pii),
      };
      const text = [run, ...events].map((e) => JSON.stringify(e)).join('\n');
      writePrivate(resolve(ctx.cwd, flags.traceFile), `${text}\n`, 0o600, true);
    }
    if (flags.har && events) {
      const path = resolve(ctx.cwd, flags.har);
      const har = toHar(events, TRACE_VERSION, readHar(path));
      writePrivate(path, `${JSON.stringify(har, null, 2)}\n`, 0o600, false);
    }
    if (flags.curl || flags.curlFile) {
      const script = curlScript(trace, opts);
      if (flags.curlFile) {
        const path = resolve(ctx.cwd, flags.curlFile);
        writePrivate(path, script, 0o700, false);
        if (flags.curl) ctx.stderr.write(script);
      } else {
        ctx.stderr.write(script);
      }
    }
  };
}

setTraceSinkInstaller(installTraceSinks);
