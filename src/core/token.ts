/**
 * Token endpoint requests (one builder per grant, docs/protocol.md §2) and the one response processor
 * (§2.7, §2.8, §3). Builders return `WireRequest` values; the processor takes a `WireResponse` value, so
 * validation never depends on how the response was obtained.
 */
import { EntraTokenError, excerpt } from './errors.js';
import { errorFieldsFromJson, toEntraError } from './entra-error.js';
import type { HintContext } from './aadsts.js';
import { formPost, mediaType, type WireRequest, type WireResponse } from './wire.js';
import { anchorForUsername } from './platform.js';
import { lastParsedJson } from './redact.js';

/** How a confidential client proves itself; public clients send nothing (§2). */
export type ClientAuth =
  | { kind: 'none' }
  | { kind: 'secret'; client_secret: string; method?: 'post' | 'basic' }
  | { kind: 'assertion'; client_assertion: string };

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function withClientAuth(
  form: Array<[string, string]>,
  auth: ClientAuth,
  clientId: string,
): { form: Array<[string, string]>; headers: Record<string, string> } {
  if (auth.kind === 'secret') {
    if (auth.method === 'basic') {
      // RFC 6749 §2.3.1: form-urlencode id and secret before base64
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(auth.client_secret)}`).toString(
        'base64',
      );
      return { form, headers: { authorization: `Basic ${basic}` } };
    }
    return { form: [...form, ['client_secret', auth.client_secret]], headers: {} };
  }
  if (auth.kind === 'assertion') {
    return {
      form: [...form, ['client_assertion_type', JWT_BEARER], ['client_assertion', auth.client_assertion]],
      headers: {},
    };
  }
  return { form, headers: {} };
}

function post(
  endpoint: string,
  fields: Array<[string, string]>,
  auth: ClientAuth,
  clientId: string,
  anchor?: string,
): WireRequest {
  const { form, headers } = withClientAuth(fields, auth, clientId);
  return formPost(endpoint, form, anchor ? { ...headers, 'x-anchormailbox': anchor } : headers);
}

/**
 * `client_info=1` on every user grant, as MSAL sends it: Entra then returns the account's home ids
 * (`{uid, utid}`), which key the cached account and make the `X-AnchorMailbox` routing hint (docs/protocol.md §2.9).
 */
const CLIENT_INFO: [string, string] = ['client_info', '1'];

export interface AuthorizationCodeGrant {
  tokenEndpoint: string;
  client_id: string;
  code: string;
  redirect_uri: string;
  scopes: string[];
  code_verifier?: string | undefined;
  /** The documentation's curl sends `state`; it is not an RFC 6749 token parameter and is off by default. */
  state?: string | undefined;
  auth?: ClientAuth;
  /** `X-AnchorMailbox` from the redirect's `client_info` (platform.ts `anchorForHomeAccount`). */
  anchor?: string | undefined;
}

/** `grant_type=authorization_code` (§2.1), fields in the documentation's order, plus code_verifier. */
export function authorizationCodeRequest(g: AuthorizationCodeGrant): WireRequest {
  const f: Array<[string, string]> = [
    ['client_id', g.client_id],
    ['scope', g.scopes.join(' ')],
    ['code', g.code],
    ['redirect_uri', g.redirect_uri],
    ['grant_type', 'authorization_code'],
  ];
  if (g.code_verifier !== undefined) f.push(['code_verifier', g.code_verifier]);
  if (g.state !== undefined) f.push(['state', g.state]);
  f.push(CLIENT_INFO);
  return post(g.tokenEndpoint, f, g.auth ?? { kind: 'none' }, g.client_id, g.anchor);
}

/** `grant_type=refresh_token` (§2.2). No scopes: `scope` is left out, which means the original grant (RFC 6749 §6). */
export function refreshTokenRequest(g: {
  tokenEndpoint: string;
  client_id: string;
  refresh_token: string;
  scopes: string[];
  auth?: ClientAuth;
  /** `X-AnchorMailbox` of the account the refresh token belongs to (platform.ts `anchorForHomeAccount`). */
  anchor?: string | undefined;
}): WireRequest {
  const f: Array<[string, string]> = [
    ['client_id', g.client_id],
    ['grant_type', 'refresh_token'],
    ['refresh_token', g.refresh_token],
  ];
  if (g.scopes.length) f.push(['scope', g.scopes.join(' ')]);
  f.push(CLIENT_INFO);
  return post(g.tokenEndpoint, f, g.auth ?? { kind: 'none' }, g.client_id, g.anchor);
}

/** `grant_type=password` (ROPC, §2.3). */
export function passwordRequest(g: {
  tokenEndpoint: string;
  client_id: string;
  username: string;
  password: string;
  scopes: string[];
  auth?: ClientAuth;
}): WireRequest {
  return post(
    g.tokenEndpoint,
    [
      ['client_id', g.client_id],
      ['grant_type', 'password'],
      ['username', g.username],
      ['password', g.password],
      ['scope', g.scopes.join(' ')],
      CLIENT_INFO,
    ],
    g.auth ?? { kind: 'none' },
    g.client_id,
    anchorForUsername(g.username),
  );
}

/** `grant_type=client_credentials` (§2.4); v1 uses `resource=` (§2.8). */
export function clientCredentialsRequest(g: {
  tokenEndpoint: string;
  client_id: string;
  auth: ClientAuth;
  scope?: string | undefined;
  resource?: string | undefined;
}): WireRequest {
  const f: Array<[string, string]> = [['client_id', g.client_id]];
  if (g.resource !== undefined) f.push(['resource', g.resource]);
  if (g.scope !== undefined) f.push(['scope', g.scope]);
  f.push(['grant_type', 'client_credentials']);
  return post(g.tokenEndpoint, f, g.auth, g.client_id);
}

/** `POST /devicecode` (§4.1). */
export function deviceAuthorizationRequest(g: {
  endpoint: string;
  client_id: string;
  scopes?: string[];
  resource?: string;
}): WireRequest {
  const f: Array<[string, string]> = [['client_id', g.client_id]];
  if (g.scopes) f.push(['scope', g.scopes.join(' ')]);
  if (g.resource) f.push(['resource', g.resource]);
  return formPost(g.endpoint, f);
}

/** Device code polling (§4.2). */
export function deviceCodeTokenRequest(g: {
  tokenEndpoint: string;
  client_id: string;
  device_code: string;
}): WireRequest {
  return formPost(g.tokenEndpoint, [
    ['grant_type', DEVICE_CODE_GRANT],
    ['client_id', g.client_id],
    ['device_code', g.device_code],
    CLIENT_INFO,
  ]);
}

/** A validated token response. Wire names kept; numbers normalized; `expires_on` computed. */
export interface TokenResponse {
  token_type: string;
  access_token: string;
  expires_in: number;
  ext_expires_in?: number | undefined;
  scope?: string | undefined;
  refresh_token?: string | undefined;
  id_token?: string | undefined;
  client_info?: string | undefined;
  refresh_in?: number | undefined;
  /** v1 endpoint only. */
  resource?: string | undefined;
  /** ISO 8601 time the access token expires, computed from `expires_in` and the time of the answer. */
  expires_on: string;
}

/** Parse a JSON body, or throw EBAD_RESPONSE showing status, content type and a sanitized excerpt. */
export function parseJsonBody(
  res: WireResponse,
  what: string,
  provider: 'entra' | 'oidc' = 'entra',
): Record<string, unknown> {
  const type = mediaType(res) || 'no content type';
  const where = provider === 'entra' ? '`authority`' : '`issuer`';
  const fail = (why: string) =>
    new EntraTokenError(
      'EBAD_RESPONSE',
      `${what} answered HTTP ${res.status} (${type}) ${why}: ${excerpt(res.body, 200) || '(empty body)'}`,
      {
        hint: /html/.test(type)
          ? `an HTML page came back instead of JSON: a proxy, captive portal or wrong URL is in the way (check ${where} and HTTPS_PROXY)`
          : provider === 'entra'
            ? 'the server did not answer as Entra does; check `authority`'
            : 'the server did not answer as an OAuth token endpoint does (RFC 6749 §5); check `issuer`',
      },
    );
  if (!/json/.test(type) && !res.body.trimStart().startsWith('{')) throw fail('with a body that is not JSON');
  // a traced answer was parsed a moment ago by the trace's redaction: the same text gives the same value
  let parsed: unknown = lastParsedJson(res.body);
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw fail('with malformed JSON');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw fail('with JSON that is not an object');
  return parsed as Record<string, unknown>;
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim()); // v1 endpoint sends strings
  throw new EntraTokenError(
    'EBAD_RESPONSE',
    `token response field "${field}" is not a number: ${excerpt(JSON.stringify(v), 40)}`,
  );
}

function optStr(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new EntraTokenError('EBAD_RESPONSE', `token response field "${field}" is not a string`);
  return v;
}

/**
 * Validate a token endpoint response. Errors (4xx/5xx with an OAuth body) become EntraOAuthError with
 * hints; anything that is not Entra's shape becomes EBAD_RESPONSE.
 */
export function processTokenResponse(
  res: WireResponse,
  opts: { now: number; hint?: HintContext; what?: string },
): TokenResponse {
  const what = opts.what ?? 'the token endpoint';
  const body = parseJsonBody(res, what, opts.hint?.provider);
  if (res.status !== 200) {
    const fields = errorFieldsFromJson(body);
    if (fields) throw toEntraError(fields, 'token', opts.hint, res.status, res.clientRequestId);
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `${what} answered HTTP ${res.status} without an OAuth error: ${excerpt(res.body, 200)}`,
    );
  }
  if (typeof body.error === 'string') {
    const fields = errorFieldsFromJson(body);
    if (fields) throw toEntraError(fields, 'token', opts.hint, res.status, res.clientRequestId);
    throw new EntraTokenError('EBAD_RESPONSE', `${what} answered HTTP ${res.status} with an empty "error" field`);
  }
  const access_token = optStr(body, 'access_token');
  if (!access_token) throw new EntraTokenError('EBAD_RESPONSE', `${what} answered 200 without "access_token"`);
  const token_type = optStr(body, 'token_type');
  if (!token_type) throw new EntraTokenError('EBAD_RESPONSE', `${what} answered 200 without "token_type"`);
  if (token_type.toLowerCase() !== 'bearer') {
    throw new EntraTokenError('EBAD_RESPONSE', `unexpected token_type "${excerpt(token_type, 40)}" (expected Bearer)`);
  }
  let expires_in = num(body.expires_in, 'expires_in');
  const expires_on_raw = num(body.expires_on, 'expires_on');
  if (expires_in === undefined && expires_on_raw !== undefined)
    expires_in = Math.max(0, expires_on_raw - Math.floor(opts.now / 1000));
  if (expires_in === undefined) throw new EntraTokenError('EBAD_RESPONSE', `${what} answered 200 without "expires_in"`);
  return {
    token_type,
    access_token,
    expires_in,
    ext_expires_in: num(body.ext_expires_in, 'ext_expires_in'),
    scope: optStr(body, 'scope'),
    refresh_token: optStr(body, 'refresh_token'),
    id_token: optStr(body, 'id_token'),
    client_info: optStr(body, 'client_info'),
    refresh_in: num(body.refresh_in, 'refresh_in'),
    resource: optStr(body, 'resource'),
    expires_on: new Date(opts.now + expires_in * 1000).toISOString(),
  };
}
