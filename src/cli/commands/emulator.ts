/** `entra-token emulator`: run the local Entra ID (+ workspace, Graph) emulator until Ctrl-C. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { err, out } from '../context.js';

interface Flags {
  port: string;
  autoApprove?: boolean;
  config?: string;
  tls?: boolean;
  certificateOut?: string;
  slowDown?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('emulator')
    .description(
      'Run a local emulator of Microsoft Entra ID (authorize, token, device code, discovery, JWKS, admin consent),\n' +
        'an Azure Databricks workspace and Microsoft Graph on 127.0.0.1. Prints one JSON line describing it\n' +
        '(authority, tenant, client ids, secret, user) on stdout and serves until Ctrl-C.',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--auto-approve', 'sign the default user in and consent without showing any page')
    .option('--config <file>', 'JSON file overriding the seeded directory (tenant, apps, users)')
    .option('--tls', 'serve HTTPS with a certificate made at start; its PEM path is "tls_ca_file" in the JSON line')
    .option(
      '--certificate-out <file>',
      "write the certificate app's private key and certificate (PEM, mode 0600) to <file>",
    )
    .option(
      '--slow-down',
      'answer slow_down when a device code is polled faster than its interval (RFC 8628; Entra does not)',
    )
    .addHelpText('after', '\nExample:\n  entra-token emulator --auto-approve --port 8700')
    .action(async (flags: Flags) => {
      const { usageError, badInput } = await import('../../core/errors.js');
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535)
        throw usageError(`--port must be an integer from 0 to 65535 (got ${flags.port})`);
      const { readFile, writeFile } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
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
      const { startEmulator, DirectoryConfigError } = await import('../../emulator/index.js');
      let emu;
      try {
        emu = await startEmulator({
          port,
          autoApprove: !!flags.autoApprove,
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
    });
}
