import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate } from '../../src/emulator/x509.js';

const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('createSelfSignedCertificate makes a certificate node:crypto parses and whose signature verifies with its own key', () => {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const c = createSelfSignedCertificate({
    subject: 'emulator test',
    keyPair,
    days: 10,
    notBefore,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  const x = new X509Certificate(c.pem);
  assert.equal(x.subject, 'CN=emulator test');
  assert.equal(x.issuer, 'CN=emulator test');
  assert.equal(new Date(x.validFrom).toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(new Date(x.validTo).toISOString(), '2026-01-11T00:00:00.000Z');
  assert.ok(x.verify(keyPair.publicKey));
  assert.ok(x.publicKey.equals(keyPair.publicKey));
  assert.equal(x.checkHost('localhost'), 'localhost');
  assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
  assert.ok(x.raw.equals(c.der));
});

test('x5t is the 27-character base64url SHA-1 of the DER and x5t#S256 the SHA-256', () => {
  const c = createSelfSignedCertificate({ subject: 'thumbs', keyPair });
  assert.equal(c.x5t.length, 27);
  assert.equal(c.x5t, createHash('sha1').update(c.der).digest('base64url'));
  assert.equal(c.x5tS256, createHash('sha256').update(c.der).digest('base64url'));
  assert.equal(
    Buffer.from(c.x5t, 'base64url').toString('hex').toUpperCase(),
    new X509Certificate(c.pem).fingerprint.replace(/:/g, ''),
  );
});

test('openssl reads the certificate as X.509 v3 with sha256WithRSAEncryption and verifies it against itself', () => {
  const c = createSelfSignedCertificate({
    subject: 'openssl check',
    keyPair,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  const dir = mkdtempSync(join(tmpdir(), 'x509-'));
  try {
    const file = join(dir, 'c.pem');
    writeFileSync(file, c.pem);
    const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /Subject: CN ?= ?openssl check/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1/);
    const verify = execFileSync('openssl', ['verify', '-CAfile', file, file], { encoding: 'utf8' });
    assert.equal(verify.trim(), `${file}: OK`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validity from 2050 on is written as GeneralizedTime', () => {
  const c = createSelfSignedCertificate({
    subject: 'far',
    keyPair,
    notBefore: new Date('2049-12-31T00:00:00Z'),
    days: 2,
  });
  const x = new X509Certificate(c.pem);
  assert.equal(new Date(x.validTo).toISOString(), '2050-01-02T00:00:00.000Z');
});
