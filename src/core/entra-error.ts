/**
 * Entra error bodies and error redirects (docs/protocol.md §3) → one `EntraOAuthError` carrying the AADSTS
 * code, `error`, the first sentence of the description, trace and correlation ids, timestamp and a hint.
 * React on `error` and the code, never on the free text.
 */
import { EntraOAuthError, type EntraErrorFields } from './errors.js';
import { aadstsInfo, type HintContext } from './aadsts.js';
import { shellQuote } from './sign-in-hint.js';

const signInAgain = (c: HintContext): string =>
  c.signInCommand ? `sign in again: ${c.signInCommand}` : 'sign in again (entra-token login)';

const INTERACTION_ERRORS = new Set(['interaction_required', 'login_required', 'consent_required']);

/** The AADSTS code: first of `error_codes`, else the `AADSTSnnnn:` prefix of the description. */
export function aadstsCode(fields: EntraErrorFields): number | undefined {
  const first = fields.error_codes?.[0];
  if (typeof first === 'number' && Number.isInteger(first)) return first;
  if (typeof first === 'string' && /^\d+$/.test(first)) return Number(first);
  const m = /AADSTS(\d{4,7})/.exec(fields.error_description ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The description without the AADSTS prefix and without its Trace ID / Correlation ID / Timestamp tail. */
export function summarize(description: string | undefined): string {
  if (!description) return '';
  let s = description.replace(/^AADSTS\d+:\s*/, '');
  const tail = s.search(/\s*(\r?\n)?\s*Trace ID:/);
  if (tail >= 0) s = s.slice(0, tail);
  s = s.replace(/\s+/g, ' ').trim();
  // first sentence: up to the first ". " followed by an upper-case letter
  const m = /^(.*?[.!?])\s+(?=[A-Z\[])/.exec(s);
  return (m ? m[1]! : s).slice(0, 400);
}

/** Pick the well-known fields out of a parsed JSON error body, with their wire types checked. */
export function errorFieldsFromJson(body: Record<string, unknown>): EntraErrorFields | undefined {
  if (typeof body.error !== 'string' || body.error === '') return undefined;
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  const codes = Array.isArray(body.error_codes)
    ? (body.error_codes as unknown[])
        .map((c) => (typeof c === 'number' ? c : Number(c)))
        .filter((c) => Number.isFinite(c))
    : undefined;
  return {
    error: body.error,
    error_description: str('error_description'),
    error_codes: codes,
    timestamp: str('timestamp'),
    trace_id: str('trace_id'),
    correlation_id: str('correlation_id'),
    error_uri: str('error_uri'),
    suberror: str('suberror'),
    claims: str('claims'),
    password_change_url: str('password_change_url'),
  };
}

/**
 * Error redirects carry no trace_id / correlation_id / timestamp parameters; the description has them
 * as `Trace ID: …`, `Correlation ID: …`, `Timestamp: …` (separated by CRLF or a space, §3.1).
 */
export function withIdsFromDescription(fields: EntraErrorFields): EntraErrorFields {
  const d = fields.error_description ?? '';
  const pick = (re: RegExp) => re.exec(d)?.[1];
  return {
    ...fields,
    trace_id: fields.trace_id ?? pick(/Trace ID:\s*([0-9a-fA-F-]{36})/),
    correlation_id: fields.correlation_id ?? pick(/Correlation ID:\s*([0-9a-fA-F-]{36})/),
    timestamp: fields.timestamp ?? pick(/Timestamp:\s*(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?Z)/),
  };
}

/**
 * The ids a support ticket quotes, after the summary: the `client-request-id` we sent (Entra records it as the
 * correlation id, docs/protocol.md §2.9), the server's trace id, its correlation id when it differs from ours,
 * and the timestamp. Empty when there is none, or when the summary already shows them.
 */
function requestIds(fields: EntraErrorFields, summary: string, clientRequestId: string | undefined): string {
  if (fields.trace_id && summary.includes(fields.trace_id)) return '';
  const ids: string[] = [];
  if (clientRequestId) ids.push(`client-request-id ${clientRequestId}`);
  if (fields.trace_id) ids.push(`trace id ${fields.trace_id}`);
  const corr = fields.correlation_id;
  if (clientRequestId ? corr && corr.toLowerCase() !== clientRequestId.toLowerCase() : fields.trace_id)
    ids.push(`correlation id ${corr ?? 'none'}`);
  if (fields.trace_id && fields.timestamp) ids.push(`at ${fields.timestamp}`);
  return ids.length ? ` (${ids.join(', ')})` : '';
}

/**
 * Turn Entra's error fields into an error with a hint.
 * @param where `token` for token/device endpoint bodies, `authorize` for error redirects.
 */
export function toEntraError(
  given: EntraErrorFields,
  where: 'token' | 'authorize',
  ctx: HintContext = {},
  status?: number,
  clientRequestId?: string,
): EntraOAuthError {
  const fields = withIdsFromDescription(given);
  const entra = ctx.provider !== 'oidc';
  // an interaction error may carry a claims challenge (50076, 50079): the sign-in it asks for must replay it
  // (docs/protocol.md §15), so the command the hint prints carries it
  if (fields.claims && ctx.signInCommand && !ctx.signInCommand.includes('--claims'))
    ctx = { ...ctx, signInCommand: `${ctx.signInCommand} --claims ${shellQuote(fields.claims)}` };
  // AADSTS codes and their hints are Entra's alone; another provider's error is shown as it sent it
  const code = entra ? aadstsCode(fields) : undefined;
  const info = entra ? aadstsInfo(code) : undefined;
  let summary = summarize(fields.error_description) || info?.meaning || fields.error;
  summary += requestIds(fields, summary, clientRequestId);
  let hint = info?.hint(ctx);
  if (!hint && fields.error === 'access_denied') hint = 'the sign-in was cancelled or denied; start again';
  if (!hint && (fields.error === 'temporarily_unavailable' || fields.error === 'server_error')) {
    hint = `${entra ? 'Entra' : 'the provider'} is temporarily unavailable; try again in a minute`;
  }
  // RFC 6749 §5.2: invalid_grant on a refresh is an expired, revoked or already-used refresh token
  const deadRefresh = where === 'token' && ctx.grant === 'refresh_token' && fields.error === 'invalid_grant' && !info;
  if (deadRefresh && !hint) {
    hint = `the refresh token is expired, revoked or was already used (a provider that rotates refresh tokens accepts each one once: keep only the newest, as the token cache does); ${signInAgain(ctx)}`;
  }
  if (!hint && fields.error_uri) hint = `see ${fields.error_uri}`;
  const interaction =
    info?.interaction === true ||
    deadRefresh ||
    INTERACTION_ERRORS.has(fields.error) ||
    (fields.suberror !== undefined &&
      ['basic_action', 'additional_action', 'consent_required', 'user_password_expired', 'bad_token'].includes(
        fields.suberror,
      ));
  const errCode = where === 'authorize' ? 'EAUTHORIZE' : interaction ? 'EINTERACTION_REQUIRED' : 'EOAUTH';
  return new EntraOAuthError(errCode, fields, { aadsts: code, summary, status, hint });
}
