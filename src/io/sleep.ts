/** The one timer the client waits on (retries, device-code polling, cache locks), cancellable by a signal. */
import { EntraTokenError } from '../core/errors.js';

/**
 * Resolve after `ms`; reject with `cancelled()` (default: ECANCELLED "cancelled") if `signal` aborts first.
 * The abort listener is removed once the timer fires, so a long-lived signal does not collect listeners.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  cancelled: () => Error = () => new EntraTokenError('ECANCELLED', 'cancelled'),
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
