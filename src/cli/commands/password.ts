/** `entra-token password`: the resource owner password grant (the documentation's get-tokens-for-user). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import {
  addIdentityOptions,
  addOutputOption,
  collect,
  outputFormat,
  resolveIdentity,
  userScopes,
  type IdentityFlags,
} from '../options.js';

interface Flags extends IdentityFlags {
  username?: string;
  passwordStdin?: boolean;
  password?: string;
  scope?: string[];
  output?: string;
}

export const PASSWORD_ENV = 'ENTRA_TOKEN_PASSWORD';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('password')
    .description(
      "Get tokens with a username and password (the OAuth 2.0 resource owner password grant, as MSAL's\n" +
        'acquire_token_by_username_password). The password is asked for without echo on a terminal, or read from\n' +
        `--password-stdin or ${PASSWORD_ENV}. Needs "Allow public client flows" on the app; does not work with MFA,\n` +
        'federated (ADFS) users or personal accounts, and not over the common / consumers authorities.',
    );
  addIdentityOptions(cmd)
    .option('--username <upn>', 'the user principal name, e.g. alice@contoso.com [env: ENTRA_TOKEN_USERNAME]')
    .option('--password-stdin', 'read the password from standard input (one line)')
    .option('--password <value>', 'the password on the command line (unsafe: other local users can read it; warns)')
    .option(
      '--scope <scope>',
      'scope to request (repeatable) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access]',
      collect,
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      `\nEnvironment:\n  ${PASSWORD_ENV}   the password (instead of the prompt)\n\nExamples:\n` +
        '  entra-token password --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-… --username alice@contoso.com\n' +
        '  printf %s "$PW" | entra-token password --authority … --client-id … --username alice@contoso.com --password-stdin -o token',
    )
    .action(async (flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      const { authority, clientId } = resolveIdentity(flags, ctx);
      const username = flags.username ?? ctx.env.ENTRA_TOKEN_USERNAME;
      if (!username) throw usageError('no username: give --username (e.g. alice@contoso.com)');
      const { assertPasswordTenant } = await import('../../flows/password.js');
      assertPasswordTenant(authority); // before asking for a password that would not be sent
      if (flags.passwordStdin && flags.password !== undefined)
        throw usageError('give either --password-stdin or --password, not both');
      let password: string;
      if (flags.passwordStdin) {
        const { secretFromStdin } = await import('../secrets.js');
        password = await secretFromStdin(ctx, 'password');
      } else if (flags.password !== undefined) {
        err(
          ctx,
          'warning: --password puts the password on the command line, where other local users can read it (ps); use the prompt, --password-stdin or ENTRA_TOKEN_PASSWORD',
        );
        password = flags.password;
      } else if (ctx.env[PASSWORD_ENV]) {
        password = ctx.env[PASSWORD_ENV]!;
      } else if (ctx.stdin.isTTY) {
        const { promptHidden } = await import('../secrets.js');
        password = await promptHidden(ctx, `Password for ${username}: `);
      } else {
        throw usageError(
          `no password: standard input is not a terminal, so give --password-stdin or set ${PASSWORD_ENV}`,
        );
      }
      const { createRuntime } = await import('../runtime.js');
      const { passwordTokens } = await import('../../flows/password.js');
      const { printTokens } = await import('../output.js');
      const rt = await createRuntime(ctx, command);
      try {
        const result = await passwordTokens(
          { authority, client_id: clientId, username, password, scopes: userScopes(flags.scope) },
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        const { storeTokens } = await import('../cache-store.js');
        await storeTokens(ctx, command, {
          authority: authority.url,
          client_id: clientId,
          scopes: userScopes(flags.scope),
          tokens: result.tokens,
          idToken: result.idToken,
        });
        printTokens(ctx, outputFormat(flags.output, ctx), result.tokens, result.idToken);
      } finally {
        await rt.finish();
      }
    });
}
