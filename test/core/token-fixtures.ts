/** Token fixtures (fixtures/tokens/*.json) signed at test time with keys generated here; nothing secret is committed. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

export interface TokenFixture {
  name: string;
  title: string;
  /** Seconds since the epoch at which the fixture's verdict holds. */
  now: number;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  verdict: string;
  unsigned?: boolean;
  tamper?: Record<string, unknown>;
}

const DIR = join(import.meta.dirname, '../../fixtures/tokens');

function raw(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
}

/** A fixture with `base` resolved: header/claims of the base, overridden by its own. */
export function loadFixture(name: string): TokenFixture {
  const f = raw(name);
  const base = f.base ? loadFixture(f.base) : undefined;
  return {
    name,
    title: f.title,
    now: f.now,
    header: f.header ?? base!.header,
    claims: { ...(base?.claims ?? {}), ...(f.claims ?? {}) },
    verdict: f.verdict,
    unsigned: f.unsigned,
    tamper: f.tamper,
  };
}

export const FIXTURE_NAMES = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .map((n) => n.slice(0, -5))
  .sort();

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', kty: 'RSA' };
  return { kid, privateKey, publicJwk };
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Sign header+claims with `key` (the header's kid is replaced by the key's unless `keepKid`). */
export async function sign(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: TestKey,
  keepKid = false,
): Promise<string> {
  const h = { ...header, ...(keepKid ? {} : { kid: key.kid, ...(header.x5t !== undefined ? { x5t: key.kid } : {}) }) };
  return new SignJWT(claims as never).setProtectedHeader(h as never).sign(key.privateKey);
}

/** The fixture as a compact token: unsigned ones get an empty signature, tampered ones a swapped claims segment. */
export async function fixtureToken(f: TokenFixture, key: TestKey): Promise<string> {
  if (f.unsigned) return `${b64(f.header)}.${b64(f.claims)}.`;
  const token = await sign(f.header, f.claims, key);
  if (!f.tamper) return token;
  const [h, , s] = token.split('.');
  return `${h}.${b64({ ...f.claims, ...f.tamper })}.${s}`;
}

/** The tampered claims, for checking what a decoder shows. */
export function effectiveClaims(f: TokenFixture): Record<string, unknown> {
  return { ...f.claims, ...(f.tamper ?? {}) };
}
