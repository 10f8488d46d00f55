#!/usr/bin/env node
/** The only file that touches `process`: argv, real streams, exit code, Ctrl-C. */

// `entra-token … | head` closes our stdout early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// Fast path for `entra-token token` (token cache): a cache hit is answered before commander, undici or
// jose load, so it costs about as much as starting node. Anything else (a miss, --help, an unusual
// option) returns undefined and runs the full program below. See src/cli/token-fast.ts.
const fast =
  process.argv[2] === 'token'
    ? await (await import('./token-fast.js')).fastToken(process.argv.slice(3), { env: process.env, now: Date.now() })
    : undefined;

if (fast !== undefined) {
  process.exitCode = fast;
} else {
  // imported here, not at the top, so the fast path above does not load commander
  const { runCli } = await import('./program.js');
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
}
