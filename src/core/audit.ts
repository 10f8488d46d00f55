/**
 * The audited form of a trace: every event redacted by one function (`Redactor.redact`, or
 * `redactTrace` for a whole run) and annotated with what can be derived from the raw values before
 * they are hidden — decoded JWTs, code_challenge = BASE64URL(SHA256(code_verifier)), expiry times,
 * AADSTS meanings. Every sink (text, JSON lines, HAR, diagram) renders these events and nothing else.
 * The event shape is the trace's (io/trace.ts) plus `tokens` and `notes`, so redacting an audited
 * event again is allowed and changes nothing.
 *
 * Why one file over 500 lines: the Redactor is one pass over an event, and every annotation it adds needs the
 * raw value it is about to hide; split, the raw values would have to travel between modules.
 */
import { createHash } from 'node:crypto';
import { aadstsInfo } from './aadsts.js';
import { audienceName, tokenVersion } from './claims.js';
import { aadstsCode, errorFieldsFromJson } from './entra-error.js';
import { decodeJwtShared } from './jwt.js';
import { MAX_JSON_DEPTH } from './json-limits.js';
import {
  isDistinctiveSecret,
  isPiiName,
  isRedacted,
  MARK_IN_TEXT,
  isSecretHeader,
  isSecretName,
  maskPiiText,
  parseJsonShared,
  redactBody,
  redactHeader,
  redactPiiHeader,
  redactPiiPath,
  redactJson,
  redactParams,
  redactPii,
  redactSecret,
  redactText,
  redactUrl,
  TOO_DEEP,
  KnownSecrets,
} from './redact.js';

export interface AuditRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  form?: Array<[string, string]>;
  body?: string;
  idempotent?: boolean;
}

export interface AuditResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A JWT seen on the wire, decoded without verification. */
export interface DecodedToken {
  /** Where it was: `access_token`, `id_token`, `authorization`, `client_assertion`. */
  field: string;
  where: 'request' | 'response' | 'redirect';
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export type AuditEvent =
  | { type: 'step'; at: number; name: string }
  | { type: 'note'; at: number; text: string }
  | {
      type: 'exchange';
      at: number;
      channel: 'back';
      request: AuditRequest;
      response?: AuditResponse | undefined;
      error?: { code: string; message: string } | undefined;
      durationMs: number;
      attempt: number;
      tokens?: DecodedToken[];
      notes?: string[];
    }
  | {
      type: 'front';
      at: number;
      direction: 'open' | 'receive';
      url: string;
      via: string;
      tokens?: DecodedToken[];
      notes?: string[];
    };

export interface AuditOptions {
  /** --trace-secrets: keep secret values (PII masking still applies with `pii`). */
  reveal?: boolean | undefined;
  /** --redact-pii: mask names, UPNs/emails and IP addresses too. */
  pii?: boolean | undefined;
}

const TOKEN_FIELDS = ['access_token', 'id_token', 'client_assertion'];
const HAS_MARK = MARK_IN_TEXT;

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function tryDecode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  if (isRedacted(token) || !token.startsWith('eyJ')) return undefined;
  try {
    const d = decodeJwtShared(token);
    return { header: d.header, claims: d.claims };
  } catch {
    return undefined;
  }
}

