/** PKCE (RFC 7636). The verifier comes from io (randomness); the challenge is derived here. */
import { createHash } from 'node:crypto';
import { usageError } from './errors.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** `code_challenge = BASE64URL(SHA256(ASCII(code_verifier)))` — RFC 7636 §4.2. */
export function s256Challenge(codeVerifier: string): string {
  assertVerifier(codeVerifier);
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
export function assertVerifier(codeVerifier: string): void {
  if (!VERIFIER.test(codeVerifier)) {
    throw usageError('code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)');
  }
}
