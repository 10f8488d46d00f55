/**
 * `entra-token trace show F.jsonl [--diagram]`: render a saved trace (as --trace prints it, or as a
 * ladder diagram).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export interface TraceShowFlags {
  diagram?: boolean;
  width?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const trace = program.command('trace').description('Work with saved wire traces (--trace-file F.jsonl).');
  const show = trace
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
      '\nExamples:\n  pbpaste | entra-token --trace-file flow.jsonl exchange\n  entra-token trace show flow.jsonl --diagram',
    );
  handle(show, ctx, () => import('../handlers/trace-show.js'));
}
