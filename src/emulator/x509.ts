/**
 * A minimal X.509 v3 certificate writer (RFC 5280) so the emulator can publish real `x5c`/`x5t` values and
 * serve HTTPS. Node can parse certificates but not create them, so this encodes the DER by hand and signs
 * the TBSCertificate with node:crypto (sha256WithRSAEncryption). Self-signed only; RSA keys only.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';

/** A key pair as returned by `crypto.generateKeyPair('rsa', …)` without encodings. */
export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export interface CertificateOptions {
  /** Common name of subject (and issuer: the certificate is self-signed). */
  subject: string;
  keyPair: KeyPair;
  /** Validity in days from `notBefore` (default 365). */
  days?: number;
  /** Start of validity (default: now minus one hour, to tolerate small clock skew). */
  notBefore?: Date;
  /** subjectAltName dNSName entries (e.g. `localhost`). */
  dnsNames?: string[];
  /** subjectAltName iPAddress entries (IPv4 dotted quads, e.g. `127.0.0.1`). */
  ipAddresses?: string[];
}

export interface Certificate {
  der: Buffer;
  pem: string;
  /** base64url SHA-1 of the DER, unpadded (27 chars): Entra's `x5t` and `kid`. */
  x5t: string;
  /** base64url SHA-256 of the DER, unpadded: `x5t#S256`. */
  x5tS256: string;
}

// ---- DER primitives (X.690) ----

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const bool = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

/** INTEGER from unsigned big-endian bytes (adds a leading zero when the top bit is set). */
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = d.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), nul());

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** Create a self-signed RSA certificate (sha256WithRSAEncryption) as DER and PEM with its thumbprints. */
export function createSelfSignedCertificate(opts: CertificateOptions): Certificate {
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + (opts.days ?? 365) * 86400_000);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // positive
  const spki = opts.keyPair.publicKey.export({ type: 'spki', format: 'der' });

  const exts: Buffer[] = [
    // basicConstraints CA:TRUE, as `openssl req -x509` makes: lets clients use the certificate as its own trust anchor.
    extension('2.5.29.19', true, seq(bool(true))),
    // keyUsage: digitalSignature, keyEncipherment, keyCertSign
    extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x02, 0xa4]))),
  ];
  const san: Buffer[] = [
    ...(opts.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...(opts.ipAddresses ?? []).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
  ];
  if (san.length) exts.push(extension('2.5.29.17', false, seq(...san)));

  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    SHA256_WITH_RSA,
    name(opts.subject),
    seq(time(notBefore), time(notAfter)),
    name(opts.subject),
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, opts.keyPair.privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, bitString(signature));
  const b64 = der.toString('base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return {
    der,
    pem,
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
