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

/** Encode form fields exactly as a browser or curl `--data-urlencode` would. */
export function encodeForm(fields: Array<[string, string]>): string {
  return new URLSearchParams(fields).toString();
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
