/** `entra-token client-credentials`: an app-only token with a client secret or a certificate (the daemon app). */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import { AZURE_DATABRICKS_APP_ID as DATABRICKS_APP_ID } from '../../core/clouds.js';
import { addIdentityOptions, addOutputOption, outputFormat, resolveIdentity, type IdentityFlags } from '../options.js';

interface Flags extends IdentityFlags {
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  clientSecret?: string;
  clientAuth?: 'post' | 'basic';
  certificate?: string;
  rs256?: boolean;
  sendX5c?: boolean;
  showAssertion?: boolean;
  scope?: string;
  v1?: boolean;
  resource?: string;
  output?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('client-credentials')
    .description(
      "Get an app-only token for a service principal (grant_type=client_credentials, the documentation's daemon app).\n" +
        'The credential is a client secret (AZURE_CLIENT_SECRET / ARM_CLIENT_SECRET, --client-secret-stdin or\n' +
        '--client-secret-file; never on the command line) or a certificate (--certificate, a PEM file with the private\n' +
        'key and the certificate): a new signed client assertion (PS256, x5t#S256) is made for every request.\n' +
        'The scope must be one <resource>/.default; no refresh token is issued.',
    );
  addIdentityOptions(cmd)
    .option('--client-secret-stdin', 'read the client secret from standard input')
    .option('--client-secret-file <file>', 'read the client secret from a file (its first line; should be mode 600)')
    .addOption(
      new Option(
        '--client-secret <value>',
        'refused: a secret on the command line can be read by other local users',
      ).hideHelp(),
    )
    .addOption(
      new Option('--client-auth <method>', 'how the secret is sent: in the form body (post) or HTTP Basic (basic)')
        .choices(['post', 'basic'])
        .default('post'),
    )
    .option(
      '--certificate <file>',
      'PEM file with the private key and the certificate [env: AZURE_CLIENT_CERTIFICATE_PATH]',
    )
    .option('--rs256', 'sign RS256 with the SHA-1 x5t header (older registrations) instead of PS256 with x5t#S256')
    .option('--send-x5c', 'include the certificate (x5c) in the assertion header (subject name + issuer registrations)')
    .option('--show-assertion', 'print the decoded assertion header and claims on stderr (never the signature or key)')
    .option('--scope <scope>', 'one <resource>/.default scope', `${DATABRICKS_APP_ID}/.default`)
    .option('--v1', "use the v1 endpoint (/oauth2/token) with resource= as Databricks' own SDKs do")
    .option('--resource <id>', 'the v1 resource (with --v1)', DATABRICKS_APP_ID)
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      '\nEnvironment:\n  AZURE_CLIENT_SECRET, ARM_CLIENT_SECRET   the client secret\n  AZURE_CLIENT_CERTIFICATE_PATH            the certificate PEM file\n' +
        '  ENTRA_TOKEN_CERTIFICATE_PASSPHRASE       passphrase of an encrypted private key\n\nExamples:\n' +
        '  AZURE_CLIENT_SECRET=… entra-token client-credentials --tenant <tenant id> --client-id <app id> -o token\n' +
        '  entra-token client-credentials --tenant <tenant id> --client-id <app id> --certificate app.pem --scope https://graph.microsoft.com/.default\n' +
        '  (a .pfx must be converted first: openssl pkcs12 -in app.pfx -out app.pem -nodes)',
    )
    .action(async (flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      if (flags.clientSecret !== undefined) {
        throw usageError(
          '--client-secret VALUE is refused: other local users can read command lines (ps)',
          'set AZURE_CLIENT_SECRET, or use --client-secret-stdin or --client-secret-file',
        );
      }
      const { authority, clientId } = resolveIdentity(flags, ctx);
      const certFile =
        flags.certificate ??
        (flags.clientSecretStdin || flags.clientSecretFile ? undefined : ctx.env.AZURE_CLIENT_CERTIFICATE_PATH);
      const explicit = [
        flags.clientSecretStdin && '--client-secret-stdin',
        flags.clientSecretFile && '--client-secret-file',
        flags.certificate && '--certificate',
      ].filter(Boolean);
      if (explicit.length > 1) throw usageError(`give one credential, not ${explicit.join(' and ')}`);
      if (!certFile && (flags.rs256 || flags.sendX5c || flags.showAssertion)) {
        throw usageError('--rs256, --send-x5c and --show-assertion go with --certificate');
      }
      if (!flags.v1 && command.getOptionValueSource('resource') === 'cli')
        throw usageError('--resource goes with --v1; the v2 endpoint takes --scope');
      if (flags.v1 && command.getOptionValueSource('scope') === 'cli')
        throw usageError('--v1 takes --resource (a resource id or URI), not --scope');
      type Credential = import('../../flows/client-credentials.js').ClientCredential;
      let credential: Credential;
      if (certFile) {
        const { readFile } = await import('node:fs/promises');
        const { resolve } = await import('node:path');
        const { parseCertificatePem } = await import('../../core/client-assertion.js');
        const { badInput } = await import('../../core/errors.js');
        let data: Buffer;
        try {
          data = await readFile(resolve(ctx.cwd, certFile));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw badInput(
            `cannot read the certificate file ${certFile}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`,
          );
        }
        if (/\.(pfx|p12)$/i.test(certFile) && !data.includes('-----BEGIN')) {
          throw badInput(
            `${certFile} is PKCS#12 (.pfx/.p12), which entra-token does not read (Node's crypto has no PKCS#12 parser)`,
            `convert it to PEM: openssl pkcs12 -in ${certFile} -out app.pem -nodes && chmod 600 app.pem (then --certificate app.pem)`,
          );
        }
        const cert = parseCertificatePem(data, certFile, ctx.env.ENTRA_TOKEN_CERTIFICATE_PASSPHRASE);
        credential = { kind: 'certificate', certificate: cert, rs256: flags.rs256, sendX5c: flags.sendX5c };
      } else {
        let secret: string | undefined;
        if (flags.clientSecretStdin) {
          const { secretFromStdin } = await import('../secrets.js');
          secret = await secretFromStdin(ctx, 'client-secret');
        } else if (flags.clientSecretFile) {
          const { secretFromFile } = await import('../secrets.js');
          secret = await secretFromFile(ctx, flags.clientSecretFile, 'client secret');
        } else {
          secret = ctx.env.AZURE_CLIENT_SECRET || ctx.env.ARM_CLIENT_SECRET || undefined;
        }
        if (!secret) {
          throw usageError(
            'no client credential: set AZURE_CLIENT_SECRET, or give --client-secret-stdin, --client-secret-file or --certificate',
          );
        }
        credential = { kind: 'secret', client_secret: secret, method: flags.clientAuth ?? 'post' };
      }
      const { createRuntime } = await import('../runtime.js');
      const { clientCredentialsTokens } = await import('../../flows/client-credentials.js');
      const { printTokens } = await import('../output.js');
      const rt = await createRuntime(ctx, command);
      try {
        const result = await clientCredentialsTokens(
          {
            authority,
            client_id: clientId,
            credential,
            scope: flags.v1 ? undefined : flags.scope,
            v1Resource: flags.v1 ? flags.resource : undefined,
            onAssertion: flags.showAssertion
              ? (d) => {
                  err(ctx, `client assertion header: ${JSON.stringify(d.header)}`);
                  err(ctx, `client assertion claims: ${JSON.stringify(d.claims)}`);
                }
              : undefined,
          },
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        const { storeTokens } = await import('../cache-store.js');
        const scopes = [flags.v1 ? `${flags.resource}/.default` : (flags.scope ?? `${DATABRICKS_APP_ID}/.default`)];
        await storeTokens(ctx, command, {
          authority: authority.url,
          client_id: clientId,
          scopes,
          tokens: result.tokens,
          appOnly: true,
        });
        printTokens(ctx, outputFormat(flags.output, ctx), result.tokens);
      } finally {
        await rt.finish();
      }
    });
}
