#!/usr/bin/env node
/**
 * The only file that touches `process`: argv, real streams, exit code, Ctrl-C.
 *
 * `npm run build` bundles this file with esbuild into dist/cli/bin.cjs, the package's `bin`
 * (scripts/build-entry.mjs): a CommonJS entry skips the ES module loader's start-up, and the two hot paths
 * below cost one file instead of dozens: a `token` cache hit (no commander, undici or jose) and the
 * top-level `--help`, whose text is rendered from the real program at build time (__HELP_TEXT__).
 * Everything else loads the full program (dist/cli/program.js). tsc's dist/cli/bin.js is the same code
 * unbundled, without the prerendered help.
 */
import { writeSync } from 'node:fs';
import { fastToken } from './token-fast.js';

declare const __HELP_TEXT__: string | undefined;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && typeof __HELP_TEXT__ === 'string') {
    writeSync(1, __HELP_TEXT__);
    return 0;
  }
  if (argv[0] === 'token') {
    // a cache hit is answered here; a miss, an unusual option or --help returns undefined (see token-fast.ts)
    const fast = await fastToken(argv.slice(1), { env: process.env, now: Date.now() });
    if (fast !== undefined) return fast;
  }
  // `entra-token … | head` closes our stdout early: that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  // imported here, not at the top, so the paths above do not load commander
  const { runCli } = await import('./program.js');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  // `kill`, systemd, docker stop: end the command as Ctrl-C does (the emulator closes and removes its files)
  process.once('SIGTERM', () => controller.abort());
  const parent = process.ppid;
  return runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    now: () => Date.now(),
    cwd: process.cwd(),
    signal: controller.signal,
    onSignal: (signals, listener) => {
      for (const s of signals) process.on(s, listener);
      return () => {
        for (const s of signals) process.off(s, listener);
      };
    },
    // an orphan is re-parented (to init or a subreaper), so its parent pid changes
    parentAlive: () => process.ppid === parent,
  });
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
