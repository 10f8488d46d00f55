/**
 * How the emulated Entra answers: the request and reply shapes every endpoint uses, Entra's common
 * headers (docs/protocol.md §0), JSON errors (§3.1), its own HTML error page, redirects and cookies.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AADSTS, entraError, entraTimestamp, fill } from './aadsts.js';
import * as html from './html.js';
import type { State } from './state.js';

export interface EmuRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The parsed body when Content-Type is application/x-www-form-urlencoded. */
  form?: URLSearchParams;
  traceId: string;
  ip: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

export const ESTS_SERVER = '2.1.11654.16 - EUS ProdSlices';

/** Common headers of Entra's JSON endpoints (docs/protocol.md §0). */
function baseHeaders(traceId: string): Record<string, string | string[]> {
  return {
    'Cache-Control': 'no-store, no-cache',
    Pragma: 'no-cache',
    'Content-Type': 'application/json; charset=utf-8',
    Expires: '-1',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    P3P: 'CP="DSP CUR OTPi IND OTRi ONL FIN"',
    'x-ms-request-id': traceId,
    'x-ms-ests-server': ESTS_SERVER,
    'Set-Cookie': [
      'fpc=emulated; path=/; secure; HttpOnly; SameSite=None',
      'x-ms-gateway-slice=estsfd; path=/; secure; samesite=none; httponly',
      'stsservicecookie=estsfd; path=/; secure; samesite=none; httponly',
    ],
  };
}

export function json(
  status: number,
  body: unknown,
  traceId: string,
  extra: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { ...baseHeaders(traceId), ...extra }, body: JSON.stringify(body) };
}

export function htmlReply(
  status: number,
  body: string,
  traceId: string,
  extra: Record<string, string | string[]> = {},
): Reply {
  return {
    status,
    headers: {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'Content-Type': 'text/html; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *",
      'x-ms-request-id': traceId,
      'x-ms-ests-server': ESTS_SERVER,
      ...extra,
    },
    body,
  };
}

export function redirect(location: string, traceId: string, extra: Record<string, string | string[]> = {}): Reply {
  return {
    status: 302,
    headers: {
      Location: location,
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'x-ms-request-id': traceId,
      ...extra,
    },
    body: '',
  };
}

/** Headers of the discovery and JWKS documents (cacheable, CORS-open). */
export function discoveryHeaders(): Record<string, string> {
  return {
    'Cache-Control': 'max-age=86400, private',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
  };
}

export function cookies(req: EmuRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/**
 * The client's `client-request-id`: MSAL.NET and entra-token send it as a header, MSAL Node as a query parameter of
 * the token URL or a form field (docs/protocol.md §2.9). Entra echoes it as the correlation id.
 */
export function clientRequestIdOf(req: EmuRequest): string | undefined {
  const h = req.headers['client-request-id'];
  if (typeof h === 'string' && h) return h;
  return req.url.searchParams.get('client-request-id') ?? req.form?.get('client-request-id') ?? undefined;
}

/** JSON error (docs/protocol.md §3.1) with this request's trace id and echoed client-request-id. */
export function err(
  s: State,
  req: EmuRequest,
  code: number,
  params: Record<string, string> = {},
  override?: Partial<(typeof AADSTS)[number]>,
): Reply {
  const e = entraError(
    code,
    params,
    { now: s.now(), traceId: req.traceId, correlationId: clientRequestIdOf(req) },
    override,
  );
  return json(e.status, e.body, req.traceId);
}

/** Entra's own error page, for requests whose redirect target cannot be trusted (§1.3). */
export function errorPage(
  s: State,
  req: EmuRequest,
  code: number,
  params: Record<string, string>,
  status = 400,
): Reply {
  const crid = clientRequestIdOf(req);
  return htmlReply(
    status,
    html.errorPage(code, fill(AADSTS[code]!.message, params), {
      traceId: req.traceId,
      correlationId: crid ?? randomUUID(),
      timestamp: entraTimestamp(s.now()),
    }),
    req.traceId,
  );
}

/** Constant-time string comparison (passwords, secrets, PKCE). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
