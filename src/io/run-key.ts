/**
 * The run's redaction-mark key: 32 random bytes, held in memory only, so the marks in a trace
 * (`…[7 chars hmac:1a2b3c4d]`) show which values are equal within the run but cannot be used to test a
 * guessed password offline. Importing this module sets it once per process.
 */
import { randomBytes } from 'node:crypto';
import { setMarkKey } from '../core/redact.js';

let installed = false;

/**
 * Give core/redact a fresh random key: once per process, or again with `fresh` (each CLI run). The bytes are
 * drawn on the first mark, so a command that redacts nothing never loads node:crypto for them.
 */
export function installRunKey(fresh = false): void {
  if (installed && !fresh) return;
  installed = true;
  setMarkKey(() => randomBytes(32));
}

installRunKey();
