/** `entra-token emulator`: start the local Entra ID (+ workspace, Graph) emulator, print its JSON line, serve until Ctrl-C. */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Handler } from '../command.js';
import type { EmulatorFlags } from '../commands/emulator.js';
import { err, out } from '../context.js';
import { badInput, usageError } from '../../core/errors.js';
import { DirectoryConfigError, startEmulator } from '../../emulator/index.js';

export const run: Handler<EmulatorFlags> = async (ctx, { flags }) => {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535)
    throw usageError(`--port must be an integer from 0 to 65535 (got ${flags.port})`);
  let directory: unknown;
  if (flags.config !== undefined) {
    const file = resolve(ctx.cwd, flags.config);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw badInput(
        `cannot read --config ${flags.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    try {
      directory = JSON.parse(text);
    } catch (e) {
      throw badInput(`--config ${flags.config} is not valid JSON: ${(e as Error).message}`);
    }
  }
  let emu;
  try {
    emu = await startEmulator({
      port,
      autoApprove: !!flags.autoApprove,
      autoApproveDeviceCodes: !!flags.autoApprove,
      directory,
      tls: !!flags.tls,
      deviceSlowDown: !!flags.slowDown,
      now: ctx.now,
    });
  } catch (e) {
    if (e instanceof DirectoryConfigError) throw badInput(`--config ${flags.config}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw usageError(`port ${port} is already in use`, 'pass another --port, or --port 0 for any free port');
    throw e;
  }
  try {
    const info: Record<string, unknown> = { ...emu.info };
    if (flags.certificateOut !== undefined) {
      const file = resolve(ctx.cwd, flags.certificateOut);
      await writeFile(file, emu.certificate.keyPem + emu.certificate.certPem, { mode: 0o600 });
      info.certificate_file = file;
    }
    out(ctx, JSON.stringify(info));
    err(ctx, `entra-token emulator listening on ${emu.url} (tenant ${emu.info.tenant_id}); Ctrl-C to stop`);
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) return done();
      ctx.signal.addEventListener('abort', () => done(), { once: true });
    });
  } finally {
    await emu.close();
  }
  err(ctx, 'entra-token emulator stopped');
};
