/**
 * Redaction by construction: every sink (text trace, JSON lines, HAR, curl, error messages) renders
 * values through these functions. A secret becomes a short prefix, its length and a keyed mark —
 * `eyJ0eX…[1523 chars hmac:1a2b3c4d]` — so two values within one run can be compared without revealing them.
 * With `pii`, names, UPNs/emails and IP addresses become `[pii hmac:1a2b3c4d]` (same value, same mark).
 * Every function is idempotent: redacting a redacted value changes nothing.
 *
 * The mark is an HMAC-SHA256 under a key that exists only in memory for one run (`setMarkKey`, called by
 * io/run-key.ts with fresh random bytes): an unsalted hash would let anyone holding a trace test guesses
 * offline (a short password falls to a word list in a second). Until a key is set the mark has no hash at all.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { MAX_JSON_DEPTH, parseJsonBounded } from './json-limits.js';

/** Form fields / query parameters / JSON members whose values are secrets, with the shell variable for each. */
export const SECRET_FIELDS: Readonly<Record<string, string>> = {
  client_secret: 'CLIENT_SECRET',
  password: 'PASSWORD',
  code: 'CODE',
  code_verifier: 'CODE_VERIFIER',
  refresh_token: 'REFRESH_TOKEN',
  access_token: 'ACCESS_TOKEN',
  id_token: 'ID_TOKEN',
  client_assertion: 'CLIENT_ASSERTION',
  device_code: 'DEVICE_CODE',
};

/** Headers whose values are secrets, with the shell variable for each. */
export const SECRET_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'AUTHORIZATION',
  cookie: 'COOKIE',
  'x-databricks-azure-sp-management-token': 'SP_MANAGEMENT_TOKEN',
  'proxy-authorization': 'PROXY_AUTHORIZATION',
};

/** Parameter names (form fields, query parameters, JSON members) whose values are secrets. */
export const SECRET_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(SECRET_FIELDS),
  'secret',
  'assertion',
  'passwd', // Entra's sign-in form field
  'token',
  'token_value',
  'private_key',
  // Databricks secrets and Unity Catalog credentials (https://docs.databricks.com/api/azure/workspace/secrets/putsecret,
  // https://docs.databricks.com/api/azure/workspace/temporarytablecredentials)
  'string_value',
  'bytes_value',
  'personal_access_token',
  'secret_access_key',
  'access_key_id',
  'session_token',
  'sas_token',
  'aad_token',
  'pat',
  'sig',
  // Graph addPassword answers `secretText` (https://learn.microsoft.com/graph/api/application-addpassword)
  'secrettext',
  'connection_string',
]);

/**
 * Name patterns that mark a secret wherever a body uses them (`x_api_key`, `storagePassword`, `mySecret`,
 * `githubToken`…), applied to the name lowercased with `_`/`-` removed. A bare `key` or `token_type` is not a
 * secret (`{"scope":…,"key":"name",…}` names a secret; `token_type` is "Bearer").
 */
const SECRET_PATTERN =
  /(secret|passw(or)?d|passphrase|token|apikey|accesskey|privatekey|sastoken|credentialvalue|assertion|connectionstring|cookie)/;
/** Names that contain a secret word but describe, not carry, the secret. */
const NOT_SECRET =
  /(type|types|endpoint|endpoints|uri|url|id|ids|name|names|hint|scope|scopes|expiry|expiration|expires|expiresin|expirationtime|time|at|lifetime|lifetimeseconds|count|comment|policy|policies|issuancepolicies|usage|method|methods|supported|required|location|info|enabled|version|kind|length|path|file|env|source|status)$/;

/** Whether a parameter or JSON member name carries a secret: the known names, then the name patterns. */
function secretByName(lower: string): boolean {
  if (SECRET_NAMES.has(lower)) return true;
  const flat = lower.replace(/[_\-.]/g, '');
  if (SECRET_NAMES.has(flat)) return true;
  return SECRET_PATTERN.test(flat) && !NOT_SECRET.test(flat);
}

