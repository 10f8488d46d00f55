/**
 * The token the metadata server hands out (docs/protocol.md §12), as a script of steps:
 *   1. Answer from memory   (until the token is due for renewal: its source's `renew_at`, else 5 min
 *                           before expiry)
 *   2. Renew                (the injected `acquire`: the credential chain), one renewal however many
 *                           clients ask at once
 *   3. Fall back            (renewal failed: keep serving the current token while it has more than a
 *                           minute left, retrying at most once a minute; else the error)
 */
import { needsRenewal, stillServable, type ServedToken } from '../core/metadata-service.js';

export type { ServedToken };

/** Get a token (it may throw; the keeper decides what to do). */
export type AcquireToken = () => Promise<ServedToken>;

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

  const renew = async (): Promise<ServedToken> => {
    try {
      acquisitions++;
      const t = await opts.acquire();
      if (!current || t.access_token !== current.access_token) opts.renewed?.(t);
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

  return {
    token(): Promise<ServedToken> {
      const now = opts.now();
      if (current && stillServable(current.expires_at, now)) {
        if (!needsRenewal(current, now) || now < nextAttempt) return Promise.resolve(current);
      }
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
