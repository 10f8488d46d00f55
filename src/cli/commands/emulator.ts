/** `entra-token emulator`: run the local Entra ID (+ workspace, Graph) emulator until Ctrl-C. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export interface EmulatorFlags {
  port: string;
  autoApprove?: boolean;
  config?: string;
  tls?: boolean;
  certificateOut?: string;
  slowDown?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('emulator')
    .description(
      'Run a local emulator of Microsoft Entra ID (authorize, token, device code, discovery, JWKS, admin consent),\n' +
        'an Azure Databricks workspace and Microsoft Graph on 127.0.0.1. Prints one JSON line describing it\n' +
        '(authority, tenant, client ids, secret, user) on stdout and serves until Ctrl-C.',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--auto-approve', 'sign the default user in and consent without any page, and approve device codes at once')
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
    .addHelpText('after', '\nExample:\n  entra-token emulator --auto-approve --port 8700');
  handle(cmd, ctx, () => import('../handlers/emulator.js'));
}
