/**
 * Redaction by construction: every sink (text trace, JSON lines, HAR, curl, error messages) renders
 * values through these functions. A secret becomes a short prefix, its length and a short hash —
 * `eyJ0eX…[1523 chars sha256:1a2b3c4d]` — so two traces can be compared without revealing values.
 */
import { createHash } from 'node:crypto';
import { SECRET_FIELDS, SECRET_HEADERS } from './curl.js';

/** Parameter names (form fields, query parameters, JSON members) whose values are secrets. */
export const SECRET_NAMES: ReadonlySet<string> = new Set([...Object.keys(SECRET_FIELDS), 'secret', 'assertion']);
/** Header names whose values are secrets. */
export const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set([...Object.keys(SECRET_HEADERS), 'set-cookie']);

const MARK = /…\[\d+ chars sha256:[0-9a-f]{8}\]$/;

/** `abcdef…[N chars sha256:xxxxxxxx]`. Idempotent: an already redacted value is returned as is. */
export function redactSecret(value: string, prefixLength = 6): string {
  if (MARK.test(value)) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  // short secrets (passwords) show no prefix at all
  const prefix = value.length >= 24 ? value.slice(0, prefixLength) : '';
  return `${prefix}…[${value.length} chars sha256:${hash}]`;
}

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase());
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER_NAMES.has(name.toLowerCase());
}

/** Redact a header value: keep the auth scheme (`Bearer eyJ0eX…[…]`). */
export function redactHeader(name: string, value: string): string {
  if (!isSecretHeader(name)) return value;
  const m = /^(Bearer|Basic)\s+(.*)$/i.exec(value);
  return m ? `${m[1]} ${redactSecret(m[2]!)}` : redactSecret(value);
}

/** Redact the secret parameters of a URL's query and fragment (a redirect carries `code`). */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  const fix = (params: URLSearchParams) => {
    let changed = false;
    for (const [k, v] of [...params]) {
      if (isSecretName(k)) {
        params.set(k, redactSecret(v));
        changed = true;
      }
    }
    return changed;
  };
  const q = new URLSearchParams(url.search);
  const qc = fix(q);
  const f = new URLSearchParams(url.hash.slice(1));
  const fc = url.hash.includes('=') && fix(f);
  if (!qc && !fc) return raw;
  if (qc) url.search = q.toString();
  if (fc) url.hash = f.toString();
  return url.toString();
}

/** Redact secret members of a JSON value (a token response), recursively. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretName(k) && typeof v === 'string' ? redactSecret(v) : redactJson(v);
    }
    return out;
  }
  return value;
}

/** Redact a response or request body given its text and media type. */
export function redactBody(body: string, contentType: string): string {
  if (/json/i.test(contentType) || body.trimStart().startsWith('{')) {
    try {
      return JSON.stringify(redactJson(JSON.parse(body)));
    } catch {
      /* not JSON after all */
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType)) {
    const p = new URLSearchParams(body);
    for (const [k, v] of [...p]) if (isSecretName(k)) p.set(k, redactSecret(v));
    return p.toString();
  }
  return body;
}
