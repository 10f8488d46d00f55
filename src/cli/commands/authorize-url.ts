/** `entra-token authorize-url`: step 1 of the documented flow. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { err, out } from '../context.js';
import { addIdentityOptions, collect, resolveIdentity, userScopes, type IdentityFlags } from '../options.js';

interface Flags extends IdentityFlags {
  redirectUri: string;
  scope?: string[];
  state?: string;
  pkce: boolean;
  prompt?: 'login' | 'none' | 'consent' | 'select_account' | 'create';
  loginHint?: string;
  domainHint?: string;
  responseMode?: 'query' | 'fragment' | 'form_post';
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('authorize-url')
    .description(
      'Build the authorize URL of the documented flow and remember its state, PKCE verifier and nonce for `exchange`.\n' +
        'The URL alone goes to stdout; what to do next goes to stderr.\n' +
        'Default scopes add "openid profile offline_access" to the Azure Databricks scope, so an id token and a\n' +
        "refresh token come back (the documentation's curl asks only for the Databricks scope and gets no refresh token).",
    );
  addIdentityOptions(cmd)
    .option('--redirect-uri <uri>', 'redirect URI registered for the app', 'http://localhost')
    .option(
      '--scope <scope>',
      'scope to request (repeatable) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access]',
      collect,
    )
    .option('--state <state>', 'state value (default: 256 random bits)')
    .option('--no-pkce', "send no code_challenge, reproducing the documentation's request byte for byte (less safe)")
    .addOption(
      new Option('--prompt <prompt>', 'prompt behaviour').choices([
        'login',
        'none',
        'consent',
        'select_account',
        'create',
      ]),
    )
    .option('--login-hint <upn>', 'pre-fill the username')
    .option('--domain-hint <domain>', 'skip home-realm discovery')
    .addOption(
      new Option('--response-mode <mode>', 'how Entra returns the code').choices(['query', 'fragment', 'form_post']),
    )
    .addHelpText(
      'after',
      '\nExample:\n  entra-token authorize-url --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    )
    .action(async (flags: Flags, command: Command) => {
      const { authority, clientId } = resolveIdentity(flags, ctx);
      if (flags.state !== undefined && flags.state.length < 8) {
        const { usageError } = await import('../../core/errors.js');
        throw usageError('--state must be at least 8 characters (the default is 256 random bits)');
      }
      const { createRuntime } = await import('../runtime.js');
      const { startAuthorization } = await import('../../flows/auth-code.js');
      const rt = await createRuntime(ctx, command);
      try {
        const scopes = userScopes(flags.scope);
        const started = await startAuthorization(
          {
            authority,
            client_id: clientId,
            redirect_uri: flags.redirectUri,
            scopes,
            state: flags.state,
            pkce: flags.pkce,
            prompt: flags.prompt,
            login_hint: flags.loginHint,
            domain_hint: flags.domainHint,
            response_mode: flags.responseMode,
          },
          { pending: rt.pending, now: ctx.now, trace: rt.trace },
        );
        out(ctx, started.url);
        if (!flags.pkce)
          err(ctx, 'warning: --no-pkce: no code_challenge is sent; anyone who sees the code can redeem it');
        err(ctx, 'Open the URL above in a browser and sign in. The browser then goes to');
        err(ctx, `  ${flags.redirectUri}${flags.redirectUri.includes('?') ? '&' : '/?'}code=…&state=…`);
        err(ctx, 'and may show "this site can\'t be reached": that is expected. Copy the whole address and run');
        err(ctx, "  entra-token exchange '<the address>'     (or: entra-token exchange -  and paste it)");
        err(ctx, 'within 10 minutes. The state, PKCE verifier and nonce are kept until then.');
      } finally {
        await rt.finish();
      }
    });
}
