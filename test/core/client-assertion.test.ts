import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  createClientAssertion,
  describeAssertion,
  parseCertificatePem,
  x5tS256,
  x5tSha1,
} from '../../src/core/client-assertion.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { createSelfSignedCertificate } from '../../src/emulator/index.js';

const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const cert = createSelfSignedCertificate({ keyPair, subject: 'entra-token test' } as never);
const keyPem = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
const AUD = 'https://login.microsoftonline.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/v2.0/token';

test('parseCertificatePem takes key and certificate in either order and computes the portal thumbprint', () => {
  for (const text of [keyPem + cert.pem, cert.pem + keyPem]) {
    const c = parseCertificatePem(Buffer.from(text), 'app.pem');
    assert.deepEqual(c.certDer, cert.der);
    assert.equal(c.thumbprintSha1, createHash('sha1').update(cert.der).digest('hex').toUpperCase());
  }
});

test('§2.5: a PS256 assertion carries x5t#S256 and aud/iss/sub/jti/nbf/iat/exp with a 600 s lifetime', async () => {
  const c = parseCertificatePem(Buffer.from(keyPem + cert.pem), 'app.pem');
  const jwt = await createClientAssertion({
    client_id: CLIENT,
    audience: AUD,
    cert: c,
    now: 1735689600,
    jti: '5d2b7e3a-9c1f-4a8e-b6d0-2f4e8a1c3b5d',
  });
  assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'PS256', typ: 'JWT', 'x5t#S256': cert.x5tS256 });
  assert.deepEqual(decodeJwt(jwt), {
    aud: AUD,
    iss: CLIENT,
    sub: CLIENT,
    jti: '5d2b7e3a-9c1f-4a8e-b6d0-2f4e8a1c3b5d',
    nbf: 1735689600,
    iat: 1735689600,
    exp: 1735690200,
  });
  await compactVerify(jwt, new X509Certificate(cert.pem).publicKey, { algorithms: ['PS256'] });
  assert.equal(x5tS256(cert.der), cert.x5tS256);
});

test('--rs256 signs RS256 with the SHA-1 x5t; --send-x5c adds the certificate as standard base64', async () => {
  const c = parseCertificatePem(Buffer.from(keyPem + cert.pem), 'app.pem');
  const jwt = await createClientAssertion({
    client_id: CLIENT,
    audience: AUD,
    cert: c,
    now: 1,
    jti: 'j',
    rs256: true,
    sendX5c: true,
  });
  assert.deepEqual(decodeProtectedHeader(jwt), {
    alg: 'RS256',
    typ: 'JWT',
    x5t: cert.x5t,
    x5c: [cert.der.toString('base64')],
  });
  assert.equal(x5tSha1(cert.der), cert.x5t);
  await compactVerify(jwt, new X509Certificate(cert.pem).publicKey, { algorithms: ['RS256'] });
  const shown = describeAssertion(jwt);
  assert.equal(JSON.stringify(shown).includes(jwt.split('.')[2]!), false, 'the signature is never shown');
});

function rejectsWith(fn: () => unknown, code: string, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EntraTokenError);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('a PKCS#12 (binary) file is refused with the openssl command that converts it', () => {
  rejectsWith(
    () => parseCertificatePem(Buffer.from([0x30, 0x82, 0x0a, 0x01, 0x02]), 'app.pfx'),
    'EBAD_INPUT',
    /^app\.pfx is not a PEM file \(it looks like binary DER or PKCS#12/,
    /^convert a \.pfx to PEM with: openssl pkcs12 -in app\.pfx -out cert\.pem -nodes/,
  );
});

test('a PEM without a private key, without a certificate, or with a foreign certificate is refused; the key is never echoed', () => {
  rejectsWith(() => parseCertificatePem(Buffer.from(cert.pem), 'c.pem'), 'EBAD_INPUT', /^c\.pem has no private key/);
  rejectsWith(() => parseCertificatePem(Buffer.from(keyPem), 'k.pem'), 'EBAD_INPUT', /^k\.pem has no certificate/);
  const other = createSelfSignedCertificate({
    keyPair: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    subject: 'other',
  } as never);
  assert.throws(
    () => parseCertificatePem(Buffer.from(keyPem + other.pem), 'x.pem'),
    (e: unknown) =>
      e instanceof EntraTokenError &&
      e.message === 'no certificate in x.pem matches its private key' &&
      !e.message.includes('PRIVATE'),
  );
});

test('an encrypted private key needs ENTRA_TOKEN_CERTIFICATE_PASSPHRASE', () => {
  const enc = keyPair.privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'pw',
  }) as string;
  rejectsWith(
    () => parseCertificatePem(Buffer.from(enc + cert.pem), 'e.pem'),
    'EBAD_INPUT',
    /^the private key in e\.pem is encrypted and no passphrase was given$/,
    /ENTRA_TOKEN_CERTIFICATE_PASSPHRASE/,
  );
  rejectsWith(
    () => parseCertificatePem(Buffer.from(enc + cert.pem), 'e.pem', 'wrong'),
    'EBAD_INPUT',
    /the passphrase is wrong$/,
  );
  assert.deepEqual(parseCertificatePem(Buffer.from(enc + cert.pem), 'e.pem', 'pw').certDer, cert.der);
});