/**
 * Values that are secrets by their shape, whatever field carries them: a JWT, a Databricks personal access
 * token (`dapi…`) or OAuth secret (`dose…`), an Entra client secret (`abc8Q~…`), an Entra refresh token
 * (`0.A…`/`1.A…`), an AWS access key id, a PEM private key, a SAS signature (`sig=`).
 */
const SECRET_SHAPES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  // each with the literal text every match contains: a text without any of them is not scanned by that pattern
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, ['eyJ']],
  [/\b(?:dapi|dose|dkea)[0-9a-f]{32}(?:-\d+)?\b/g, ['dapi', 'dose', 'dkea']],
  [/(?<![A-Za-z0-9_~.-])[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g, ['Q~']],
  [/(?<![A-Za-z0-9_.-])[01]\.A[A-Za-z0-9_-]{60,}(?:\.[A-Za-z0-9_-]+)*(?![A-Za-z0-9_-])/g, ['.A']],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, ['AKIA', 'ASIA']],
  [/-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z ]+ )?PRIVATE KEY-----/g, ['-----BEGIN ']],
];

/** Header names whose values are secrets. */
export const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set([...Object.keys(SECRET_HEADERS), 'set-cookie']);

/** Claims, form fields and Graph properties that name a person (masked with `--redact-pii`). */
export const PII_NAMES: ReadonlySet<string> = new Set([
  'name',
  'given_name',
  'family_name',
  'upn',
  'unique_name',
  'preferred_username',
  'email',
  'emails',
  'verified_primary_email',
  'verified_secondary_email',
  'ipaddr',
  'login_hint',
  'username',
  'login',
  'displayname',
  'givenname',
  'surname',
  'mail',
  'userprincipalname',
  'mobilephone',
  'businessphones',
  'othermails',
  'proxyaddresses',
  'imaddresses',
  'mailnickname',
]);

/** Marks of this version (`hmac:`), and of earlier traces (`sha256:`) so that re-redacting them changes nothing. */
const MARK = /…\[\d+ chars(?: (?:hmac|sha256):[0-9a-f]{8})?\]$/;
const PII_MARK = /^\[pii(?: (?:hmac|sha256):[0-9a-f]{8})?\]$/;
/** Any mark inside a longer text. */
export const MARK_IN_TEXT = /…\[\d+ chars(?: (?:hmac|sha256):[0-9a-f]{8})?\]|\[pii(?: (?:hmac|sha256):[0-9a-f]{8})?\]/;
const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
const IPV6 = /\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b/g;

let markKey: Uint8Array | (() => Uint8Array) | undefined;
/** The key as node:crypto holds it, made once per key (preparing the raw bytes for every HMAC cost a quarter of it). */
let hmacKey: KeyObject | undefined;

const checkKey = (key: Uint8Array): Uint8Array => {
  if (key.length < 16) throw new TypeError('the mark key must have at least 16 bytes');
  return key;
};

/**
 * Set the run's mark key (random bytes that are never written anywhere), or a function making it on the first
 * mark (a command that marks nothing then never draws random bytes). Called once per process by
 * io/run-key.ts; tests may set a fixed key. Marks made before and after a change of key differ.
 */
export function setMarkKey(key: Uint8Array | (() => Uint8Array)): void {
  markKey = typeof key === 'function' ? key : checkKey(key);
  hmacKey = undefined;
  hashes.clear();
}

/**
 * Keyed mark prefixes of the values seen recently: one trace renders the same secret in several places (form,
 * body, header, scrub marks), and hashing a 1.5 kB token each time was the largest cost of `--trace`.
 */
const hashes = new Map<string, string>();
const mark8 = (v: string): string | undefined => {
  if (!markKey) return undefined;
  if (typeof markKey === 'function') markKey = checkKey(markKey());
  let h = hashes.get(v);
  if (h === undefined) {
    hmacKey ??= createSecretKey(markKey);
    h = createHmac('sha256', hmacKey).update(v).digest('hex').slice(0, 8);
    if (hashes.size >= 256) hashes.delete(hashes.keys().next().value!);
    hashes.set(v, h);
  }
  return h;
};

