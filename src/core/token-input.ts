/** A token given on stdin: the raw token, or a token response (JSON) carrying it in `field`. */
import { badInput } from './errors.js';

const LABEL: Record<'access_token' | 'refresh_token', string> = {
  access_token: 'access token',
  refresh_token: 'refresh token',
};

/**
 * Accept what users pipe in: a bare token, or the JSON that a token endpoint (or `-o json`) printed.
 * Throws EBAD_INPUT naming what is wrong: not JSON, no such field, empty, or whitespace inside.
 */
export function tokenFromInput(text: string, field: 'access_token' | 'refresh_token', hintNoField?: string): string {
  const t = text.trim();
  if (t.startsWith('{')) {
    let j: unknown;
    try {
      j = JSON.parse(t);
    } catch {
      throw badInput(
        'standard input starts with { but is not valid JSON',
        `give the raw ${LABEL[field]}, or a whole token response`,
      );
    }
    const v = (j as Record<string, unknown> | null)?.[field];
    if (typeof v !== 'string' || !v.trim())
      throw badInput(
        `the JSON on standard input has no "${field}"`,
        hintNoField ?? `give the raw ${LABEL[field]}, or a whole token response`,
      );
    return v.trim();
  }
  if (!t) throw badInput(`standard input is empty: no ${LABEL[field]} was given`);
  if (/\s/.test(t))
    throw badInput(
      `the ${LABEL[field]} on standard input contains whitespace`,
      `give the raw ${LABEL[field]}, or a whole token response (JSON)`,
    );
  return t;
}
