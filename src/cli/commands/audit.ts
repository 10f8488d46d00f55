/**
 * `entra-token audit <file.har>`: review any app's Entra sign-in captured as HAR 1.2 (browser DevTools,
 * Playwright recordHar, mitmproxy, entra-token --har) against RFC 9700 and Entra's guidance.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export interface AuditFlags {
  output: 'text' | 'json' | 'sarif';
  failOn: 'critical' | 'high' | 'medium' | 'low' | 'info' | 'none';
  diagram?: boolean;
  width?: string;
  maxSize?: string;
  verbose?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('audit')
    .description(
      "review an app's OAuth/OpenID sign-in captured in a HAR file against RFC 9700 (OAuth 2.0 Security BCP) and " +
        'Entra guidance: flows per client id, tokens decoded and explained, findings with severity, source and fix. ' +
        'Secrets in the capture (codes, tokens, client secrets, passwords, cookies) are never printed.',
    )
    .argument(
      '<file>',
      'a HAR 1.2 file (DevTools "Save all as HAR", Playwright recordHar, mitmproxy, --har), or - for stdin',
    )
    .addOption(
      new Option('--output <format>', 'text for people, json, or sarif (SARIF 2.1.0 for code scanning)')
        .choices(['text', 'json', 'sarif'])
        .default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 11 (EFINDINGS) when a finding is at least this severe')
        .choices(['critical', 'high', 'medium', 'low', 'info', 'none'])
        .default('none'),
    )
    .option('--diagram', 'draw the flows as a ladder diagram (as trace show --diagram) instead of the text report')
    .option('--width <columns>', 'diagram width', '100')
    .option('--max-size <MB>', 'refuse files larger than this many megabytes', '200')
    .option('--verbose', 'text output: print every decoded token\u2019s claims too')
    .addHelpText(
      'after',
      '\nExit codes: 0 audited (findings or not, unless --fail-on), 11 findings at or above --fail-on,\n' +
        '2 the file is unreadable, not JSON, not a HAR, or too big.\n' +
        '--trace-secrets has no effect here: the report is always redacted; --redact-pii masks names, UPNs and IPs.\n' +
        '\nExamples:\n  entra-token audit signin.har\n  entra-token audit signin.har --output sarif > audit.sarif\n' +
        '  entra-token audit signin.har --fail-on medium    # in CI',
    );
  handle(cmd, ctx, () => import('../handlers/audit.js'));
}