/** Whether a value is already a redaction mark (secret or PII). */
export function isRedacted(value: string): boolean {
  return MARK.test(value) || PII_MARK.test(value);
}

/** `abcdef…[N chars hmac:xxxxxxxx]`. Idempotent: an already redacted value is returned as is. */
export function redactSecret(value: string, prefixLength = 6): string {
  if (MARK.test(value)) return value;
  // short secrets (passwords) show no prefix at all
  const prefix = value.length >= 24 ? value.slice(0, prefixLength) : '';
  const h = mark8(value);
  return `${prefix}…[${value.length} chars${h ? ` hmac:${h}` : ''}]`;
}

/** `[pii hmac:xxxxxxxx]`: the same person gives the same mark within a run, so a trace stays comparable. */
export function redactPii(value: string): string {
  if (isRedacted(value)) return value;
  const h = mark8(value);
  return `[pii${h ? ` hmac:${h}` : ''}]`;
}

/** Mask email addresses and IP addresses inside free text. */
export function maskPiiText(text: string): string {
  return text
    .replace(EMAIL, (m) => redactPii(m))
    .replace(IPV4, (m) => redactPii(m))
    .replace(IPV6, (m) => (m.includes('::') || m.split(':').length >= 6 ? redactPii(m) : m));
}

/**
 * The answers for names seen before: a trace asks about the same few dozen names (form fields, JSON members)
 * again and again, and the name patterns are two regular expressions each time. Bounded: a body with
 * thousands of distinct names empties it.
 */
const secretNames = new Map<string, boolean>();

/** Whether a form field, query parameter or JSON member of this name carries a secret (known names and name patterns). */
export function isSecretName(name: string): boolean {
  let secret = secretNames.get(name);
  if (secret === undefined) {
    secret = secretByName(name.toLowerCase());
    if (secretNames.size >= 1024) secretNames.clear();
    secretNames.set(name, secret);
  }
  return secret;
}

/** Replace every value that is a secret by its shape (JWT, PAT, client secret, refresh token, key) with its mark. */
export function redactShapes(text: string): string {
  let t = text;
  for (const [re, literals] of SECRET_SHAPES)
    if (literals.some((l) => t.includes(l))) t = t.replace(re, (m) => redactSecret(m));
  return t;
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER_NAMES.has(name.toLowerCase());
}

export function isPiiName(name: string): boolean {
  return PII_NAMES.has(name.toLowerCase());
}

/**
 * Under --redact-pii, the header that names the user, `X-AnchorMailbox: UPN:<username>`, keeps its kind and
 * masks who (docs/protocol.md §2.9); `Oid:<uid>@<utid>` holds object ids, shown as the `oid` claim is.
 * Other headers are returned as they are.
 */
export function redactPiiHeader(name: string, value: string): string {
  if (name.toLowerCase() !== 'x-anchormailbox') return value;
  const m = /^(UPN:\s*)(.*)$/i.exec(value);
  return m ? `${m[1]}${redactPii(m[2]!)}` : value;
}

/**
 * Under --redact-pii, the username in the path of the user realm request (`/common/userrealm/<upn>`,
 * docs/protocol.md §2.3) is masked; any other path is returned as it is.
 */
