/** `entra-token device-code`: sign in on another device (RFC 8628 device authorization grant). */
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
  scope?: string[];
  v1?: boolean;
  resource?: string;
  output?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('device-code')
    .description(
      "Sign in on another device: Entra's instructions (the page and the code to enter) go to stderr, then the\n" +
        'token endpoint is polled at the interval Entra asks for until you finish, decline, or the code expires.\n' +
        'Ctrl-C stops. Works over SSH and in containers where no browser can open; supports MFA.',
    );
  addIdentityOptions(cmd)
    .option(
      '--scope <scope>',
      'scope to request (repeatable) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access]',
      collect,
    )
    .option('--v1', 'use the v1 endpoints (/oauth2/devicecode, /oauth2/token) with resource=')
    .option('--resource <id>', 'the v1 resource (with --v1)', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d')
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      '\nExample:\n  entra-token device-code --tenant organizations --client-id 6a0c9e2d-… -o token',
    )
    .action(async (flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      const { authority, clientId } = resolveIdentity(flags, ctx);
      if (flags.v1 && flags.scope) throw usageError('--v1 takes --resource, not --scope');
      if (!flags.v1 && command.getOptionValueSource('resource') === 'cli')
        throw usageError('--resource goes with --v1; the v2 endpoint takes --scope');
      const { createRuntime } = await import('../runtime.js');
      const { deviceCodeTokens } = await import('../../flows/device-code.js');
      const { printTokens } = await import('../output.js');
      const rt = await createRuntime(ctx, command);
      try {
        const result = await deviceCodeTokens(
          {
            authority,
            client_id: clientId,
            scopes: userScopes(flags.scope),
            v1Resource: flags.v1 ? flags.resource : undefined,
            onPrompt: (d) => {
              err(ctx, d.message);
              err(
                ctx,
                `Waiting for the sign-in (code ${d.user_code}, expires in ${Math.round(d.expires_in / 60)} min; Ctrl-C to stop)…`,
              );
            },
          },
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        err(ctx, 'Signed in.');
        const { storeTokens } = await import('../cache-store.js');
        const scopes = flags.v1 ? [`${flags.resource}/.default`] : userScopes(flags.scope);
        await storeTokens(ctx, command, {
          authority: authority.url,
          client_id: clientId,
          scopes,
          tokens: result.tokens,
          idToken: result.idToken,
        });
        printTokens(ctx, outputFormat(flags.output, ctx), result.tokens, result.idToken);
      } finally {
        await rt.finish();
      }
    });
}
