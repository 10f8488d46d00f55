/** The global `--http-timeout` (and ENTRA_TOKEN_TIMEOUT): checked before any command runs, used by every request. */
import { usageError } from '../core/errors.js';

/** `--http-timeout` / ENTRA_TOKEN_TIMEOUT in milliseconds, validated (1 to 3600 seconds). */
export function httpTimeoutMs(flag: string | undefined, env: Record<string, string | undefined>): number | undefined {
  const [raw, what] = flag !== undefined ? [flag, '--http-timeout'] : [env.ENTRA_TOKEN_TIMEOUT, 'ENTRA_TOKEN_TIMEOUT'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || n <= 0 || n > 3600)
    throw usageError(`${what} must be a number of seconds between 1 and 3600 (got ${JSON.stringify(raw)})`);
  return Math.round(n * 1000);
}
