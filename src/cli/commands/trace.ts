/**
 * `entra-token trace show F.jsonl [--diagram]`: render a saved trace (as --trace prints it, or as a
 * ladder diagram).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

interface ShowFlags {
  diagram?: boolean;
  width?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const trace = program.command('trace').description('Work with saved wire traces (--trace-file F.jsonl).');
  trace
    .command('show')
    .description(
      'Render a JSON lines trace written by --trace-file: steps, exchanges, notes — or, with --diagram, a ladder\n' +
        'diagram (CLI, browser, Entra ID, Databricks/Graph as columns). Secrets are redacted again on the way out,\n' +
        'so a trace written with --trace-secrets is shown redacted unless --trace-secrets is given here too.',
    )
    .argument('<file>', 'the .jsonl file, or - for stdin')
    .option('--diagram', 'draw a ladder diagram instead of the full transcript')
    .option('--width <columns>', 'diagram width', '100')
    .addHelpText(
      'after',
      "\nExamples:\n  entra-token --trace-file flow.jsonl exchange 'http://localhost/?code=…'\n  entra-token trace show flow.jsonl --diagram",
    )
    .action(async (file: string, flags: ShowFlags, command: Command) => {
      const { readFile } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      const { readStdin, out, err } = await import('../context.js');
      const { badInput, EntraTokenError } = await import('../../core/errors.js');
      const { redactTrace } = await import('../../core/audit.js');
      const { renderText, renderDiagram } = await import('../trace-render.js');
      const { SECRETS_WARNING } = await import('../trace-sinks.js');
      const g = command.optsWithGlobals() as { traceSecrets?: boolean; redactPii?: boolean };
      let text: string;
      try {
        text = file === '-' ? await readStdin(ctx) : await readFile(resolve(ctx.cwd, file), 'utf8');
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
    });
}

export interface ParsedRun {
  at: number | undefined;
  redacted: boolean;
  events: import('../../core/audit.js').AuditEvent[];
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