export function redactPiiPath(base: string): string {
  return base.replace(/(\/userrealm\/)([^/?#]+)/i, (_all, pre: string, who: string) => {
    let plain = who;
    try {
      plain = decodeURIComponent(who);
    } catch {
      /* keep it encoded */
    }
    return `${pre}${redactPii(plain)}`;
  });
}

export interface RedactOptions {
  /** Also mask names, UPNs/emails and IP addresses. */
  pii?: boolean | undefined;
}

/** Redact a header value: keep the auth scheme (`Bearer eyJ0eX…[…]`); cookies keep their names. */
export function redactHeader(name: string, value: string): string {
  const n = name.toLowerCase();
  if (!isSecretHeader(n)) return value;
  if (n === 'cookie' || n === 'set-cookie') {
    // name=value pairs: keep names and attributes, hide values
    return value.replace(/(^|;\s*|,\s*)([^=;,\s]+)=([^;,]*)/g, (all, sep: string, k: string, v: string) =>
      /^(path|domain|expires|max-age|samesite)$/i.test(k) || v === '' ? all : `${sep}${k}=${redactSecret(v)}`,
    );
  }
  const m = /^(Bearer|Basic|Negotiate|PoP)\s+(.*)$/i.exec(value);
  return m ? `${m[1]} ${redactSecret(m[2]!)}` : redactSecret(value);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Redact `a=b&c=d` text in place, keeping the encoding of everything that is not a secret. */
export function redactParams(text: string, opts: RedactOptions = {}): string {
  return text
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      const name = safeDecode(part.slice(0, eq));
      const value = safeDecode(part.slice(eq + 1));
      if (isSecretName(name)) return `${part.slice(0, eq)}=${redactSecret(value)}`;
      if (opts.pii && isPiiName(name)) return `${part.slice(0, eq)}=${redactPii(value)}`;
      if (opts.pii && (value.match(EMAIL) || value.match(IPV4))) return `${part.slice(0, eq)}=${maskPiiText(value)}`;
      const shaped = redactShapes(value);
      return shaped === value ? part : `${part.slice(0, eq)}=${shaped}`;
    })
    .join('&');
}

/**
 * Redact the secret parameters of a URL's query and fragment (a redirect carries `code`) and any
 * password in its userinfo. Everything else is kept byte for byte, so the URL still reads as sent.
 */
export function redactUrl(raw: string, opts: RedactOptions = {}): string {
  const hashAt = raw.indexOf('#');
  const beforeHash = hashAt >= 0 ? raw.slice(0, hashAt) : raw;
  const fragment = hashAt >= 0 ? raw.slice(hashAt + 1) : undefined;
  const qAt = beforeHash.indexOf('?');
  let base = qAt >= 0 ? beforeHash.slice(0, qAt) : beforeHash;
  const query = qAt >= 0 ? beforeHash.slice(qAt + 1) : undefined;
  base = base.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@?#]*):([^/@?#]*)@/i,
    (_a, s: string, u: string, p: string) => `${s}${u}:${redactSecret(safeDecode(p))}@`,
  );
  if (opts.pii) base = redactPiiPath(base);
  return (
    base +
    (query !== undefined ? `?${redactParams(query, opts)}` : '') +
    (fragment !== undefined ? `#${fragment.includes('=') ? redactParams(fragment, opts) : fragment}` : '')
  );
}

/** The last body parsed by {@link parseJsonShared}, and what it gave. */
let lastJson: { text: string; value: unknown } | undefined;

/**
 * `parseJsonBounded`, remembering the last text: redacting one event reads the same answer body four times
 * (the secrets it carries, its tokens, its notes, its redacted form). The value is shared between callers,
 * so none may change it. Bodies over 1 MiB are parsed each time rather than kept.
 */
export function parseJsonShared(text: string): unknown {
  if (lastJson !== undefined && lastJson.text === text) return lastJson.value;
  const value = parseJsonBounded(text);
  lastJson = text.length <= 1024 * 1024 ? { text, value } : undefined;
  return value;
}

/**
 * What {@link parseJsonShared} gave for `text` when `text` is the last it parsed and it was JSON within the depth
 * limit; otherwise undefined. Never parses. Shared: never changed.
 */
export function lastParsedJson(text: string): unknown {
  return lastJson !== undefined && lastJson.text === text ? lastJson.value : undefined;
}

/** The last JSON body made by {@link redactBody}, and the value it is the text of. */
let lastRedacted: { text: string; value: unknown } | undefined;

