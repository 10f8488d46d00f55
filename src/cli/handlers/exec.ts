/**
 * `entra-token exec -- <command> [args…]`: run one command with a metadata service of its own
 * (docs/protocol.md §12). The child gets DATABRICKS_HOST, DATABRICKS_AUTH_TYPE=metadata-service and
 * DATABRICKS_METADATA_SERVICE_URL, and not the credentials that would compete with them; signals are
 * passed on; the exit code is the child's (128 + n when a signal ended it, 127 when it was not found).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Handler } from '../command.js';
import { err, ExitWith, type CliContext } from '../context.js';
import { withRuntime, type Runtime } from '../runtime.js';
import { startMetadataService, type MetadataFlags } from '../metadata.js';
import { childEnvironment } from '../../core/metadata-service.js';
import { usageError } from '../../core/errors.js';

export type ExecFlags = MetadataFlags;

/** Signals passed on to the child. SIGINT only without a terminal: with one, Ctrl-C reaches the child directly. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The real stream for fd 0/1/2 is inherited (terminal, colours, prompts); anything else is piped. */
function inheritable(stream: Readable | Writable, fd: number): boolean {
  return (stream as { fd?: unknown }).fd === fd;
}

export async function execWith(ctx: CliContext, flags: ExecFlags, argv: string[], rt: Runtime): Promise<number> {
  const [command, ...args] = argv;
  if (!command)
    throw usageError(
      'no command to run',
      'entra-token exec --host https://adb-<id>.<n>.azuredatabricks.net -- databricks clusters list',
    );
  const svc = await startMetadataService(ctx, rt, flags, 'entra-token exec');
  try {
    const { env, removed, replaced } = childEnvironment(ctx.env, svc.env);
    for (const name of removed)
      err(ctx, `entra-token: note: ${name} is not passed to ${command}: the metadata service gives it its tokens`);
    for (const name of replaced) err(ctx, `entra-token: note: ${name} is set to ${svc.env[name]} for ${command}`);

    const stdio: StdioOptions = [
      inheritable(ctx.stdin, 0) ? 'inherit' : 'pipe',
      inheritable(ctx.stdout, 1) ? 'inherit' : 'pipe',
      inheritable(ctx.stderr, 2) ? 'inherit' : 'pipe',
    ];
    const child = spawn(command, args, { env, cwd: ctx.cwd, stdio });
    if (child.stdin) {
      ctx.stdin.pipe(child.stdin);
      child.stdin.on('error', () => {}); // the child may exit without reading its input
    }
    child.stdout?.pipe(ctx.stdout, { end: false });
    child.stderr?.pipe(ctx.stderr, { end: false });

    const off = ctx.onSignal?.(FORWARDED, (signal) => {
      if (signal === 'SIGINT' && ctx.stdin.isTTY) return; // the terminal already sent it to the child
      child.kill(signal);
    });
    try {
      return await new Promise<number>((resolve) => {
        child.once('error', (e: NodeJS.ErrnoException) => {
          const notFound = e.code === 'ENOENT';
          err(
            ctx,
            `entra-token: error EUSAGE: ${notFound ? 'command not found' : `cannot run (${e.code ?? 'error'})`}: ${command}`,
          );
          resolve(notFound ? 127 : 126);
        });
        child.once('close', (code, signal) => {
          resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
        });
      });
    } finally {
      off?.();
      if (child.stdin) ctx.stdin.unpipe(child.stdin);
    }
  } finally {
    await svc.server.close();
  }
}

export const run: Handler<ExecFlags> = async (ctx, { flags, global, args }) => {
  const variadic: unknown = args[0]; // commander hands `<command...>` over as one array
  const argv = Array.isArray(variadic) ? variadic.map(String) : [];
  const code = await withRuntime(ctx, global, (rt) => execWith(ctx, flags, argv, rt));
  if (code !== 0) throw new ExitWith(code);
};
