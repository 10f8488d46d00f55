/** `entra-token doctor`: check clock, proxy, CAs, reachability and TLS, localhost, the listener port, the session, directories. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { addIdentityOptions, withoutDiscovery } from '../options.js';

export interface DoctorFlags {
  port?: string;
  skipNetwork?: boolean;
  output: 'text' | 'json';
  [k: string]: unknown;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('doctor')
    .description(
      "Check what stands between this machine and a token: clock skew against the authority's Date header, proxy\n" +
        'settings, NODE_EXTRA_CA_CERTS, reachability and TLS of the authority, how localhost resolves, whether the\n' +
        'login port is free, SSH / WSL / container / no-display sessions (and the way forward for each), and the\n' +
        'permissions of the state and cache directories. Each check: ok, warning or FAILURE with its fix.',
    );
  withoutDiscovery(addIdentityOptions(cmd))
    .option('--port <n>', 'the loopback port login will use (default: any free port)')
    .option('--skip-network', 'do not contact the authority')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExamples:\n  entra-token doctor\n  entra-token doctor --tenant contoso.onmicrosoft.com --host https://adb-1234567890123456.7.azuredatabricks.net\n' +
        "Exit code: 0 when no check failed; otherwise the exit code of the first failure's error (e.g. 6 network, 7 clock, 10 directories).",
    );
  handle(cmd, ctx, () => import('../handlers/doctor.js'));
}
