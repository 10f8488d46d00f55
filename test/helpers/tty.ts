/**
 * Run the program in-process as if on a terminal: stderr and stdin are TTYs (stdin records raw-mode switches),
 * stdout is not (so tokens are printed bare), and `keys` are typed after a short delay.
 */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import type { CliRun } from './cli.js';

export interface TtyRunOptions {
  env?: Record<string, string>;
  cwd?: string;
}

export function runInTty(
  argv: string[],
  keys: string[],
  opts: TtyRunOptions = {},
): Promise<CliRun & { rawModes: boolean[] }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let so = '';
  let se = '';
  stdout.on('data', (d) => (so += d));
  stderr.on('data', (d) => (se += d));
  const rawModes: boolean[] = [];
  const ctx: CliContext = {
    stdout: Object.assign(stdout, { isTTY: false }),
    stderr: Object.assign(stderr, { isTTY: true }),
    stdin: Object.assign(stdin, { isTTY: true, setRawMode: (b: boolean) => rawModes.push(b) }),
    env: opts.env ?? {},
    now: Date.now,
    cwd: opts.cwd ?? process.cwd(),
    signal: new AbortController().signal,
  };
  const p = runCli(argv, ctx);
  setTimeout(() => keys.forEach((k) => stdin.write(k)), 20);
  return p.then(async (code) => {
    await new Promise((r) => setImmediate(r));
    return { code, stdout: so, stderr: se, rawModes };
  });
}
