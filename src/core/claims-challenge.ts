/**
 * Claims challenges (Continuous Access Evaluation, step-up MFA): a resource answers 401 with
 * `WWW-Authenticate: Bearer … error="insufficient_claims", claims="<base64 JSON>"`, and the client asks
 * for a new token with that `claims` request parameter (OpenID Connect Core §5.5). A client that declares
 * the `CP1` capability (`xms_cc`) gets long-lived CAE tokens and must handle such challenges.
 * Pure: header text in, values out.
 * @see docs/protocol.md §15
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3
 */
import { EntraTokenError, badInput, usageError } from './errors.js';
import { shellQuote } from './sign-in-hint.js';
import type { WireRequest, WireResponse } from './wire.js';

export interface AuthChallenge {
  /** Lower-cased auth scheme, e.g. `bearer`. */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

/** Parse a `WWW-Authenticate` value into challenges (RFC 9110 §11.6.1 grammar, quoted strings honoured). */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    while (i < n && /[\s,]/.test(header[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipWs();
    if (i >= n) break;
    const start = i;
    const name = token();
    if (!name) {
      i++; // a stray character: skip it rather than loop
      continue;
    }
    let j = i;
    while (j < n && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      // auth-param of the current challenge
      i = j + 1;
      while (i < n && header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < n && header[i] !== ',') i++;
        value = header.slice(vs, i).trim();
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    if (header[j] === '=' && !current) {
      // token68 or params without a scheme: not a challenge we understand
      i = j + 1;
      continue;
    }
    current = { scheme: header.slice(start, i).toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

export interface ClaimsChallenge {
  /** The claims request as JSON text (decoded from base64 when it came encoded). */
  claims: string;
  /** `error` of the challenge, e.g. `insufficient_claims`. */
  error: string;
  /** Where the resource says tokens come from, when it says. */
  authorizationUri?: string;
}

/** The claims challenge in a 401's `WWW-Authenticate`, or undefined when it holds none. */
export function claimsChallengeFrom(header: string | undefined): ClaimsChallenge | undefined {
  if (!header) return undefined;
  for (const c of parseWwwAuthenticate(header)) {
    if (c.scheme !== 'bearer') continue;
    const raw = c.params.claims;
    if (!raw || c.params.error !== 'insufficient_claims') continue;
    return {
      claims: decodeClaims(raw),
      error: c.params.error,
      ...(c.params.authorization_uri ? { authorizationUri: c.params.authorization_uri } : {}),
    };
  }
  return undefined;
}

/** A claims value as JSON text: given as JSON, or base64/base64url of JSON (as challenges carry it). */
export function decodeClaims(raw: string): string {
  const t = raw.trim();
  if (/^[{["]|^(null|true|false)$/.test(t)) return validClaims(t); // JSON (base64 never starts so)
  let text: string;
  try {
    text = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  } catch {
    throw badInput('the claims challenge is neither JSON nor base64 of JSON');
  }
  return validClaims(text);
}

function validClaims(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badInput('the claims request is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badInput('the claims request must be a JSON object, e.g. {"access_token":{"acrs":{"essential":true}}}');
  return JSON.stringify(parsed);
}

/** Client capabilities the tool can declare. CP1: "this client handles claims challenges" (CAE). */
export const KNOWN_CAPABILITIES = ['CP1'] as const;

/** Parse `--client-capabilities cp1[,…]` into the upper-case list Entra expects. */
export function parseCapabilities(raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((c) => c.toUpperCase());
  for (const c of list)
    if (!(KNOWN_CAPABILITIES as readonly string[]).includes(c))
      throw usageError(`unknown client capability "${c}" (known: ${KNOWN_CAPABILITIES.join(', ')})`);
  return [...new Set(list)];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(out[k]) && isObject(v) ? deepMerge(out[k], v) : v;
  return out;
}

/**
 * The `claims` parameter to send: the challenge's claims (or `--claims`) merged with the declared
 * capabilities as `access_token.xms_cc.values`; undefined when there is nothing to send.
 */
export function mergeClaims(claims: string | undefined, capabilities: string[] = []): string | undefined {
  let merged: Record<string, unknown> = claims ? (JSON.parse(validClaims(claims)) as Record<string, unknown>) : {};
  if (capabilities.length) merged = deepMerge(merged, { access_token: { xms_cc: { values: capabilities } } });
  return Object.keys(merged).length ? JSON.stringify(merged) : undefined;
}

/**
 * A token request with the `claims` parameter added (or replaced): MSAL sends it on every grant, after the
 * grant's own fields. No claims, no change.
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge#claims-request
 */
export function withClaims(req: WireRequest, claims: string | undefined): WireRequest {
  if (claims === undefined || !req.form) return req;
  return { ...req, form: [...req.form.filter(([k]) => k !== 'claims'), ['claims', claims]] };
}

/** Parse a `--claims` value (JSON, or base64 of JSON as a challenge carries it) as a usage error when bad. */
export function parseClaimsOption(raw: string | undefined, flag = '--claims'): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeClaims(raw);
  } catch (e) {
    throw usageError(
      `${flag}: ${(e as Error).message}`,
      `give a JSON object (e.g. ${flag} '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}') or the base64 value of a challenge`,
    );
  }
}

/**
 * The claims challenge in a resource's refusal: a 401 (or 403) whose `WWW-Authenticate` is
 * `Bearer … error="insufficient_claims", claims="…"`; undefined for any other answer or an unreadable claims value.
 */
export function challengeOfResponse(res: WireResponse): ClaimsChallenge | undefined {
  if (res.status !== 401 && res.status !== 403) return undefined;
  try {
    return claimsChallengeFrom(res.headers['www-authenticate']);
  } catch {
    return undefined; // claims that are not JSON: the refusal is reported as it is
  }
}

/** The error detail and hint for a refusal that carries a claims challenge (apis/graph.ts, apis/databricks.ts). */
export function challengeDetail(c: ClaimsChallenge): { hint: string; detail: { claims_challenge: string } } {
  return {
    hint: `the resource asks for a new token carrying claims (Continuous Access Evaluation or Conditional Access): get one with --claims ${shellQuote(c.claims)}`,
    detail: { claims_challenge: c.claims },
  };
}

/** The claims challenge an API error carries (see {@link challengeDetail}), or undefined. */
export function challengeOfError(e: unknown): string | undefined {
  if (!(e instanceof EntraTokenError)) return undefined;
  const c = e.detail?.claims_challenge;
  return typeof c === 'string' ? c : undefined;
}
