/**
 * The error boundary of a run: any failure becomes one line on stderr (plus an optional `hint:` line) and a
 * documented exit code. Shared by the commander program (program.ts) and the bundled bin's commander-free
 * dispatch (dispatch-fast.ts).
 */
import { CommanderError } from 'commander';
import { ExitWith, type CliContext } from './context.js';
import { EntraTokenError, EXIT_CODES, oneLine } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { withFlags } from './param-flags.js';

/** Print an error as one line (plus an optional hint line) and return its exit code. */
export function reportError(e: unknown, ctx: CliContext): number {
  if (e instanceof ExitWith) return e.code;
  if (e instanceof EntraTokenError) {
    // messages may quote what a server sent or what was pasted: redacted, and safe for a terminal; the
    // parameters they name are shown as the flags that set them
    ctx.stderr.write(`entra-token: error ${e.code}: ${oneLine(redactText(withFlags(e.message)))}\n`);
    if (e.hint) ctx.stderr.write(`hint: ${oneLine(redactText(withFlags(e.hint)))}\n`);
    return e.exitCode;
  }
  // (checked after our own errors: in the bundled bin, naming CommanderError is what loads commander)
  if (e instanceof CommanderError) {
    // help and version "errors" are normal exits
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return EXIT_CODES.EUSAGE; // commander already printed its one-line message
  }
  const message = e instanceof Error ? e.message : String(e);
  ctx.stderr.write(`entra-token: internal error EINTERNAL: ${oneLine(redactText(message))}\n`);
  ctx.stderr.write('hint: this is a bug in entra-token; run again with ENTRA_TOKEN_DEBUG=1 for details\n');
  if (ctx.env.ENTRA_TOKEN_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(`${e.stack}\n`);
  return EXIT_CODES.EINTERNAL;
}
