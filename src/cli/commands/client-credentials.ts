/** `entra-token client-credentials`: an app-only token with a client secret or a certificate (the daemon app). */
import { Option, type Command } from 'commander';
import { addClaimsOptions, type ClaimsFlags } from '../claims.js';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { AZURE_DATABRICKS_APP_ID as DATABRICKS_APP_ID } from '../../core/clouds.js';
import { addIdentityOptions, addOutputOption, type IdentityFlags } from '../options.js';

export interface ClientCredentialsFlags extends IdentityFlags, ClaimsFlags {
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  clientSecret?: string;
  clientAuth?: 'post' | 'basic';
  certificate?: string;
  keyId?: string;
  rs256?: boolean;
  sendX5c?: boolean;
  showAssertion?: boolean;
  scope?: string;
  v1?: boolean;
  resource?: string;
  output?: string;
  cache?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('client-credentials')
    .description(
      "Get an app-only token for a service principal (grant_type=client_credentials, the documentation's daemon app).\n" +
        'The credential is a client secret (AZURE_CLIENT_SECRET / ARM_CLIENT_SECRET, --client-secret-stdin or\n' +
        '--client-secret-file; never on the command line) or a certificate (--certificate, a PEM file with the private\n' +
        'key and the certificate): a new signed client assertion (PS256, x5t#S256) is made for every request.\n' +
        'With Entra the scope must be one <resource>/.default; with another OpenID provider (--issuer) any scopes\n' +
        'the client may ask for, and --certificate may be a bare private key, named by --key-id (default its RFC 7638\n' +
        'thumbprint). No refresh token is issued.',
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
      'PEM file with the private key and the certificate (another provider: the key alone is enough) [env: AZURE_CLIENT_CERTIFICATE_PATH]',
    )
    .option(
      '--key-id <kid>',
      'kid of the key in the client assertion header (providers other than Entra; default the RFC 7638 JWK thumbprint)',
    )
    .option('--rs256', 'sign RS256 with the SHA-1 x5t header (older registrations) instead of PS256 with x5t#S256')
    .option('--send-x5c', 'include the certificate (x5c) in the assertion header (subject name + issuer registrations)')
    .option('--show-assertion', 'print the decoded assertion header and claims on stderr (never the signature or key)')
    .option(
      '--scope <scope>',
      'Entra: one <resource>/.default scope; another provider: its scopes, space-separated (default none)',
      `${DATABRICKS_APP_ID}/.default`,
    )
    .option('--v1', "use the v1 endpoint (/oauth2/token) with resource= as Databricks' own SDKs do")
    .option('--resource <id>', 'the v1 resource (with --v1)', DATABRICKS_APP_ID)
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd).addHelpText(
    'after',
    '\nEnvironment:\n  AZURE_CLIENT_SECRET, ARM_CLIENT_SECRET   the client secret\n  AZURE_CLIENT_CERTIFICATE_PATH            the certificate PEM file\n' +
      '  ENTRA_TOKEN_CERTIFICATE_PASSPHRASE       passphrase of an encrypted key\n\nExamples:\n' +
      '  AZURE_CLIENT_SECRET=… entra-token client-credentials --tenant <tenant id> --client-id <app id> -o token\n' +
      '  entra-token client-credentials --tenant <tenant id> --client-id <app id> --certificate app.pem --scope https://graph.microsoft.com/.default\n' +
      '  (a .pfx must be converted first: openssl pkcs12 -in app.pfx -out app.pem -nodes)',
  );
  addClaimsOptions(cmd);
  handle(cmd, ctx, () => import('../handlers/client-credentials.js'));
}
