/** Run the CLI in-process with captured streams, an injected env, stdin text and clock. */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  now?: () => number;
  isTTY?: boolean;
  signal?: AbortSignal;
}

/** A context with captured streams, for running the program or calling a command handler directly. */
export function testContext(opts: RunOptions = {}): { ctx: CliContext; stdout: () => string; stderr: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let so = '';
  let se = '';
  stdout.on('data', (d) => (so += d));
  stderr.on('data', (d) => (se += d));
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  const tty = opts.isTTY ?? false;
  const ctx: CliContext = {
    stdout: Object.assign(stdout, { isTTY: tty }),
    stderr: Object.assign(stderr, { isTTY: tty }),
    stdin: Object.assign(stdin, { isTTY: tty && opts.stdin === undefined }),
    env: opts.env ?? {},
    now: opts.now ?? (() => Date.now()),
    cwd: process.cwd(),
    signal: opts.signal ?? new AbortController().signal,
  };
  return { ctx, stdout: () => so, stderr: () => se };
}

export async function runInProcess(argv: string[], opts: RunOptions = {}): Promise<CliRun> {
  const t = testContext(opts);
  const code = await runCli(argv, t.ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

/** The emulator's user and public client, as its JSON line names them. */
export interface PasswordUser {
  authority: unknown;
  public_client_id: unknown;
  username: unknown;
  password: unknown;
}

/**
 * Signs the emulator's user in with the password grant, the password on stdin (as most CLI tests begin):
 * `[...before, 'password', --authority, --client-id, --username, --password-stdin, ...extra, -o output]`.
 */
export function passwordSignIn(
  user: PasswordUser,
  env: Record<string, string | undefined>,
  opts: { before?: string[]; extra?: string[]; output?: string; username?: string; password?: string } = {},
): Promise<CliRun> {
  const argv = [
    ...(opts.before ?? []),
    'password',
    '--authority',
    String(user.authority),
    '--client-id',
    String(user.public_client_id),
    '--username',
    opts.username ?? String(user.username),
    '--password-stdin',
    ...(opts.extra ?? []),
    '-o',
    opts.output ?? 'token',
  ];
  return runInProcess(argv, { env, stdin: opts.password ?? String(user.password) });
}
