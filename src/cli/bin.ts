#!/usr/bin/env node
/** The only file that touches `process`: argv, real streams, exit code, Ctrl-C. */
import { runCli } from './program.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  now: () => Date.now(),
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
