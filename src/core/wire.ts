/**
 * Requests and responses as values. Core builds `WireRequest`s and validates `WireResponse`s;
 * only `io/http.ts` turns them into packets. Wire field names keep their RFC spelling.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface WireRequest {
  method: HttpMethod;
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** `application/x-www-form-urlencoded` fields, in the order they are sent. */
  form?: Array<[string, string]>;
  /** A raw body (JSON for Databricks calls). Mutually exclusive with `form`. */
  body?: string;
  /** Whether the request may be re-sent when the outcome is unknown (GETs, never token POSTs). */
  idempotent: boolean;
}

export interface WireResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The `client-request-id` the request was sent with (set by the HTTP client; docs/protocol.md §2.9). */
  clientRequestId?: string | undefined;
}

/**
 * Encode form fields exactly as a browser or curl `--data-urlencode` would: the WHATWG
 * `application/x-www-form-urlencoded` serializer, which is `encodeURIComponent` with `!'()~` escaped too and
 * `%20` written `+` (https://url.spec.whatwg.org/#concept-urlencoded-serializer); lone surrogates become
 * U+FFFD first, as `URLSearchParams` makes them. Native escaping instead of `URLSearchParams`' character loop.
 */
export function encodeForm(fields: Array<[string, string]>): string {
  let out = '';
  for (const [k, v] of fields) out += `${out ? '&' : ''}${formComponent(k)}=${formComponent(v)}`;
  return out;
}

const PLAIN_COMPONENT = /^[A-Za-z0-9*._-]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function formComponent(text: string): string {
  if (PLAIN_COMPONENT.test(text)) return text;
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The body text a request will carry, or undefined for none. */
export function requestBody(req: WireRequest): string | undefined {
  if (req.form) return encodeForm(req.form);
  return req.body;
}

/** Build a form POST request value. */
export function formPost(
  url: string,
  form: Array<[string, string]>,
  headers: Record<string, string> = {},
): WireRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    form,
    idempotent: false,
  };
}

/** The media type of a response, lower-cased, without parameters. */
export function mediaType(res: WireResponse): string {
  return (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
