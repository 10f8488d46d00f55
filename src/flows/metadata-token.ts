/**
 * The token the metadata server hands out (docs/protocol.md §12), as a script of steps:
 *   1. Answer from memory   (until the token is due for renewal: its source's `renew_at`, else 5 min
 *                           before expiry)
 *   2. Renew                (the injected `acquire`: the credential chain), one renewal however many
 *                           clients ask at once
 *   3. Fall back            (renewal failed: keep serving the current token while it has more than a
 *                           minute left, retrying at most once a minute; else the error)
 *   4. Check (optional)     (when the client declared CP1, so tokens are long-lived CAE tokens: before a token
 *                           is handed out, at most once a minute, ask the workspace whether it still accepts it;
 *                           a claims challenge gets ONE new token with its claims — a second challenge, or a new
 *                           token that needs a sign-in, is served as the error until the next renewal, never a loop)
 * @see docs/protocol.md §15
 */
import { EntraTokenError } from '../core/errors.js';
import { needsRenewal, stillServable, type ServedToken } from '../core/metadata-service.js';
import { shellQuote } from '../core/sign-in-hint.js';

export type { ServedToken };

/** Get a token (it may throw; the keeper decides what to do); `claims` answers a claims challenge. */
export type AcquireToken = (claims?: string) => Promise<ServedToken>;

export interface TokenKeeperOptions {
  acquire: AcquireToken;
  now: () => number;
  /** Told when renewal failed but a token is still served (one line, no secret). */
  warn?: (line: string) => void;
  /** Told when a new token was obtained (its expiry only). */
  renewed?: (t: ServedToken) => void;
  /** Whether the resource still accepts a token: the claims of its challenge, or undefined (step 4). */
  check?: ((t: ServedToken) => Promise<string | undefined>) | undefined;
  /** Told when a claims challenge was answered (one line, no secret). */
  challenged?: (claims: string) => void;
}

export interface TokenKeeper {
  token(): Promise<ServedToken>;
  /** How many times `acquire` was called: for tests and the trace. */
  readonly acquisitions: number;
}

const RETRY_AFTER_FAILURE_MS = 60_000;
/** How often a served token is checked with the resource (step 4). */
export const CHECK_EVERY_MS = 60_000;

export function createTokenKeeper(opts: TokenKeeperOptions): TokenKeeper {
  let current: ServedToken | undefined;
  let inflight: Promise<ServedToken> | undefined;
  let nextAttempt = 0;
  let acquisitions = 0;
  // step 4, for the current token: when it was last checked, and the outcome of the one challenge answered for it
  let checkedAt = Number.NEGATIVE_INFINITY;
  let answered: { error?: unknown } | undefined;
  let checking: Promise<ServedToken> | undefined;

  const renew = async (): Promise<ServedToken> => {
    try {
      acquisitions++;
      const t = await opts.acquire();
      if (!current || t.access_token !== current.access_token) {
        opts.renewed?.(t);
        checkedAt = Number.NEGATIVE_INFINITY;
        answered = undefined;
      }
      current = t;
      return t;
    } catch (e) {
      const now = opts.now();
      nextAttempt = now + RETRY_AFTER_FAILURE_MS;
      if (current && stillServable(current.expires_at, now)) {
        const why = e instanceof Error ? e.message : String(e);
        opts.warn?.(`could not renew the token (${why}); serving the current one, ${left(current, now)} left`);
        return current;
      }
      throw e;
    }
  };

  const check = async (t: ServedToken, check: NonNullable<TokenKeeperOptions['check']>): Promise<ServedToken> => {
    let claims: string | undefined;
    try {
      claims = await check(t);
    } catch {
      return t; // the resource could not be asked: the token is served as it is
    }
    checkedAt = opts.now();
    if (claims === undefined || t !== current) return t;
    if (answered) {
      throw (
        answered.error ??
        new EntraTokenError(
          'EAPI',
          'the workspace answered a second claims challenge to the token acquired with its claims; not trying again until the next renewal',
          {
            hint: `sign in again with the claims: entra-token login --claims ${shellQuote(claims)}`,
            detail: { claims_challenge: claims },
          },
        )
      );
    }
    answered = {};
    opts.challenged?.(claims);
    try {
      acquisitions++;
      const fresh = await opts.acquire(claims);
      opts.renewed?.(fresh);
      current = fresh;
      checkedAt = opts.now();
      return fresh;
    } catch (e) {
      answered.error = e;
      throw e;
    }
  };

  const served = (): Promise<ServedToken> => {
    const now = opts.now();
    if (current && stillServable(current.expires_at, now)) {
      if (!needsRenewal(current, now) || now < nextAttempt) return Promise.resolve(current);
    }
    inflight ??= renew().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  return {
    async token(): Promise<ServedToken> {
      const t = await served();
      if (!opts.check) return t;
      if (answered?.error !== undefined && t === current) throw answered.error;
      if (opts.now() - checkedAt < CHECK_EVERY_MS) return t;
      checking ??= check(t, opts.check).finally(() => {
        checking = undefined;
      });
      return checking;
    },
    get acquisitions() {
      return acquisitions;
    },
  };
}

function left(t: ServedToken, now: number): string {
  const s = Math.max(0, Math.floor((t.expires_at - now) / 1000));
  return s >= 120 ? `${Math.floor(s / 60)} min` : `${s} s`;
}