/**
 * The value whose `JSON.stringify` is `text`, when `text` is the JSON body {@link redactBody} made last (the
 * `--trace` text prints it indented without parsing it again); otherwise undefined. Shared: never changed.
 */
export function redactedJsonValue(text: string): { readonly value: unknown } | undefined {
  return lastRedacted?.text === text ? { value: lastRedacted.value } : undefined;
}

/** What stands in for a part of a JSON value nested deeper than any walker follows. */
export const TOO_DEEP = '[nested too deeply: not shown]';

/** Redact secret members of a JSON value (a token response), recursively; with `pii`, personal data too. */
export function redactJson(value: unknown, opts: RedactOptions = {}, depth = 0, parent = ''): unknown {
  if (depth > MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, opts, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretName(k) && (typeof v === 'string' || typeof v === 'number') && !isErrorCode(parent, k, v))
        out[k] = redactSecret(String(v));
      else if (opts.pii && isPiiName(k)) out[k] = maskAll(v, depth + 1);
      else out[k] = redactJson(v, opts, depth + 1, k);
    }
    return out;
  }
  if (typeof value === 'string') return redactText(value, opts);
  return value;
}

/**
 * `code` inside an `error` / `innerError` object is an API error code, not an authorization code: Graph answers
 * `{"error":{"code":"InvalidAuthenticationToken",…}}` (https://learn.microsoft.com/graph/errors). Only an
 * identifier-shaped value there is left alone; anything else in it is still redacted.
 */
function isErrorCode(parent: string, key: string, value: string | number): boolean {
  return (
    key.toLowerCase() === 'code' &&
    /^(?:error|innererror)$/i.test(parent) &&
    typeof value === 'string' &&
    /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(value)
  );
}

function maskAll(v: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) return TOO_DEEP;
  if (typeof v === 'string') return redactPii(v);
  if (Array.isArray(v)) return v.map((x) => maskAll(x, depth + 1));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x, depth + 1)]));
  return v;
}

/**
 * Redact free text (an HTML or plain body, a string inside JSON, JSON too deep or too broken to parse): secrets
 * by shape, `name=value` pairs, `"name": "value"` members and `name="…" value="…"` inputs with secret names;
 * with `pii`, emails and IP addresses.
 */
