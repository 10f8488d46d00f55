/**
 * `entra-token trace show F.jsonl [--diagram]`: render a saved trace (as --trace prints it, or as a
 * ladder diagram).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Handler } from '../command.js';
import type { TraceShowFlags } from '../commands/trace.js';
import { err, out, readStdin } from '../context.js';
import { renderDiagram, renderText, SECRETS_WARNING } from '../trace-render.js';
import { redactTrace, type AuditEvent } from '../../core/audit.js';
import { badInput, EntraTokenError } from '../../core/errors.js';

export const run: Handler<TraceShowFlags> = async (ctx, { flags, global: g, args }) => {
  const file = args[0]!;
  let text: string;
  try {
    // one local file, read whole either way: synchronously (node:fs/promises and its thread pool are a fifth of
    // this command's start-up otherwise)
    text = file === '-' ? await readStdin(ctx) : readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new EntraTokenError(
      'EBAD_INPUT',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const runs = parseTraceFile(text, badInput);
  if (g.traceSecrets && runs.some((r) => !r.redacted)) err(ctx, SECRETS_WARNING.trimEnd());
  const width = Number(flags.width);
  if (flags.diagram) {
    const all = runs.flatMap((run) =>
      redactTrace(run.events, { reveal: Boolean(g.traceSecrets), pii: Boolean(g.redactPii) }),
    );
    out(ctx, `# ${runs.length} run${runs.length === 1 ? '' : 's'}, ${all.length} events`);
    out(ctx, renderDiagram(all, { width: Number.isFinite(width) && width >= 40 ? width : 100 }));
    return;
  }
  runs.forEach((run, i) => {
    const events = redactTrace(run.events, { reveal: Boolean(g.traceSecrets), pii: Boolean(g.redactPii) });
    const when = run.at ? new Date(run.at).toISOString() : 'unknown time';
    out(
      ctx,
      `# run ${i + 1} of ${runs.length}: ${when}, ${run.events.length} events${run.redacted ? '' : ' (written with --trace-secrets)'}`,
    );
    out(ctx, events.map((e) => renderText(e, { pii: g.redactPii })).join('\n'));
    if (i < runs.length - 1) out(ctx, '');
  });
};

export interface ParsedRun {
  at: number | undefined;
  redacted: boolean;
  events: AuditEvent[];
}

const TYPES = new Set(['step', 'note', 'exchange', 'front']);

/** Split a JSON lines trace into runs; a malformed line is a one-line EBAD_INPUT naming its number. */
export function parseTraceFile(text: string, badInput: (m: string) => Error): ParsedRun[] {
  const runs: ParsedRun[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw badInput(`line ${i + 1} of the trace is not JSON`);
    }
    if (!v || typeof v !== 'object' || typeof v.type !== 'string')
      throw badInput(`line ${i + 1} of the trace is not a trace event`);
    if (v.type === 'run') {
      runs.push({ at: typeof v.at === 'number' ? v.at : undefined, redacted: v.redacted !== false, events: [] });
      return;
    }
    if (!TYPES.has(v.type)) throw badInput(`line ${i + 1} of the trace has an unknown event type "${v.type}"`);
    const req = v.request as Record<string, unknown> | undefined;
    if (
      v.type === 'exchange' &&
      (!req ||
        typeof req !== 'object' ||
        typeof req.url !== 'string' ||
        typeof req.method !== 'string' ||
        !req.headers ||
        typeof req.headers !== 'object')
    ) {
      throw badInput(`line ${i + 1} of the trace is an exchange without a request (method, url, headers)`);
    }
    if (v.type === 'front' && typeof v.url !== 'string')
      throw badInput(`line ${i + 1} of the trace is a front-channel event without a url`);
    if (runs.length === 0) runs.push({ at: undefined, redacted: true, events: [] });
    runs[runs.length - 1]!.events.push(v as unknown as ParsedRun['events'][number]);
  });
  if (runs.length === 0) throw badInput('the trace file is empty');
  return runs;
}
