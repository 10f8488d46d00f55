/**
 * What a command handler may touch. Only `bin.ts` builds one from `process`; tests build their own,
 * so the whole program runs in-process with captured streams, an injected environment and clock.
 */
import type { Readable, Writable } from 'node:stream';
import { badInput } from '../core/errors.js';

export interface CliContext {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Milliseconds since the epoch. */
  now: () => number;
  cwd: string;
  /** Abort when the user presses Ctrl-C or the process gets SIGTERM (bin.ts wires both to it). */
  signal: AbortSignal;
  /**
   * Listen to process signals while a long-running command (`serve`, `exec`) runs; returns the function
   * that stops listening. bin.ts wires it to `process`; absent, the command only sees `signal`.
   */
  onSignal?: (signals: readonly NodeJS.Signals[], listener: (signal: NodeJS.Signals) => void) => () => void;
  /** False once the process that started this one has gone (bin.ts watches the parent pid). */
  parentAlive?: () => boolean;
}

/**
 * Thrown by a command whose exit code is not its own (`exec` ends with its child's): the program exits
 * with `code` and prints nothing more.
 */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Write a line to stdout. */
export function out(ctx: CliContext, line: string): void {
  ctx.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
}

/** Write a line to stderr (progress, hints, warnings: never the machine result). */
export function err(ctx: CliContext, line: string): void {
  ctx.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
}

/** Read all of stdin as text, refusing more than `limit` bytes. */
export async function readStdin(ctx: CliContext, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw badInput(`standard input is larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
