/** Randomness for the flows, from the platform's cryptographic source. Injected so tests can fix it. */
import { randomBytes, randomUUID } from 'node:crypto';

export interface RandomSource {
  /** At least 128 bits; we use 256. */
  state(): string;
  nonce(): string;
  /** An RFC 7636 code_verifier and the challenge pkce-challenge computed for it. */
  pkce(): Promise<{ code_verifier: string; code_challenge: string }>;
  /** A `client-request-id` (a random UUID, docs/protocol.md §2.9). Optional: {@link cryptoRandom}'s otherwise. */
  requestId?(): string;
}

export const cryptoRandom: RandomSource = {
  state: () => randomBytes(32).toString('base64url'),
  nonce: () => randomBytes(16).toString('base64url'),
  // imported on first use: pkce-challenge reads globalThis.crypto when it loads, which loads node:crypto and
  // WebCrypto; `exchange` never makes a new pair, and `login` makes one only after it is listening
  pkce: async () => (await import('pkce-challenge')).default(64),
  requestId: () => randomUUID(),
};
