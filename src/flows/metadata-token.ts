/**
 * The token the metadata server hands out (docs/protocol.md §12), as a script of steps:
 *   1. Answer from memory   (a token with at least 25 min left: RENEW_AHEAD_MS)
 *   2. Renew                (the injected `acquire`: cache + silent refresh, or the credential chain),
 *                           one renewal however many clients ask at once
 *   3. Fall back            (renewal failed: keep serving the current token while it has more than a
 *                           minute left, retry renewal at most once a minute; else the error)
 * Renewing ahead means a client that comes back early for a fresher token (the Go and Python SDKs do,
 * 20 min before expiry) gets one, instead of the token it already has.
 */
import {
  MIN_SERVE_MS,
  RENEW_AHEAD_MS,
  needsRenewal,
  stillServable,
  type ServedToken,
} from '../core/metadata-service.js';

export type { ServedToken };

/** Get a token with at least `minValidMs` left (it may throw; the keeper decides what to do). */
export type AcquireToken = (minValidMs: number) => Promise<ServedToken>;

export interface TokenKeeperOptions {
  acquire: AcquireToken;
  now: () => number;
  /** Told when renewal failed but a token is still served (one line, no secret). */
  warn?: (line: string) => void;
  /** Told when a new token was obtained (its expiry only). */
  renewed?: (t: ServedToken) => void;
}

export interface TokenKeeper {
  token(): Promise<ServedToken>;
  /** How many times `acquire` was called: for tests and the trace. */
  readonly acquisitions: number;
}

const RETRY_AFTER_FAILURE_MS = 60_000;

export function createTokenKeeper(opts: TokenKeeperOptions): TokenKeeper {
  let current: ServedToken | undefined;
  let inflight: Promise<ServedToken> | undefined;
  let nextAttempt = 0;
  let acquisitions = 0;

  const call = async (minValidMs: number): Promise<ServedToken> => {
    acquisitions++;
    const t = await opts.acquire(minValidMs);
    if (!current || t.access_token !== current.access_token) opts.renewed?.(t);
    current = t;
    return t;
  };

  const renew = async (): Promise<ServedToken> => {
    try {
      return await call(RENEW_AHEAD_MS);
    } catch (e) {
      const now = opts.now();
      nextAttempt = now + RETRY_AFTER_FAILURE_MS;
      const why = e instanceof Error ? e.message : String(e);
      if (current && stillServable(current.expires_at, now)) {
        opts.warn?.(`could not renew the token (${why}); serving the current one, ${left(current, now)} left`);
        return current;
      }
      // nothing held (first request) or about to expire: take any token that is still servable
      const t = await call(MIN_SERVE_MS).catch(() => {
        throw e;
      });
      opts.warn?.(
        `could not get a token with ${RENEW_AHEAD_MS / 60_000} min left (${why}); serving one with ${left(t, now)} left`,
      );
      return t;
    }
  };

  return {
    token(): Promise<ServedToken> {
      const now = opts.now();
      if (current && !needsRenewal(current.expires_at, now)) return Promise.resolve(current);
      if (current && now < nextAttempt && stillServable(current.expires_at, now)) return Promise.resolve(current);
      inflight ??= renew().finally(() => {
        inflight = undefined;
      });
      return inflight;
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
