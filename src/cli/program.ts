/**
 * The commander program: global options, one `register` per command file, and the error boundary
 * that turns any failure into one line on stderr and a documented exit code.
 */
import { Command, CommanderError } from 'commander';
import { ExitWith, type CliContext } from './context.js';
import { EntraTokenError, EXIT_CODES, oneLine } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { COMMANDS } from './commands/index.js';
import { fullProgramOf } from './command.js';
import { installIssuerDiscovery } from './options.js';
import { installRunKey } from '../io/run-key.js';

export const VERSION = '0.1.0';

/**
 * Set by scripts/build-entry.mjs in the bundled bin: each command's name (and alias) → its index in COMMANDS,
 * so a run of one command registers only that one (registering them all was the largest start-up cost).
 */
declare const __COMMAND_INDEX__: Record<string, number> | undefined;

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
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride();
  // --http-timeout, and --issuer resolved by discovery before any command with identity options runs
  installIssuerDiscovery(program, ctx);
  const index =
    only !== undefined && typeof __COMMAND_INDEX__ === 'object' && Object.hasOwn(__COMMAND_INDEX__, only)
      ? __COMMAND_INDEX__[only]
      : undefined;
  const one = index === undefined ? undefined : COMMANDS[index];
  for (const register of one ? [one] : COMMANDS) register(program, ctx);
  if (one) fullProgramOf.set(program, () => buildProgram(ctx));
  // the command list shows each description's first sentence; `entra-token <command> --help` has it all
  for (const c of program.commands) {
    const s = c.summary() || firstSentence(c.description());
    c.summary(s.charAt(0).toUpperCase() + s.slice(1));
  }
  return program;
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

/** Print an error as one line (plus an optional hint line) and return its exit code. */
export function reportError(e: unknown, ctx: CliContext): number {
  if (e instanceof CommanderError) {
    // help and version "errors" are normal exits
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return EXIT_CODES.EUSAGE; // commander already printed its one-line message
  }
  if (e instanceof ExitWith) return e.code;
  if (e instanceof EntraTokenError) {
    // messages may quote what a server sent or what was pasted: redacted, and safe for a terminal
    ctx.stderr.write(`entra-token: error ${e.code}: ${oneLine(redactText(e.message))}\n`);
    if (e.hint) ctx.stderr.write(`hint: ${oneLine(redactText(e.hint))}\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  ctx.stderr.write(`entra-token: internal error EINTERNAL: ${oneLine(redactText(message))}\n`);
  ctx.stderr.write('hint: this is a bug in entra-token; run again with ENTRA_TOKEN_DEBUG=1 for details\n');
  if (ctx.env.ENTRA_TOKEN_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(`${e.stack}\n`);
  return EXIT_CODES.EINTERNAL;
}