function iso(ms: number): string {
  // toISOString always ends in `.sssZ`: the milliseconds are cut
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, -5)}Z` : 'an impossible time';
}

function parseJson(body: string): Record<string, unknown> | undefined {
  if (!/^\s*\{/.test(body)) return undefined;
  const v = parseJsonShared(body);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The last URL read by {@link queryOf} and its parameters: one event's URL is read three times (secrets, tokens, notes). */
let lastQuery: { url: string; params: URLSearchParams } | undefined;

/** The parameters of a URL's query and fragment; shared with the next call for the same URL, so never changed. */
function queryOf(url: string): URLSearchParams {
  if (lastQuery?.url === url) return lastQuery.params;
  const params = parseQuery(url);
  lastQuery = { url, params };
  return params;
}

function parseQuery(url: string): URLSearchParams {
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  // a URL with neither (a token endpoint) has no parameters
  if (q < 0 && h < 0) return new URLSearchParams();
  const query = q >= 0 ? url.slice(q + 1, h > q ? h : undefined) : '';
  const frag = h >= 0 ? url.slice(h + 1) : '';
  return new URLSearchParams(`${query}${query && frag.includes('=') ? '&' : ''}${frag.includes('=') ? frag : ''}`);
}

/** One line on what matters in a token: what it is for, who issued it, what it allows, until when. */
export function tokenSummary(t: DecodedToken, pii: boolean): string {
  const c = t.claims;
  const parts: string[] = [];
  const v = tokenVersion(c);
  const aud = Array.isArray(c.aud) ? c.aud.join(',') : String(c.aud ?? '?');
  const name = audienceName(c.aud);
  parts.push(`aud ${aud}${name ? ` (${name})` : ''}`);
  if (c.tid) parts.push(`tid ${String(c.tid)}`);
  if (c.scp) parts.push(`scp "${String(c.scp)}"`);
  if (Array.isArray(c.roles)) parts.push(`roles ${c.roles.join(',')}`);
  if (c.appid ?? c.azp) parts.push(`client ${String(c.appid ?? c.azp)}`);
  if (c.idtyp) parts.push(`idtyp ${String(c.idtyp)}`);
  const who = c.upn ?? c.preferred_username ?? c.unique_name;
  if (typeof who === 'string') parts.push(`user ${pii ? redactPii(who) : who}`);
  if (typeof c.exp === 'number') {
    const life = typeof c.iat === 'number' ? ` (${Math.round((c.exp - c.iat) / 60)} min after iat)` : '';
    parts.push(`exp ${iso(c.exp * 1000)}${life}`);
  }
  if (t.field === 'id_token' && c.nonce !== undefined) parts.push('nonce present');
  const kind = t.field === 'authorization' ? 'bearer token sent' : t.field;
  return `${kind}${v ? ` (v${v}.0 token, ${String(t.header.alg ?? '?')})` : ''}: ${parts.join('; ')}`;
}

const GRANTS: Record<string, string> = {
  authorization_code: 'redeem the authorization code (RFC 6749 §4.1.3)',
  refresh_token: 'redeem a refresh token for new tokens (RFC 6749 §6)',
  password: 'resource owner password credentials (ROPC, RFC 6749 §4.3): the password crosses the wire',
  client_credentials: 'app-only token for the client itself (RFC 6749 §4.4)',
  'urn:ietf:params:oauth:grant-type:device_code': 'poll for the device code sign-in (RFC 8628 §3.4)',
};

/**
 * Redacts and annotates events. It remembers secrets it has seen (form fields, headers, JSON members,
 * redirect parameters) and scrubs them, in any encoding, from every string it outputs — including
 * places no rule anticipated. Deterministic: same events and options, same output.
 */
export class Redactor {
  /** Raw secret values seen so far. */
  private readonly known = new KnownSecrets();
  /** code_challenge values sent in authorize URLs. */
  private readonly challenges = new Set<string>();

  constructor(readonly opts: AuditOptions = {}) {}

  /** Remember the secrets an event carries (call on every event of a run before redacting, or as they come). */
  learn(e: AuditEvent): void {
    const add = (v: string | undefined) => {
      if (v && isDistinctiveSecret(v) && !this.known.has(v) && !HAS_MARK.test(v)) this.known.add(v);
    };
    const addHeader = (k: string, v: string) => {
      if (/^(set-)?cookie$/i.test(k)) {
        for (const m of v.matchAll(/(?:^|;\s*|,\s*)([^=;,\s]+)=([^;,]*)/g))
          if (!/^(path|domain|expires|max-age|samesite)$/i.test(m[1]!)) add(m[2]);
      } else {
        add(v.replace(/^(Bearer|Basic)\s+/i, ''));
        add(v);
      }
    };
    if (e.type === 'front') {
      for (const [k, v] of queryOf(e.url)) {
        if (isSecretName(k)) add(v);
        if (k === 'code_challenge') this.challenges.add(v);
      }
    }
    if (e.type !== 'exchange') return;
    for (const [k, v] of queryOf(e.request.url)) if (isSecretName(k)) add(v);
    for (const [k, v] of e.request.form ?? []) if (isSecretName(k)) add(v);
    for (const [k, v] of Object.entries(e.request.headers)) if (isSecretHeader(k)) addHeader(k, v);
    if (e.request.body) this.learnJson(parseJson(e.request.body));
    if (e.response) {
      for (const [k, v] of Object.entries(e.response.headers)) if (isSecretHeader(k)) addHeader(k, v);
      if (e.response.headers.location)
        for (const [k, v] of queryOf(e.response.headers.location)) if (isSecretName(k)) add(v);
      this.learnJson(parseJson(e.response.body));
      if (/x-www-form-urlencoded/i.test(e.response.headers['content-type'] ?? '')) {
        for (const [k, v] of new URLSearchParams(e.response.body)) if (isSecretName(k)) add(v);
      }
    }
  }

  /** Remember one more secret value found outside the places `learn` looks (a form_post page's hidden input). */
  remember(value: string): void {
    if (isDistinctiveSecret(value) && !this.known.has(value) && !HAS_MARK.test(value)) this.known.add(value);
  }

  private learnJson(v: unknown, depth = 0): void {
    if (depth > MAX_JSON_DEPTH) return;
    if (Array.isArray(v)) v.forEach((x) => this.learnJson(x, depth + 1));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (
          isSecretName(k) &&
          typeof x === 'string' &&
          isDistinctiveSecret(x) &&
          !this.known.has(x) &&
          !HAS_MARK.test(x)
        )
          this.known.add(x);
        else this.learnJson(x, depth + 1);
      }
    }
  }

  /** The one redaction function: an event as every sink may show it. */
  redact(e: AuditEvent): AuditEvent {
    const out = this.redactFields(e);
    return this.opts.reveal ? out : (this.scrub(out) as AuditEvent);
  }

  /**
   * An event rendered as text by `render`, redacted: the fields are redacted as in `redact`, and the finished
   * text is scrubbed once for every known secret in any encoding (instead of every string of the event one by
   * one), which covers whatever the renderer derives too and costs a third as much on the live `--trace` path.
   */
  redactRendered(e: AuditEvent, render: (e: AuditEvent) => string): string {
    const text = render(this.redactFields(e));
    return this.opts.reveal ? text : this.scrubText(text);
  }

  /** Structural redaction of each field (secret parameters, headers, bodies, PII), without the scrub pass. */
  private redactFields(e: AuditEvent): AuditEvent {
    this.learn(e);
    const { reveal, pii } = this.opts;
    const o = { pii };
    const url = (u: string) => (reveal ? (pii ? redactUrlPiiOnly(u) : u) : redactUrl(u, o));
    let out: AuditEvent;
    switch (e.type) {
      case 'step':
        out = { ...e };
        break;
      case 'note':
        out = { ...e, text: reveal ? (pii ? maskPiiText(e.text) : e.text) : redactText(e.text, o) };
        break;
      case 'front': {
        const notes = e.notes ? [...e.notes] : this.frontNotes(e);
        const tokens = (e.tokens ?? this.frontTokens(e)).map((t) => this.maskToken(t));
        out = { ...e, url: url(e.url), ...(notes.length ? { notes } : {}), ...(tokens.length ? { tokens } : {}) };
        break;
      }
      case 'exchange': {
        const notes = e.notes ? [...e.notes] : this.exchangeNotes(e);
        const tokens = (e.tokens ?? this.exchangeTokens(e)).map((t) => this.maskToken(t));
        const req = e.request;
        const request: AuditRequest = {
          method: req.method,
          url: url(req.url),
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => {
              const shown = reveal ? v : redactHeader(k, v);
              return [k, pii ? redactPiiHeader(k, shown) : shown];
            }),
          ),
          ...(req.form ? { form: req.form.map(([k, v]) => [k, this.value(k, v)] as [string, string]) } : {}),
          ...(req.body !== undefined
            ? {
                body: reveal
                  ? pii
                    ? redactBodyPiiOnly(req.body, req.headers['content-type'] ?? '')
                    : req.body
                  : redactBody(req.body, req.headers['content-type'] ?? '', o),
              }
            : {}),
          ...(req.idempotent !== undefined ? { idempotent: req.idempotent } : {}),
        };
        const res = e.response;
        const response: AuditResponse | undefined = res && {
          status: res.status,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [
              k,
              reveal ? v : k === 'location' ? redactUrl(v, o) : redactHeader(k, v),
            ]),
          ),
          body: reveal
            ? pii
              ? redactBodyPiiOnly(res.body, res.headers['content-type'] ?? '')
              : res.body
            : redactBody(res.body, res.headers['content-type'] ?? '', o),
        };
        out = {
          type: 'exchange',
          at: e.at,
          channel: 'back',
          request,
          ...(response ? { response } : {}),
          ...(e.error
            ? { error: { code: e.error.code, message: reveal ? e.error.message : redactText(e.error.message, o) } }
            : {}),
          durationMs: e.durationMs,
          attempt: e.attempt,
          ...(tokens.length ? { tokens } : {}),
          ...(notes.length ? { notes } : {}),
        };
        break;
      }
    }
    return out;
  }

  /** Scrub every known secret (in any encoding) from a text produced outside `redact` (a curl script). */
  scrubText(text: string): string {
    return this.known.size ? this.known.scrub(text) : text;
  }

  private value(k: string, v: string): string {
    if (!this.opts.reveal && isSecretName(k)) return redactSecret(v);
    if (this.opts.pii && isPiiName(k)) return redactPii(v);
    return this.opts.pii ? maskPiiText(v) : v;
  }

  private maskToken(t: DecodedToken): DecodedToken {
    const claims = this.opts.pii ? (redactJson(t.claims, { pii: true }) as Record<string, unknown>) : t.claims;
    return { ...t, claims };
  }

  private scrub(v: unknown, depth = 0): unknown {
    if (depth > MAX_JSON_DEPTH + 8) return TOO_DEEP;
    if (typeof v === 'string') return this.known.size ? this.known.scrub(v) : v;
    if (Array.isArray(v)) return v.map((x) => this.scrub(x, depth + 1));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.scrub(x, depth + 1)]));
    return v;
  }

  private frontTokens(e: Extract<AuditEvent, { type: 'front' }>): DecodedToken[] {
    const out: DecodedToken[] = [];
    for (const [k, v] of queryOf(e.url)) {
      if (k === 'id_token' || k === 'access_token') {
        const d = tryDecode(v);
        if (d) out.push({ field: k, where: 'redirect', ...d });
      }
    }
    return out;
  }

  private frontNotes(e: Extract<AuditEvent, { type: 'front' }>): string[] {
    const q = queryOf(e.url);
    const notes: string[] = [];
    if (e.direction === 'open') {
      const ch = q.get('code_challenge');
      if (ch)
        notes.push(
          `PKCE: code_challenge ${ch} (method ${q.get('code_challenge_method') ?? 'plain'}) = BASE64URL(SHA256(code_verifier)); the verifier stays on this machine until the code is redeemed`,
        );
      else if (q.get('response_type')?.includes('code'))
        notes.push('no code_challenge: PKCE is off, so anyone who obtains the code can redeem it');
      const state = q.get('state');
      if (state) notes.push(`state ${state.length} chars: it must come back unchanged on the redirect`);
      if (q.get('nonce')) notes.push('nonce: it must come back inside the id token');
      if (q.get('scope')) notes.push(`scope "${q.get('scope')}"`);
    } else {
      if (q.get('code'))
        notes.push(
          `authorization code received (${q.get('code')!.length} chars, single use, short-lived)${q.get('state') ? `, state ${q.get('state')!.length} chars` : ', NO state'}`,
        );
      const err = q.get('error');
      if (err) {
        const code = aadstsCode({ error: err, error_description: q.get('error_description') ?? undefined });
        const info = aadstsInfo(code);
        notes.push(
          `error redirect: ${err}${code ? `, AADSTS${code}` : ''}${info ? ` (${info.name}): ${info.meaning}` : ''}`,
        );
      }
    }
    return notes;
  }

  private exchangeTokens(e: Extract<AuditEvent, { type: 'exchange' }>): DecodedToken[] {
    const out: DecodedToken[] = [];
    const auth = Object.entries(e.request.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    const d0 = bearer ? tryDecode(bearer) : undefined;
    if (d0) out.push({ field: 'authorization', where: 'request', ...d0 });
    for (const [k, v] of e.request.form ?? []) {
      if (k === 'client_assertion') {
        const d = tryDecode(v);
        if (d) out.push({ field: k, where: 'request', ...d });
      }
    }
    const body = e.response ? parseJson(e.response.body) : undefined;
    for (const f of TOKEN_FIELDS) {
      const v = body?.[f];
      if (typeof v === 'string') {
        const d = tryDecode(v);
        if (d) out.push({ field: f, where: 'response', ...d });
      }
    }
    return out;
  }

  private exchangeNotes(e: Extract<AuditEvent, { type: 'exchange' }>): string[] {
    const notes: string[] = [];
    const form = new Map(e.request.form ?? []);
    const grant = form.get('grant_type');
    if (grant) notes.push(`grant_type=${grant}: ${GRANTS[grant] ?? 'extension grant'}`);
    const verifier = form.get('code_verifier');
    if (verifier && !isRedacted(verifier)) {
      const ch = s256(verifier);
      const seen = this.challenges.size
        ? this.challenges.has(ch)
          ? ' — matches the code_challenge of the authorize URL'
          : ' — DIFFERS from the code_challenge of the authorize URL'
        : '';
      notes.push(
        `code_verifier (${verifier.length} chars): BASE64URL(SHA256(code_verifier)) = ${ch}${seen}; Entra recomputes it and compares`,
      );
    }
    if (form.has('client_secret')) notes.push('client authentication: client_secret in the body');
    if (form.has('client_assertion'))
      notes.push('client authentication: private_key_jwt (client_assertion signed with the certificate key)');
    const res = e.response;
    if (res) {
      if (res.headers['retry-after']) notes.push(`Retry-After: ${res.headers['retry-after']}`);
      const body = parseJson(res.body);
      if (body) {
        const expiresIn = Number(body.expires_in);
        if (body.expires_in !== undefined && Number.isFinite(expiresIn)) {
          notes.push(
            `expires_in ${expiresIn} s${typeof body.expires_in === 'string' ? ' (a string: v1 endpoint quirk)' : ''}: valid until about ${iso(e.at + expiresIn * 1000)}`,
          );
        }
        if (typeof body.scope === 'string') notes.push(`granted scope "${body.scope}"`);
        if (body.access_token !== undefined)
          notes.push(
            body.refresh_token !== undefined
              ? 'a refresh_token came back (offline_access)'
              : 'no refresh_token in the answer',
          );
        const fields = errorFieldsFromJson(body);
        if (fields) {
          const code = aadstsCode(fields);
          const info = aadstsInfo(code);
          notes.push(
            `Entra error ${fields.error}${code ? `, AADSTS${code}` : ''}${info ? ` (${info.name}): ${info.meaning}` : ''}${fields.trace_id ? `; trace_id ${fields.trace_id}` : ''}${fields.correlation_id ? `, correlation_id ${fields.correlation_id}` : ''}`,
          );
        } else if (body.error_code !== undefined && typeof body.message === 'string') {
          notes.push(`Databricks refused: ${String(body.error_code)} ${body.message}`);
        } else if (body.error && typeof body.error === 'object') {
          const ge = body.error as Record<string, unknown>;
          notes.push(`Graph error ${String(ge.code ?? '?')}: ${String(ge.message ?? '')}`);
        }
      }
      if (res.status >= 300 && res.status < 400 && res.headers.location)
        notes.push(
          `redirect (not followed): ${this.opts.reveal ? res.headers.location : redactUrl(res.headers.location, { pii: this.opts.pii })}`,
        );
    }
    return notes;
  }
}

function redactUrlPiiOnly(u: string): string {
  const q = u.indexOf('?');
  return q < 0 ? redactPiiPath(u) : `${redactPiiPath(u.slice(0, q))}?${redactParamsPii(u.slice(q + 1))}`;
}

function redactParamsPii(s: string): string {
  // --trace-secrets with --redact-pii: secrets stay, personal data goes
  return s
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p;
      const name = decodeURIComponent(p.slice(0, eq));
      return isPiiName(name)
        ? `${p.slice(0, eq)}=${redactPii(decodeURIComponent(p.slice(eq + 1).replace(/\+/g, ' ')))}`
        : p;
    })
    .join('&');
}

function redactBodyPiiOnly(body: string, ct: string): string {
  const j = parseJson(body);
  if (j) return JSON.stringify(piiOnly(j));
  if (/x-www-form-urlencoded/i.test(ct)) return redactParamsPii(body);
  return maskPiiText(body);
}

function piiOnly(v: unknown, key = '', depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(v)) return v.map((x) => piiOnly(x, key, depth + 1));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, piiOnly(x, k, depth + 1)]));
  if (typeof v === 'string') return isPiiName(key) ? redactPii(v) : maskPiiText(v);
  return v;
}

/** Redact a whole run: learn every secret first, then redact each event (pure). */
export function redactTrace(events: readonly AuditEvent[], opts: AuditOptions = {}): AuditEvent[] {
  const r = new Redactor(opts);
  for (const e of events) r.learn(e);
  return events.map((e) => r.redact(e));
}

// re-exported for sinks that need to redact a lone string (error messages, curl comments)
export { redactParams };
