/**
 * The device authorization grant (RFC 8628; docs/protocol.md §4): validation of the `/devicecode` answer and the
 * classification of each poll answer. Pure: responses come in as values.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 */
import type { HintContext } from './aadsts.js';
import { errorFieldsFromJson, toEntraError } from './entra-error.js';
import { EntraOAuthError, EntraTokenError, excerpt } from './errors.js';
import { parseJsonBody, processTokenResponse, type TokenResponse } from './token.js';
import type { WireResponse } from './wire.js';

export interface DeviceAuthorization {
  user_code: string;
  device_code: string;
  /** `verification_uri` (v2) or `verification_url` (v1). */
  verification_uri: string;
  expires_in: number;
  interval: number;
  /** Entra's own instructions; built from the URI and code when absent. */
  message: string;
  /** ms since the epoch after which polling stops. */
  expires_at: number;
}

/** RFC 8628 §3.5 default when `interval` is absent. */
export const DEFAULT_INTERVAL_S = 5;
/** Added to the interval on `slow_down` (RFC 8628 §3.5). */
export const SLOW_DOWN_S = 5;

function intField(body: Record<string, unknown>, name: string, fallback?: number): number {
  const v = body[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new EntraTokenError('EBAD_RESPONSE', `the device authorization answer has no "${name}"`);
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim()); // v1 sends strings
  throw new EntraTokenError(
    'EBAD_RESPONSE',
    `device authorization field "${name}" is not a whole number: ${excerpt(JSON.stringify(v), 40)}`,
  );
}

function strField(body: Record<string, unknown>, ...names: string[]): string {
  for (const n of names) {
    const v = body[n];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  throw new EntraTokenError('EBAD_RESPONSE', `the device authorization answer has no "${names[0]}"`);
}

/** Validate the `/devicecode` answer (errors become EntraOAuthError with hints). */
export function processDeviceAuthorizationResponse(
  res: WireResponse,
  opts: { now: number; hint?: HintContext },
): DeviceAuthorization {
  const body = parseJsonBody(res, 'the device code endpoint');
  if (res.status !== 200 || typeof body.error === 'string') {
    const fields = errorFieldsFromJson(body);
    if (fields) throw toEntraError(fields, 'token', opts.hint, res.status, res.clientRequestId);
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `the device code endpoint answered HTTP ${res.status} without an OAuth error: ${excerpt(res.body, 200)}`,
    );
  }
  const user_code = strField(body, 'user_code');
  const device_code = strField(body, 'device_code');
  const verification_uri = strField(body, 'verification_uri', 'verification_url');
  const expires_in = intField(body, 'expires_in');
  const interval = Math.max(1, intField(body, 'interval', DEFAULT_INTERVAL_S));
  const message =
    typeof body.message === 'string' && body.message.trim()
      ? body.message
      : `To sign in, use a web browser to open the page ${verification_uri} and enter the code ${user_code} to authenticate.`;
  return {
    user_code,
    device_code,
    verification_uri,
    expires_in,
    interval,
    message,
    expires_at: opts.now + expires_in * 1000,
  };
}

export type DevicePoll = { kind: 'tokens'; tokens: TokenResponse } | { kind: 'pending' } | { kind: 'slow_down' };

/**
 * Classify one poll answer (§4.2): tokens, keep polling (`authorization_pending`), poll slower
 * (`slow_down`), or an error: `authorization_declined` (EOAUTH), `expired_token`/`code_expired`
 * (EINTERACTION_REQUIRED), `bad_verification_code` (EOAUTH), anything else as Entra said it.
 */
export function processDevicePollResponse(res: WireResponse, opts: { now: number; hint?: HintContext }): DevicePoll {
  try {
    return { kind: 'tokens', tokens: processTokenResponse(res, { now: opts.now, hint: opts.hint }) };
  } catch (e) {
    if (!(e instanceof EntraOAuthError)) throw e;
    const restart = 'start a new device code sign-in: entra-token device-code';
    switch (e.error) {
      case 'authorization_pending':
        return { kind: 'pending' };
      case 'slow_down':
        return { kind: 'slow_down' };
      case 'authorization_declined':
        throw new EntraOAuthError('EOAUTH', e.body, {
          aadsts: e.aadsts,
          summary: `the sign-in was declined on the device login page (${e.summary})`,
          status: e.status,
          hint: `if that was a mistake, ${restart}`,
        });
      case 'expired_token':
      case 'code_expired':
        throw new EntraOAuthError('EINTERACTION_REQUIRED', e.body, {
          aadsts: e.aadsts,
          summary: `the device code expired before the sign-in finished (${e.summary})`,
          status: e.status,
          hint: restart,
        });
      case 'bad_verification_code':
        throw new EntraOAuthError('EOAUTH', e.body, {
          aadsts: e.aadsts,
          summary: `Entra does not know this device code (${e.summary})`,
          status: e.status,
          hint: `the device_code was changed or belongs to another client; ${restart}`,
        });
      default:
        throw e;
    }
  }
}
