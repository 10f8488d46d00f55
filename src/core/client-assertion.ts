/**
 * The certificate credential (private_key_jwt, docs/protocol.md §2.5): a JWT signed with the certificate's
 * private key, identified by the certificate's thumbprint. Pure: the key, the certificate (DER), the
 * clock and the jti are handed in; a new assertion is made for every request.
 * @see https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, SignJWT } from 'jose';
import { EntraTokenError, badInput } from './errors.js';

/** Lifetime of an assertion (MSAL uses 600 s; Entra recommends 5–10 minutes). */
export const ASSERTION_LIFETIME_S = 600;

export interface ClientCertificate {
  key: KeyObject;
  /** The certificate, DER bytes. */
  certDer: Buffer;
  /** Hex SHA-1 thumbprint, upper case, as the portal shows it. */
  thumbprintSha1: string;
  subject: string;
  notAfter: string;
}

export interface AssertionOptions {
  client_id: string;
  /** The exact token endpoint URL the assertion is sent to. */
  audience: string;
  /** The certificate (Entra identifies the key by its thumbprint), or for other providers a bare key named by `kid`. */
  cert: Pick<ClientCertificate, 'key'> & { certDer?: Buffer | undefined; kid?: string | undefined };
  /** Seconds since the epoch. */
  now: number;
  /** A unique id (a GUID) for this assertion. */
  jti: string;
  /** RS256 with the SHA-1 `x5t` (older registrations); default PS256 with `x5t#S256`. */
  rs256?: boolean;
  /** Include the certificate chain (`x5c`) for subject-name/issuer (SNI) registrations. */
  sendX5c?: boolean;
}

/** base64url SHA-256 of the certificate DER: the `x5t#S256` header. */
export function x5tS256(certDer: Buffer): string {
  return createHash('sha256').update(certDer).digest('base64url');
}

/** base64url SHA-1 of the certificate DER: the legacy `x5t` header. */
export function x5tSha1(certDer: Buffer): string {
  return createHash('sha1').update(certDer).digest('base64url');
}

/** Sign a client assertion: header {alg, typ, x5t#S256 | x5t, x5c?}, claims {aud, iss, sub, jti, nbf, iat, exp}. */
export async function createClientAssertion(o: AssertionOptions): Promise<string> {
  const ec = o.cert.key.asymmetricKeyType === 'ec';
  const alg = ec ? 'ES256' : o.rs256 ? 'RS256' : 'PS256';
  const header: Record<string, unknown> = { alg, typ: 'JWT' };
  const der = o.cert.certDer;
  // RFC 7523 §3 / OpenID Connect Core §9: a bare key is found in the client's registered JWKS by kid
  if (o.cert.kid) header.kid = o.cert.kid;
  else if (der === undefined)
    throw new EntraTokenError('EUSAGE', 'a client assertion signed with a bare key needs a kid');
  if (der !== undefined) {
    if (o.rs256) header.x5t = x5tSha1(der);
    else header['x5t#S256'] = x5tS256(der);
    if (o.sendX5c) header.x5c = [der.toString('base64')];
  }
  return new SignJWT({
    aud: o.audience,
    iss: o.client_id,
    sub: o.client_id,
    jti: o.jti,
    nbf: o.now,
    iat: o.now,
    exp: o.now + ASSERTION_LIFETIME_S,
  })
    .setProtectedHeader(header as { alg: string })
    .sign(o.cert.key);
}

