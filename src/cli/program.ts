/**
 * The commander program: global options, one `register` per command file, and the error boundary
 * that turns any failure into one line on stderr and a documented exit code.
 */
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { COMMANDS } from './commands/index.js';
import { fullProgramOf } from './command.js';
import { installIssuerDiscovery } from './options.js';
import { installRunKey } from '../io/run-key.js';
import { reportError } from './report.js';
import { VERSION } from './version.js';

export { reportError, VERSION };

/**
 * Set by scripts/build-entry.mjs in the bundled bin (as JSON: an object value would land in a chunk every
 * path loads): each command's name (and alias) → its index in COMMANDS,
 * so a run of one command registers only that one (registering them all was the largest start-up cost).
 */
declare const __COMMAND_INDEX__: string | undefined;

/**
 * Build the program for one run. Handlers receive `ctx`; nothing here touches `process`. With `only` (the
 * command the arguments start with) and the bin's command index, only that command is registered; its
 * handlers still see the whole program as `input.program` (built when asked for: `completion` does).
 */
export function buildProgram(ctx: CliContext, only?: string): Command {
  const program = new Command();
  program
    .name('entra-token')
    .description(
      'Get Microsoft Entra ID tokens for Azure Databricks and Microsoft Graph over raw OAuth 2.0, and see exactly what crosses the wire.',
    )
    .version(VERSION, '-V, --version')
    .option('--trace', 'print every request and response of the flow on stderr (secrets redacted)')
    .option('--trace-file <file>', 'write the trace as JSON lines (redacted) to <file>')
    .option('--har <file>', 'write the trace as a HAR 1.2 file (redacted) to <file>')
    .option('--curl', 'print the back-channel requests as a replayable curl script on stderr')
    .option('--curl-file <file>', 'write the --curl script to <file> (mode 0700) instead of stderr')
    .option('--trace-secrets', 'show secrets unredacted in the trace (loud warning)')
    .option('--redact-pii', 'also mask names, UPNs and IP addresses in traces')
    .configureOutput({
      // help text added after commander's own part is wrapped at the same width (wrapHelp)
      writeOut: (s) => ctx.stdout.write(wrapHelp(s, helpWidth(ctx))),
      getOutHelpWidth: () => helpWidth(ctx),
      writeErr: (s) => ctx.stderr.write(s),
      // commander's "error: unknown option '--scoep'\n(Did you mean --scope?)" as the documented one line + hint
      outputError: (s, write) => write(usageLines(s)),
    })
    .exitOverride();
  // --http-timeout, and --issuer resolved by discovery before any command with identity options runs
  installIssuerDiscovery(program, ctx);
  const commandIndex =
    only !== undefined && typeof __COMMAND_INDEX__ === 'string'
      ? (JSON.parse(__COMMAND_INDEX__) as Record<string, number>)
      : undefined;
  const index = commandIndex && Object.hasOwn(commandIndex, only!) ? commandIndex[only!] : undefined;
  const one = index === undefined ? undefined : COMMANDS[index];
  for (const register of one ? [one] : COMMANDS) register(program, ctx);
  if (one) fullProgramOf.set(program, () => buildProgram(ctx));
  // the command list shows each description's first sentence; `entra-token <command> --help` has it all
  for (const c of program.commands) {
    const s = c.summary() || firstSentence(c.description());
    c.summary(s.charAt(0).toUpperCase() + s.slice(1));
  }
  const reflowAll = (c: Command): void => {
    c.description(reflow(c.description()));
    c.commands.forEach(reflowAll);
  };
  reflowAll(program);
  return program;
}

/**
 * A commander usage error as every other error prints: `entra-token: error EUSAGE: …` and one `hint:` line (its
 * "did you mean", and where the usage is). Exit code 2 (reportError).
 */
export function usageLines(commanderText: string): string {
  const lines = commanderText
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const message = (lines[0] ?? 'usage error').replace(/^error: /, '');
  const suggestion = lines.slice(1).find((l) => /^\(Did you mean /.test(l));
  const didYouMean = suggestion ? `${suggestion.replace(/^\(Did you mean (.*)\)$/, 'did you mean $1')} ` : '';
  return `entra-token: error EUSAGE: ${message}\nhint: ${didYouMean}${didYouMean ? '(' : ''}run with --help for usage${didYouMean ? ')' : ''}\n`;
}

/** The width help is wrapped at: the terminal's, else 80. */
function helpWidth(ctx: CliContext): number {
  const columns = (ctx.stdout as { columns?: number }).columns;
  return ctx.stdout.isTTY && columns && columns >= 40 ? columns : 80;
}

/**
 * Wrap the paragraphs of plain text in help output (lines that do not start with a space) at `width`, filling each
 * line; indented lines (examples, commands to copy, commander's option table) are left as they are.
 */
export function wrapHelp(text: string, width: number): string {
  const lines = text.split('\n');
  const outLines: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length === 0) return;
    if (para.some((l) => l.length > width)) {
      let line = '';
      for (const word of para.join(' ').split(/\s+/).filter(Boolean)) {
        if (line && line.length + 1 + word.length > width) {
          outLines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      if (line) outLines.push(line);
    } else outLines.push(...para);
    para = [];
  };
  for (const l of lines) {
    if (l === '' || l.startsWith(' ') || /^Examples?\b.*:$/.test(l) || /^(Usage|Options|Commands|Arguments):/.test(l)) {
      flush();
      outLines.push(l);
    } else para.push(l);
  }
  flush();
  return outLines.join('\n');
}

/**
 * Descriptions are written with line breaks at ~110 columns; joined into paragraphs, commander wraps them at the
 * terminal's width (80 when unknown) without leaving one word on a line of its own. Indented lines stay as they are.
 */
export function reflow(text: string): string {
  return text.replace(/([^\n])\n(?=[^\n ])/g, '$1 ');
}

/** The first sentence (up to a `.` or `:` followed by a space or the end), on one line. */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return /^(.*?)[.:](?=\s|$)/.exec(flat)?.[1] ?? flat;
}

/** Run the program with `argv` (without node and script) and return the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  installRunKey(true); // each run marks secrets under its own key (core/redact.ts)
  const program = buildProgram(ctx, argv[0]);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, ctx);
  }
}
