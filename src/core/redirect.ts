/**
 * Parse what the user pastes after signing in: the whole redirect URL
 * (`http://localhost/?code=…&state=…&session_state=…`), just its query, a fragment, or a form_post body.
 * Terminals add whitespace, quotes and angle brackets; those are trimmed. Anything else malformed is a
 * one-line EBAD_INPUT error naming what is wrong.
 */
import { EntraTokenError, badInput, excerpt, type EntraErrorFields } from './errors.js';

export const MAX_PASTE_BYTES = 64 * 1024;

export interface RedirectSuccess {
  kind: 'success';
  code: string;
  state: string | undefined;
  session_state: string | undefined;
  client_info: string | undefined;
  /** Every parameter as received. */
  params: Record<string, string>;
}

export interface RedirectError {
  kind: 'error';
  state: string | undefined;
  error: EntraErrorFields;
  params: Record<string, string>;
}

export type RedirectResult = RedirectSuccess | RedirectError;

/** Characters an authorization code can contain (Entra codes: base64url plus `.`, `-`, `_`, `~`, `*`). */
const CODE_CHARS = /^[A-Za-z0-9._~*\-+/=!$]+$/;

/** Strip what terminals and chat tools wrap around a pasted URL. */
export function trimPaste(raw: string): string {
  let s = raw.trim();
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s
      .replace(/^["'`<(\[]+/, '')
      .replace(/["'`>)\].,;]+$/, '')
      .trim();
    if (s === before) break;
  }
  return s;
}

/** Parse a pasted redirect. Throws EBAD_INPUT for anything that is not one. */
export function parseRedirect(raw: string): RedirectResult {
  if (Buffer.byteLength(raw, 'utf8') > MAX_PASTE_BYTES) {
    throw badInput(
      `the pasted text is ${Buffer.byteLength(raw, 'utf8')} bytes; a redirect URL is at most ${MAX_PASTE_BYTES}`,
    );
  }
  const text = trimPaste(raw);
  if (text === '')
    throw badInput(
      'nothing was pasted',
      'paste the whole address from the browser, e.g. http://localhost/?code=…&state=…',
    );
  if (/\s/.test(text)) {
    throw badInput("the pasted text contains spaces or line breaks inside it; paste the address bar's URL on one line");
  }
  let paramString: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badInput(`the pasted text is not a valid URL: ${excerpt(text, 80)}`);
    }
    // query (response_mode=query) or fragment (response_mode=fragment)
    paramString = url.search.length > 1 ? url.search.slice(1) : url.hash.length > 1 ? url.hash.slice(1) : '';
    if (!paramString) {
      throw badInput(
        `the pasted URL has no query: ${excerpt(`${url.origin}${url.pathname}`, 80)}`,
        'copy the address bar after the sign-in finished; it ends with ?code=…&state=…',
      );
    }
  } else {
    paramString = text.replace(/^[?#]/, '');
  }
  if (!paramString.includes('=') && /^[A-Za-z0-9._-]{20,}$/.test(text)) {
    // a bare code is a secret: named by its length only, never echoed
    throw badInput(
      `the pasted text looks like a bare authorization code (${text.length} characters), not a redirect URL`,
      'pipe it to --code - --state STATE (the state is the &state=… of the redirect), or pipe the whole address: http://localhost/?code=…&state=…',
    );
  }
  if (!paramString.includes('=')) {
    throw badInput(
      `the pasted text is neither a redirect URL nor a query string: ${excerpt(text, 60)}`,
      'paste the whole address, e.g. http://localhost/?code=…&state=…',
    );
  }
  const params: Record<string, string> = {};
  for (const part of paramString.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (k in params) throw badInput(`the parameter '${excerpt(k, 40)}' appears twice in the pasted redirect`);
    params[k] = v;
  }
  const state = params.state;
  if (params.error !== undefined) {
    return {
      kind: 'error',
      state,
      params,
      error: {
        error: params.error,
        error_description: params.error_description,
        error_uri: params.error_uri,
        suberror: params.suberror,
        trace_id: params.trace_id,
        correlation_id: params.correlation_id,
        timestamp: params.timestamp,
        error_codes: undefined,
      },
    };
  }
  const code = params.code;
  if (code === undefined) {
    throw badInput(
      `the pasted redirect has neither 'code' nor 'error' (it has: ${Object.keys(params).slice(0, 8).join(', ') || 'nothing'})`,
      'copy the address bar after the sign-in finished; it ends with ?code=…&state=…',
    );
  }
  assertCode(code);
  return { kind: 'success', code, state, session_state: params.session_state, client_info: params.client_info, params };
}

/** Refuse a code that cannot be an authorization code (empty, control or non-ASCII characters). */
export function assertCode(code: string): void {
  if (code === '') throw badInput("the 'code' parameter is empty");
  if (!CODE_CHARS.test(code)) {
    throw badInput(
      "the 'code' parameter contains characters an authorization code never has (spaces, quotes or non-ASCII); it was mangled while copying",
      'copy the whole address bar again',
    );
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw badInput(`the pasted redirect has a malformed percent-encoding near ${JSON.stringify(excerpt(s, 30))}`);
  }
}

/** Compare the callback's state with the expected one; constant-time is not needed (state is public). */
export function checkState(received: string | undefined, expected: string): void {
  if (received === undefined) {
    throw new EntraTokenError('ESTATE_MISMATCH', `the redirect carries no state; expected state ${expected}`, {
      hint: 'paste the whole redirect URL (with &state=…), or pass `skipStateCheck` if you really only have the code',
    });
  }
  if (received !== expected) {
    throw new EntraTokenError('ESTATE_MISMATCH', `state mismatch: expected ${expected}, got ${excerpt(received, 80)}`, {
      hint: 'the redirect belongs to another sign-in (a stale tab or a second sign-in); start again with the newest URL',
      detail: { expected, actual: received },
    });
  }
}

/**
 * RFC 9207 §2.4: when the authorization response carries `iss`, it must be the issuer the sign-in
 * was started with (else a mix-up: the code would go to the wrong token endpoint); when the provider
 * advertises `authorization_response_iss_parameter_supported`, a response without `iss` is refused too.
 * `issuer` undefined (an Entra multi-tenant authority) leaves a received `iss` unchecked.
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function checkAuthorizationResponseIssuer(
  received: string | undefined,
  expected: { issuer: string | undefined; required: boolean },
): void {
  if (received === undefined) {
    if (expected.required) {
      throw new EntraTokenError(
        'ECLAIM',
        `the authorization response has no "iss" parameter, which the provider promises (authorization_response_iss_parameter_supported); expected ${expected.issuer ?? 'its issuer'}`,
        {
          hint: 'the redirect did not come from the provider as it is, or was cut short: start the sign-in again and paste the whole address',
          detail: { parameter: 'iss', expected: expected.issuer ?? null, actual: null },
        },
      );
    }
    return;
  }
  if (expected.issuer !== undefined && received !== expected.issuer) {
    throw new EntraTokenError(
      'ECLAIM',
      `unexpected authorization response "iss" parameter value: expected ${JSON.stringify(expected.issuer)}, got ${JSON.stringify(excerpt(received, 200))} (RFC 9207); nothing was sent to the token endpoint`,
      {
        hint: 'the response was issued by another provider or altered on the way (a mix-up attack); start the sign-in again',
        detail: { parameter: 'iss', expected: expected.issuer, actual: received },
      },
    );
  }
}
