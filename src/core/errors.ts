/**
 * One error type for everything the tool refuses or fails at, with a stable `code` and a documented
 * exit code. OAuth error bodies from Entra get their own subclass ({@link EntraOAuthError}).
 * Messages are one line; a hint, when there is one, says what to do next.
 */

/** Stable error codes. Each maps to exactly one exit code in {@link EXIT_CODES}. */
export type ErrorCode =
  | 'EUSAGE' // bad command-line usage or option value
  | 'EBAD_INPUT' // malformed input: a pasted redirect, a JWT, a file
  | 'ESTATE_MISMATCH' // callback state differs from the pending authorization
  | 'ESTATE_UNKNOWN' // no pending authorization for this state
  | 'ESTATE_EXPIRED' // pending authorization older than its lifetime
  | 'EAUTHORIZE' // the authorize endpoint redirected back with error=...
  | 'EOAUTH' // the token (or device) endpoint answered with an OAuth error body
  | 'EINTERACTION_REQUIRED' // no usable token or refresh token: sign in again
  | 'ENETWORK' // could not connect / connection reset before an answer
  | 'ETIMEOUT' // the server did not answer in time
  | 'EOUTCOME_UNKNOWN' // a non-idempotent request was sent and no answer came back
  | 'EBAD_RESPONSE' // an answer that is not what the protocol says (HTML, bad JSON, missing fields)
  | 'ECLAIM' // a token claim check failed (nonce, aud, iss, tid, exp)
  | 'ESIGNATURE' // JWT signature or key lookup failed
  | 'EINSECURE' // refused for security: plain http to a non-loopback host, etc.
  | 'EAPI' // Databricks or Graph refused the call
  | 'ECACHE' // the cache or state directory is unusable (permissions, lock)
  | 'ECANCELLED' // the user cancelled (Ctrl-C)
  | 'EFINDINGS' // `audit --fail-on`: the capture has findings at or above the threshold
  | 'EINTERNAL'; // a bug: please report

/** Exit codes, documented in the README. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  EUSAGE: 2,
  EBAD_INPUT: 2,
  ESTATE_MISMATCH: 3,
  ESTATE_UNKNOWN: 3,
  ESTATE_EXPIRED: 3,
  EAUTHORIZE: 4,
  EOAUTH: 4,
  EINTERACTION_REQUIRED: 5,
  ENETWORK: 6,
  ETIMEOUT: 6,
  EOUTCOME_UNKNOWN: 6,
  EBAD_RESPONSE: 6,
  ECLAIM: 7,
  ESIGNATURE: 7,
  EINSECURE: 8,
  EAPI: 9,
  ECACHE: 10,
  ECANCELLED: 130,
  EFINDINGS: 11,
  EINTERNAL: 1,
};

export interface ErrorOptions {
  /** What to do about it, in one sentence (may contain a command). */
  hint?: string;
  /** Structured detail, e.g. `{ claim: 'nonce', expected, actual }`. */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

/** Base error of entra-token: `code` is switchable, `message` is one line. */
export class EntraTokenError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EntraTokenError';
    this.code = code;
    this.hint = options.hint;
    this.detail = options.detail;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** Fields of an Entra error, whether it came in a JSON body or on a redirect. */
export interface EntraErrorFields {
  error: string;
  error_description?: string | undefined;
  error_codes?: number[] | undefined;
  timestamp?: string | undefined;
  trace_id?: string | undefined;
  correlation_id?: string | undefined;
  error_uri?: string | undefined;
  suberror?: string | undefined;
  claims?: string | undefined;
  password_change_url?: string | undefined;
}

/** An OAuth error answered by Entra (token endpoint body or authorize redirect). */
export class EntraOAuthError extends EntraTokenError {
  /** The OAuth `error` value, e.g. `invalid_grant`. */
  readonly error: string;
  /** The primary AADSTS code, e.g. 54005, when Entra gave one. */
  readonly aadsts: number | undefined;
  /** The description's first sentence, without the AADSTS prefix and the trace lines. */
  readonly summary: string;
  readonly status: number | undefined;
  readonly body: EntraErrorFields;

  constructor(
    code: 'EOAUTH' | 'EAUTHORIZE' | 'EINTERACTION_REQUIRED',
    body: EntraErrorFields,
    info: { aadsts: number | undefined; summary: string; status?: number | undefined; hint?: string | undefined },
  ) {
    const prefix = info.aadsts === undefined ? body.error : `${body.error} AADSTS${info.aadsts}`;
    super(code, `${prefix}: ${info.summary}`, { hint: info.hint, detail: { ...body } });
    this.name = 'EntraOAuthError';
    this.error = body.error;
    this.aadsts = info.aadsts;
    this.summary = info.summary;
    this.status = info.status;
    this.body = body;
  }

  get traceId(): string | undefined {
    return this.body.trace_id;
  }
  get correlationId(): string | undefined {
    return this.body.correlation_id;
  }
  get timestamp(): string | undefined {
    return this.body.timestamp;
  }
}

/** A caller mistake (library misuse or bad option): code EUSAGE. */
export function usageError(message: string, hint?: string): EntraTokenError {
  return new EntraTokenError('EUSAGE', message, hint === undefined ? {} : { hint });
}

/** Malformed outside input: code EBAD_INPUT. */
export function badInput(message: string, hint?: string): EntraTokenError {
  return new EntraTokenError('EBAD_INPUT', message, hint === undefined ? {} : { hint });
}

/** Collapse whitespace and control characters so a message always prints as one line. */
export function oneLine(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** Shorten outside text for an error message: one line, at most `max` characters. */
export function excerpt(text: string, max = 200): string {
  const flat = oneLine(text);
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
