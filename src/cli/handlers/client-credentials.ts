/** `entra-token client-credentials`: an app-only token with a client secret or a certificate. */
import { readFile } from 'node:fs/promises';
import { claimsParameter } from '../claims.js';
import { resolve } from 'node:path';
import type { Handler } from '../command.js';
import type { ClientCredentialsFlags } from '../commands/client-credentials.js';
import { err } from '../context.js';
import { deliverTokens } from '../deliver.js';
import { resolveIdentity, cacheProvider, resolveSettings } from '../options.js';
import { withRuntime } from '../runtime.js';
import { secretFromFile, secretFromStdin } from '../secrets.js';
import { parseCertificatePem, parseClientKeyPem } from '../../core/client-assertion.js';
import { AZURE_DATABRICKS_APP_ID as DATABRICKS_APP_ID } from '../../core/clouds.js';
import { badInput, usageError } from '../../core/errors.js';
import { clientCredentialsTokens, type ClientCredential } from '../../flows/client-credentials.js';

export const run: Handler<ClientCredentialsFlags> = async (ctx, { flags, global, given }) => {
  if (flags.clientSecret !== undefined) {
    throw usageError(
      '--client-secret VALUE is refused: other local users can read command lines (ps)',
      'set AZURE_CLIENT_SECRET, or use --client-secret-stdin or --client-secret-file',
    );
  }
  const { authority, clientId } = resolveIdentity(flags, ctx);
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  // the secret as every other setting: AZURE_CLIENT_SECRET > ARM_CLIENT_SECRET > the profile's azure_client_secret
  const configuredSecret = resolveSettings(flags as Record<string, unknown>, ctx).config.settings.client_secret;
  const certFile =
    flags.certificate ??
    (flags.clientSecretStdin || flags.clientSecretFile || configuredSecret
      ? undefined
      : ctx.env.AZURE_CLIENT_CERTIFICATE_PATH);
  const explicit = [
    flags.clientSecretStdin && '--client-secret-stdin',
    flags.clientSecretFile && '--client-secret-file',
    flags.certificate && '--certificate',
  ].filter(Boolean);
  if (explicit.length > 1) throw usageError(`give one credential, not ${explicit.join(' and ')}`);
  if (!certFile && (flags.rs256 || flags.sendX5c || flags.showAssertion || flags.keyId)) {
    throw usageError('--rs256, --send-x5c, --key-id and --show-assertion go with --certificate');
  }
  if (flags.keyId && authority.kind === 'entra')
    throw usageError('--key-id is for providers other than Entra: Entra finds the key by its certificate thumbprint');
  // Entra's default is the Databricks scope; another provider gets only the scopes given (none: its default)
  const scope = authority.kind === 'entra' || given('scope') ? flags.scope : undefined;
  if (!flags.v1 && given('resource')) throw usageError('--resource goes with --v1; the v2 endpoint takes --scope');
  if (flags.v1 && given('scope')) throw usageError('--v1 takes --resource (a resource id or URI), not --scope');
  let credential: ClientCredential;
  if (certFile) {
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
    // Entra identifies the key by its certificate's thumbprint; another provider finds it in the client's JWKS by kid
    const cert =
      authority.kind === 'entra'
        ? parseCertificatePem(data, certFile, ctx.env.ENTRA_TOKEN_CERTIFICATE_PASSPHRASE)
        : await parseClientKeyPem(data, certFile, ctx.env.ENTRA_TOKEN_CERTIFICATE_PASSPHRASE, flags.keyId);
    credential = { kind: 'certificate', certificate: cert, rs256: flags.rs256, sendX5c: flags.sendX5c };
  } else {
    let secret: string | undefined;
    if (flags.clientSecretStdin) {
      secret = await secretFromStdin(ctx, 'client-secret');
    } else if (flags.clientSecretFile) {
      secret = await secretFromFile(ctx, flags.clientSecretFile, 'client secret');
    } else {
      secret = configuredSecret?.value;
    }
    if (!secret) {
      throw usageError(
        'no client credential: set AZURE_CLIENT_SECRET, or give --client-secret-stdin, --client-secret-file or --certificate',
      );
    }
    credential = { kind: 'secret', client_secret: secret, method: flags.clientAuth ?? 'post' };
  }
  await withRuntime(ctx, global, async (rt) => {
    const result = await clientCredentialsTokens(
      {
        authority,
        client_id: clientId,
        credential,
        scope: flags.v1 ? undefined : scope,
        v1Resource: flags.v1 ? flags.resource : undefined,
        claims,
        onAssertion: flags.showAssertion
          ? (d) => {
              err(ctx, `client assertion header: ${JSON.stringify(d.header)}`);
              err(ctx, `client assertion claims: ${JSON.stringify(d.claims)}`);
            }
          : undefined,
      },
      rt.deps,
    );
    const scopes = flags.v1
      ? [`${flags.resource}/.default`]
      : authority.kind === 'entra'
        ? [scope ?? `${DATABRICKS_APP_ID}/.default`]
        : (scope ?? '').split(/\s+/).filter(Boolean);
    await deliverTokens(ctx, flags, {
      authority: authority.url,
      provider: cacheProvider(authority),
      client_id: clientId,
      scopes,
      tokens: result.tokens,
      appOnly: true,
    });
  });
};
