/**
 * Decode a JWT (JWS compact serialization, RFC 7515 §7.1) without verifying anything.
 * Like jose's `decodeJwt`, the name says it: no signature, issuer or lifetime check happens here.
 * Decoding is strict (base64url alphabet, canonical padding bits, JSON objects) so that any string
 * yields either a decoded token or one EBAD_INPUT error with a one-line reason.
 */
import { badInput } from './errors.js';

/** Tokens larger than this are refused before decoding (Entra tokens with many groups stay far below). */
export const MAX_JWT_LENGTH = 64 * 1024;

export interface DecodedJwt {
  /** The JOSE header (`alg`, `kid`, `x5t`, `typ`, and for Graph tokens a `nonce`). */
  header: Record<string, unknown>;
  /** The claims set, exactly as encoded. */
  claims: Record<string, unknown>;
  /** The signature bytes (empty for `alg: none`). */
  signature: Uint8Array;
  /** The three base64url segments as they were given. */
  segments: [string, string, string];
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url (RFC 4648 §5, no padding): rejects other characters, impossible lengths and non-zero tail bits. */
export function decodeBase64url(segment: string, what: string): Buffer {
  if (!B64URL.test(segment)) throw badInput(`${what} is not base64url: it contains characters outside A-Z a-z 0-9 - _`);
  if (segment.length % 4 === 1) throw badInput(`${what} is not base64url: its length ${segment.length} is impossible`);
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment)
    throw badInput(`${what} is not canonical base64url (non-zero padding bits)`);
  return bytes;
}

/** Strict UTF-8 (one decoder: `decode` without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function jsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeBase64url(segment, what);
  if (bytes.length === 0) throw badInput(`${what} is empty`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw badInput(`${what} is not UTF-8 text`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput(`${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badInput(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Split and decode a compact JWT without verification (RFC 7519 §7.2 steps 1–8, minus the checks).
 * Throws EBAD_INPUT with one line saying what is wrong.
 */
export function decodeJwtUnverified(token: string): DecodedJwt {
  if (typeof token !== 'string') throw badInput('the token is not a string');
  const text = token.trim();
  if (text.length === 0) throw badInput('no token given');
  if (text.length > MAX_JWT_LENGTH)
    throw badInput(`the token is ${text.length} characters long; more than ${MAX_JWT_LENGTH} is not a JWT`);
  const parts = text.split('.');
  if (parts.length === 5) {
    throw badInput('this is an encrypted token (JWE, 5 segments): it cannot be decoded without the recipient key');
  }
  if (parts.length !== 3) {
    throw badInput(
      `a JWT has 3 dot-separated segments (header.claims.signature); this has ${parts.length}`,
      'pass the access_token or id_token value, or the whole token response JSON',
    );
  }
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObject(h, 'the JWT header (segment 1)');
  if (typeof header.alg !== 'string') throw badInput('the JWT header has no "alg" string');
  if (header.crit !== undefined) throw badInput('the JWT header has a "crit" member, which Entra tokens never carry');
  const claims = jsonObject(p, 'the JWT claims (segment 2)');
  const signature = new Uint8Array(decodeBase64url(s, 'the JWT signature (segment 3)'));
  return { header, claims, signature, segments: [h, p, s] };
}

/** The token {@link decodeJwtShared} decoded last, and what it gave. */
let lastDecoded: { token: string; jwt: DecodedJwt } | undefined;

/**
 * {@link decodeJwtUnverified}, remembering the last token: a traced exchange decodes the id token for the trace,
 * then again to check it. The result is shared between its callers (the trace and the id token check), which
 * only read it.
 */
export function decodeJwtShared(token: string): DecodedJwt {
  if (lastDecoded?.token === token) return lastDecoded.jwt;
  const jwt = decodeJwtUnverified(token);
  lastDecoded = { token, jwt };
  return jwt;
}

/** Where a token found in the input came from. */
export type TokenSource = 'token' | 'access_token' | 'id_token';

/** Input larger than this is refused (the size limit of standard input). */
export const MAX_INPUT_LENGTH = 1024 * 1024;

/**
 * The tokens in what the user gave `inspect`: a bare JWT (optionally "Bearer …"), or the JSON the other
 * commands print (a token response, possibly nested), from which access_token and id_token are taken.
 */
export function tokensFromInput(input: string): Array<{ source: TokenSource; token: string }> {
  if (input.length > MAX_INPUT_LENGTH) throw badInput(`the input is larger than ${MAX_INPUT_LENGTH} bytes`);
  const text = input.trim().replace(/^bearer\s+/i, '');
  if (text.length === 0)
    throw badInput('no token given', 'pass the token as an argument, or "-" to read it from standard input');
  if (!text.startsWith('{')) return [{ source: 'token', token: text }];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput('the input starts with "{" but is not valid JSON');
  }
  const found: Partial<Record<'access_token' | 'id_token', string>> = {};
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'access_token' || k === 'id_token') && typeof x === 'string' && found[k] === undefined) found[k] = x;
      else walk(x, depth + 1);
    }
  };
  walk(value, 0);
  const out: Array<{ source: TokenSource; token: string }> = [];
  if (found.access_token !== undefined) out.push({ source: 'access_token', token: found.access_token });
  if (found.id_token !== undefined) out.push({ source: 'id_token', token: found.id_token });
  if (out.length === 0) throw badInput('the JSON has no "access_token" or "id_token" string');
  return out;
}
