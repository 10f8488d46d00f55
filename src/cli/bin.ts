#!/usr/bin/env node
/**
 * The only file that touches `process`: argv, real streams, exit code, Ctrl-C.
 *
 * `npm run build` bundles this file into dist/cli/bin.cjs, the package's `bin`, with one CommonJS chunk per
 * command handler and per lazily imported module (scripts/build-entry.mjs), so each command loads only
 * what it uses. Two paths below load no program at all: every `--help` (the top level's and each
 * command's, rendered from the real program at build time, see help-fast.ts) and `--version`; and a `token`
 * cache hit (no commander, undici or jose). tsc's dist/cli/bin.js is the same code unbundled, without the
 * prerendered help.
 */
import { fstatSync, writeSync } from 'node:fs';
import type { CliContext } from './context.js';

/** The package version, set by scripts/build-entry.mjs (tsc's bin.js asks the program). */
declare const __VERSION__: string | undefined;

/** Write a whole text to stdout; `entra-token --help | head` closing it early is not an error. */
function print(text: string): number {
  let buf = Buffer.from(text);
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') break;
      if (code !== 'EAGAIN') throw e;
      // a non-blocking pipe that is full: node's own stream queues the rest and writes it as the pipe drains,
      // instead of spinning here until the reader catches up (not io/fd-writer.ts's writeAll: the help path
      // loads no shared chunk, and a help text has nothing after it that exiting could cut off)
      process.stdout.on('error', () => {});
      process.stdout.write(buf);
      break;
    }
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const last = argv[argv.length - 1];
  if (last === '--help' || last === '-h' || argv[0] === 'help') {
    // the texts are a chunk of their own (help-fast.ts), loaded only here
    const text = (await import('./help-fast.js')).prerenderedHelp(argv);
    if (text !== undefined) {
      return print(text);
    }
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V') && typeof __VERSION__ === 'string') {
    return print(`${__VERSION__}\n`);
  }
  if (argv[0] === 'token') {
    // a cache hit is answered here; a miss, an unusual option or --help returns undefined (see token-fast.ts)
    const { fastToken } = await import('./token-fast.js');
    const fast = await fastToken(argv.slice(1), { env: process.env, now: Date.now() });
    if (fast !== undefined) return fast;
  }
  const { fdWriter } = await import('../io/fd-writer.js');
  // a pipe gets a synchronous writer of its own (io/fd-writer.ts); a terminal or a file node's stream. A pipe
  // is a FIFO (a shell's `|`) or a socket pair (what node's child_process, and many supervisors, give a child):
  // node itself writes both synchronously on Linux, as a net.Socket it must load first
  const output = (fd: 1 | 2) => {
    const own = () => (fd === 1 ? process.stdout : process.stderr);
    let pipe = false;
    try {
      const st = fstatSync(fd);
      pipe = st.isFIFO() || st.isSocket();
    } catch {
      // not a descriptor we can inspect: node's stream decides
    }
    // the fd writer has the part of the Writable interface commands and Readable#pipe use (io/fd-writer.ts)
    return pipe ? (fdWriter(fd) as unknown as NodeJS.WriteStream) : own();
  };
  const stdout = output(1);
  const stderr = output(2);
  // `entra-token … | head` closes our stdout early: that is not an error worth a stack trace.
  for (const stream of [stdout, stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  // `kill`, systemd, docker stop: end the command as Ctrl-C does (the emulator closes and removes its files)
  process.once('SIGTERM', () => controller.abort());
  const parent = process.ppid;
  const ctx: CliContext = {
    stdout,
    stderr,
    // on first use: creating process.stdin for a pipe loads node:net, which most commands never need
    get stdin() {
      return process.stdin;
    },
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
  };
  // the bundled bin reads the command line from data made at build time and runs the handler directly
  // (dispatch-fast.ts); help, usage errors and anything unusual go to commander, imported only then
  const fast = await (await import('./dispatch-fast.js')).dispatchFast(argv, ctx);
  if (fast !== undefined) return fast;
  return (await import('./program.js')).runCli(argv, ctx);
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
