/**
 * `entra-token serve`: a Databricks metadata service on 127.0.0.1 for one workspace (docs/protocol.md §12).
 * Prints one JSON line (url, host, expiry policy) and the `export` lines a shell needs, then serves until
 * Ctrl-C, SIGTERM or SIGHUP, or until the process that started it is gone.
 */
import type { Handler } from '../command.js';
import { err, out, type CliContext } from '../context.js';
import { withRuntime, type Runtime } from '../runtime.js';
import { startMetadataService, type MetadataFlags } from '../metadata.js';
import { exportLines, serveInfo } from '../../core/metadata-service.js';

export type ServeFlags = MetadataFlags;

/** How often the parent is looked for (a dead parent means nobody will stop us). */
const PARENT_POLL_MS = 1000;

/** Resolves with why the server should stop. */
export function stopRequested(ctx: CliContext): { reason: Promise<string>; dispose: () => void } {
  let done: (why: string) => void = () => {};
  const reason = new Promise<string>((resolve) => (done = resolve));
  const onAbort = () => done('interrupted');
  if (ctx.signal.aborted) done('interrupted');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const off = ctx.onSignal?.(['SIGINT', 'SIGTERM', 'SIGHUP'], (s) => done(s));
  const timer = ctx.parentAlive
    ? setInterval(() => {
        if (!ctx.parentAlive!()) done('the parent process is gone');
      }, PARENT_POLL_MS)
    : undefined;
  timer?.unref();
  return {
    reason,
    dispose: () => {
      ctx.signal.removeEventListener('abort', onAbort);
      off?.();
      if (timer) clearInterval(timer);
    },
  };
}

export async function serveWith(ctx: CliContext, flags: ServeFlags, rt: Runtime): Promise<void> {
  const { server, env } = await startMetadataService(ctx, rt, flags, 'entra-token serve');
  const stop = stopRequested(ctx);
  try {
    out(ctx, JSON.stringify(serveInfo(server.session, server.url)));
    for (const line of exportLines(env)) out(ctx, line);
    err(
      ctx,
      `entra-token: serving Azure Databricks tokens for ${server.session.host} on 127.0.0.1:${server.port} (Ctrl-C stops)`,
    );
    const why = await stop.reason;
    const counts = server.counts();
    const served = counts[200] ?? 0;
    const refused = Object.entries(counts).reduce(
      (n, [status, c]) => n + (Number(status) >= 400 && status !== '503' ? c : 0),
      0,
    );
    err(ctx, `entra-token: stopped (${why}); ${served} token(s) served, ${refused} request(s) refused`);
  } finally {
    stop.dispose();
    await server.close();
  }
}

export const run: Handler<ServeFlags> = (ctx, { flags, global }) =>
  withRuntime(ctx, global, (rt) => serveWith(ctx, flags, rt));