/** The decoded header and claims of an assertion, for `--show-assertion` (never the signature). */
export function describeAssertion(assertion: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  return {
    header: decodeProtectedHeader(assertion) as Record<string, unknown>,
    claims: decodeJwt(assertion) as Record<string, unknown>,
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Parse a PEM file holding the private key and the certificate (any order, as `openssl pkcs12 -nodes`
 * writes it). The first certificate whose public key matches the private key is used.
 * PKCS#12 (.pfx/.p12) is refused with the openssl command that converts it.
 * @param where the file name, for messages.
 */
export function parseCertificatePem(data: Buffer, where: string, passphrase?: string): ClientCertificate {
  const text = data.toString('latin1');
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
  if (blocks.length === 0) {
    const looksDer = data.length > 0 && data[0] === 0x30;
    throw badInput(
      `${where} is not a PEM file${looksDer ? ' (it looks like binary DER or PKCS#12 .pfx/.p12)' : ''}`,
      `convert a .pfx to PEM with: openssl pkcs12 -in ${where} -out cert.pem -nodes   (then \`certificate\` cert.pem, and keep cert.pem private: chmod 600)`,
    );
  }
  const keyBlock = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!keyBlock) {
    throw badInput(
      `${where} has no private key (no -----BEGIN PRIVATE KEY----- block)`,
      'the PEM file must hold both the private key and the certificate: cat key.pem cert.pem > both.pem',
    );
  }
  const certBlocks = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length === 0) {
    throw badInput(
      `${where} has no certificate (no -----BEGIN CERTIFICATE----- block)`,
      'the PEM file must hold both the private key and the certificate: cat key.pem cert.pem > both.pem',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? keyBlock.pem : { key: keyBlock.pem, passphrase });
  } catch (e) {
    const encrypted = /ENCRYPTED/.test(keyBlock.label) || /Proc-Type: 4,ENCRYPTED/.test(keyBlock.pem);
    throw badInput(
      encrypted
        ? `the private key in ${where} is encrypted and ${passphrase === undefined ? 'no passphrase was given' : 'the passphrase is wrong'}`
        : `the private key in ${where} cannot be read`,
      encrypted
        ? 'set ENTRA_TOKEN_CERTIFICATE_PASSPHRASE, or decrypt it: openssl pkey -in key.pem -out plain.pem'
        : 'the key must be an RSA private key in PEM (PKCS#8 or PKCS#1)',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw badInput(
      `the private key in ${where} is ${key.asymmetricKeyType ?? 'not RSA'}; Entra certificate credentials are RSA`,
    );
  }
  for (const b of certBlocks) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(b.pem);
    } catch {
      throw badInput(`a certificate in ${where} cannot be parsed`);
    }
    if (cert.checkPrivateKey(key)) {
      return {
        key,
        certDer: cert.raw,
        thumbprintSha1: cert.fingerprint.replace(/:/g, ''),
        subject: cert.subject.replace(/\n/g, ', '),
        notAfter: cert.validTo,
      };
    }
  }
  throw new EntraTokenError('EBAD_INPUT', `no certificate in ${where} matches its private key`, {
    hint: 'put the certificate that belongs to the private key in the file (openssl x509 -noout -modulus and openssl rsa -noout -modulus must agree)',
  });
}

/**
 * The client key for `private_key_jwt` at a provider other than Entra (OpenID Connect Core §9): the
 * private key is enough, found in the client's registered JWKS by `kid` (given, else the RFC 7638 JWK
 * thumbprint of the public key, which many providers use as kid). A certificate in the file, if any, is
 * kept (its `x5t#S256` is sent too). RSA and EC P-256 keys.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export async function parseClientKeyPem(
  data: Buffer,
  where: string,
  passphrase: string | undefined,
  kid: string | undefined,
): Promise<{ key: KeyObject; certDer: Buffer | undefined; kid: string }> {
  const text = data.toString('latin1');
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
  const keyBlock = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!keyBlock) {
    throw badInput(
      `${where} has no private key (no -----BEGIN PRIVATE KEY----- block)`,
      'give the PEM file of the private key whose public half is registered with the provider',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? keyBlock.pem : { key: keyBlock.pem, passphrase });
  } catch {
    throw badInput(
      `the private key in ${where} cannot be read${/ENCRYPTED/.test(keyBlock.label) ? ' (it is encrypted: set ENTRA_TOKEN_CERTIFICATE_PASSPHRASE)' : ''}`,
    );
  }
  const ec = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (key.asymmetricKeyType !== 'rsa' && !ec) {
    throw badInput(`the private key in ${where} is ${key.asymmetricKeyType ?? 'unknown'}; RSA or EC P-256 is needed`);
  }
  const certBlock = blocks.find((b) => b.label === 'CERTIFICATE');
  let certDer: Buffer | undefined;
  if (certBlock) {
    const cert = new X509Certificate(certBlock.pem);
    if (cert.checkPrivateKey(key)) certDer = cert.raw;
  }
  const publicJwk = await exportJWK(createPublicKey(key));
  return { key, certDer, kid: kid ?? (await calculateJwkThumbprint(publicJwk)) };
}