export function redactText(text: string, opts: RedactOptions = {}): string {
  let t = redactShapes(text);
  // each pattern is tried only on a text holding the literal every match of it contains
  if (t.includes('='))
    t = t.replace(
      /\b([A-Za-z_]+)=([^&\s"'<>…]*…\[\d+ chars(?: (?:hmac|sha256):[0-9a-f]{8})?\]|[^&\s"'<>]{8,})/g,
      (all, k: string, v: string) => (isSecretName(k) && !MARK.test(v) ? `${k}=${redactSecret(safeDecode(v))}` : all),
    );
  if (t.includes('"'))
    t = t.replace(
      /("([A-Za-z0-9_.-]+)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g,
      (all, pre: string, k: string, v: string, q: string) =>
        v !== '' && isSecretName(k) && !MARK.test(v) ? `${pre}${redactSecret(v)}${q}` : all,
    );
  if (t.includes('name='))
    t = t.replace(
      /(name=["']([A-Za-z_]+)["'][^>]*?value=["'])([^"']+)(["'])/g,
      (all, pre: string, k: string, v: string, q: string) =>
        isSecretName(k) && !MARK.test(v) ? `${pre}${redactSecret(v)}${q}` : all,
    );
  return opts.pii ? maskPiiText(t) : t;
}

/**
 * Redact a response or request body given its text and media type: JSON member by member, a form field by
 * field, anything else (or JSON nested too deeply to walk) as text.
 */
export function redactBody(body: string, contentType: string, opts: RedactOptions = {}): string {
  if (/json/i.test(contentType) || /^\s*[{[]/.test(body)) {
    const parsed = parseJsonShared(body);
    if (parsed !== undefined) {
      const value = redactJson(parsed, opts);
      const text = JSON.stringify(value);
      lastRedacted = text.length <= 1024 * 1024 ? { text, value } : undefined;
      return text;
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType)) return redactParams(body, opts);
  return redactText(body, opts);
}

/** Characters no encoding of {@link secretForms} changes. */
const PLAIN = /^[A-Za-z0-9\-_.]*$/;

/** The forms in which a secret could leak into text: raw, URL- and form-encoded, JSON-escaped, base64, base64url. */
export function secretForms(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const unpadded = base64.replace(/=+$/, '');
  // tokens and codes are usually made of characters no encoding changes: then the text forms are the value
  const plain = PLAIN.test(value);
  const forms = [
    value,
    plain ? value : encodeURIComponent(value),
    plain ? value : new URLSearchParams([['', value]]).toString().slice(1),
    plain ? value : JSON.stringify(value).slice(1, -1),
    base64,
    unpadded,
    unpadded.replace(/\+/g, '-').replace(/\//g, '_'),
  ];
  return [...new Set(forms)].filter((f) => f.length >= 8).sort((x, y) => y.length - x.length);
}

/** A known secret prepared for scrubbing: its mark and the forms to look for. */
export interface CompiledSecret {
  readonly mark: string;
  readonly forms: readonly string[];
}

/**
 * A known secret whose mark and encoded forms are made only when a text contains it: most texts scrubbed are
 * already redacted field by field, and base64-encoding every token seen (three forms of 2 kB each) was a third
 * of the live `--trace` cost. The replacements made are exactly those of {@link scrubOnce} over `forms`.
 */
class LazySecret implements CompiledSecret {
  private markText: string | undefined;
  private formList: string[] | undefined;
  /**
   * For a value of at least 8 plain characters: the first 8 characters of its base64 form (and of the unpadded
   * one), and of its base64url form. Its forms, longest first, are then the base64 ones (each begins with one of
   * these) and the value itself, so a text containing neither probe can only contain the value.
   */
  private readonly probe: string | undefined;
  private readonly probeUrl: string | undefined;

  constructor(readonly value: string) {
    if (value.length >= 8 && PLAIN.test(value)) {
      this.probe = Buffer.from(value.slice(0, 6), 'latin1').toString('base64');
      this.probeUrl = this.probe.replace(/\+/g, '-').replace(/\//g, '_');
    }
  }

  get mark(): string {
    return (this.markText ??= redactSecret(this.value));
  }

  get forms(): readonly string[] {
    return (this.formList ??= secretForms(this.value));
  }

  /**
   * The first 8 characters of every form: a text holding none of them holds no form (each is 8 or more
   * characters long), and scrubbing it changes nothing.
   */
  heads(): string[] {
    if (this.formList === undefined && this.probe !== undefined)
      return [this.probe, this.probeUrl!, this.value.slice(0, 8)];
    return this.forms.map((f) => f.slice(0, 8));
  }

  scrub(text: string): string {
    if (this.formList === undefined && this.probe !== undefined) {
      if (!text.includes(this.probe) && !text.includes(this.probeUrl!))
        return text.includes(this.value) ? text.split(this.value).join(this.mark) : text;
    }
    return scrubOnce(text, this.forms, this.mark);
  }
}

function scrubOnce(text: string, forms: readonly string[], mark: string): string {
  let t = text;
  for (const form of forms) if (t.includes(form)) t = t.split(form).join(mark);
  return t;
}

export function compileSecret(secret: string): CompiledSecret {
  return new LazySecret(secret);
}

/**
 * Whether a secret is distinctive enough to be scrubbed out of any text. A single word (`application`) or a
 * short value would be found in unrelated text (`content-type: application/json`), and replacing it there would
 * reveal it; such a secret is redacted only in the fields that carry it.
 */
export function isDistinctiveSecret(value: string): boolean {
  return value.length >= 10 && !/^[A-Za-z]+$/.test(value) && !/^\d+$/.test(value) && !isRedacted(value);
}

/** Replace every occurrence of a known secret (in any of its encoded forms) by its mark. */
export function scrubKnown(text: string, known: Iterable<string | CompiledSecret>): string {
  const list = [...known];
  if (list.length > MANY_SECRETS && list.every((k) => typeof k === 'string' || k instanceof LazySecret)) {
    const set = new KnownSecrets();
    for (const k of list) if (typeof k !== 'string' || isDistinctiveSecret(k)) set.add(k);
    return set.scrub(text);
  }
  let t = text;
  for (const k of list) {
    if (typeof k === 'string') {
      if (isDistinctiveSecret(k)) t = new LazySecret(k).scrub(t);
    } else t = k instanceof LazySecret ? k.scrub(t) : scrubOnce(t, k.forms, k.mark);
  }
  return t;
}

/**
 * Above this many secrets, a text is first read once to find which of them it may hold: looking for each secret
 * in turn made scrubbing a body quadratic (a Databricks secrets listing, a page of a thousand credentials).
 */
const MANY_SECRETS = 24;

/**
 * The secrets of a run, in the order they were learnt, scrubbed from texts exactly as {@link scrubKnown} scrubs
 * them one after the other. With many, one pass over the text (the first characters of every form, indexed)
 * finds the few that may occur; the others are skipped, since scrubbing a text holding none of a secret's
 * forms changes nothing. The pass is made again after every replacement, which could join text into a form.
 */
export class KnownSecrets {
  private readonly list: LazySecret[] = [];
  private readonly values = new Set<string>();
  /** First 8 characters of a form → the secrets (positions in `list`) with a form starting so. */
  private readonly byHead = new Map<string, number[]>();
  /** The first three characters of every head, as one number: most positions of a text are ruled out by it. */
  private readonly starts = new Set<number>();

  get size(): number {
    return this.list.length;
  }

  has(value: string): boolean {
    return this.values.has(value);
  }

  /** How many secrets of `list` are in `byHead` (the index is made on the first scrub that needs it). */
  private indexed = 0;

  /** Learn a secret (a value, or one compiled by {@link compileSecret}); one already known is ignored. */
  add(secret: string | CompiledSecret): void {
    const value = typeof secret === 'string' ? secret : (secret as LazySecret).value;
    if (this.values.has(value)) return;
    this.values.add(value);
    this.list.push(typeof secret === 'string' ? new LazySecret(secret) : (secret as LazySecret));
  }

  /** Replace every occurrence of a known secret (in any of its encoded forms) by its mark. */
  scrub(text: string): string {
    let t = text;
    if (this.list.length <= MANY_SECRETS) {
      for (const s of this.list) t = s.scrub(t);
      return t;
    }
    for (; this.indexed < this.list.length; this.indexed++) {
      for (const head of this.list[this.indexed]!.heads()) {
        const ids = this.byHead.get(head);
        if (ids === undefined) this.byHead.set(head, [this.indexed]);
        else if (ids[ids.length - 1] !== this.indexed) ids.push(this.indexed);
        this.starts.add(start3(head, 0));
      }
    }
    let present = this.present(t);
    for (let i = 0; i < this.list.length && present.size; i++) {
      if (!present.has(i)) continue;
      const next = this.list[i]!.scrub(t);
      if (next !== t) {
        t = next;
        present = this.present(t);
      }
    }
    return t;
  }

  /** The secrets with a head somewhere in `text`. */
  private present(text: string): Set<number> {
    const found = new Set<number>();
    for (let i = 0; i + 8 <= text.length; i++) {
      if (!this.starts.has(start3(text, i))) continue;
      const ids = this.byHead.get(text.slice(i, i + 8));
      if (ids) for (const id of ids) found.add(id);
    }
    return found;
  }
}

/** Three UTF-16 code units of `text` at `i`, as one number (48 bits: exact). */
function start3(text: string, i: number): number {
  return text.charCodeAt(i) * 0x1_0000_0000 + text.charCodeAt(i + 1) * 0x1_0000 + text.charCodeAt(i + 2);
}
