/**
 * Renderers of audited (already redacted) trace events: the `--trace` text, the ladder diagram of
 * `trace show --diagram`, and HAR 1.2. They never see a raw event: core/audit.ts redacts first.
 */
import { withFlags } from './param-flags.js';
import type { AuditEvent, DecodedToken } from '../core/audit.js';
import { tokenSummary } from '../core/audit.js';
import { redactedJsonValue } from '../core/redact.js';
import { forTerminal } from '../core/terminal-text.js';

/** Printed once by a run that shows secrets (`--trace-secrets`), and by `trace show` of such a trace. */
export const SECRETS_WARNING =
  '!!! WARNING: --trace-secrets: secrets (codes, verifiers, tokens, client secrets, passwords) are shown IN CLEAR TEXT\n' +
  '!!! in this trace and in every trace file written by this run. Do not paste, share or commit this output.\n';

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const MAX_BODY = 8000;

/** Every line of `text` with `pad` in front. */
function indent(text: string, pad: string): string {
  return `${pad}${text.replaceAll('\n', `\n${pad}`)}`;
}

function prettyBody(body: string): string {
  if (/^\s*[{[]/.test(body)) {
    // the body just redacted: its value is at hand, and printing it again gives what parsing the text would
    const redacted = redactedJsonValue(body);
    if (redacted !== undefined) return JSON.stringify(redacted.value, null, 2);
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      /* shown as is */
    }
  }
  return body;
}

function clip(s: string, max = MAX_BODY): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

function renderToken(t: DecodedToken, pii: boolean): string[] {
  const where = t.field === 'authorization' ? 'bearer token in Authorization' : t.field;
  return [
    `     ${where} — JWT decoded, NOT verified:`,
    `       header ${JSON.stringify(t.header)}`,
    indent(`claims ${JSON.stringify(t.claims, null, 2)}`, '       '),
    `     ◆ ${tokenSummary(t, pii)}`,
  ];
}

/** One event as `--trace` prints it (several lines, no trailing newline), safe for a terminal. */
export function renderText(e: AuditEvent, opts: { pii?: boolean | undefined } = {}): string {
  // a shared trace file or a hostile server's body must not drive the terminal (escapes, OSC 52, bidi)
  return forTerminal(renderEvent(e, opts));
}

function renderEvent(e: AuditEvent, opts: { pii?: boolean | undefined } = {}): string {
  const pii = Boolean(opts.pii);
  switch (e.type) {
    case 'step':
      return `\n== ${e.name}`;
    case 'note':
      // notes may quote core text that names a parameter: shown as the flag that sets it
      return `   · ${withFlags(e.text)}`;
    case 'front': {
      const lines = [
        e.direction === 'open'
          ? `   ⇢ front channel, to the browser (${e.via}):\n       GET ${e.url}`
          : `   ⇠ front channel, redirect received (${e.via}):\n       ${e.url}`,
      ];
      for (const t of e.tokens ?? []) lines.push(...renderToken(t, pii));
      for (const n of e.notes ?? []) lines.push(`     ✓ ${n}`);
      return lines.join('\n');
    }
    case 'exchange': {
      const r = e.request;
      const lines = [`   → ${r.method} ${r.url}${e.attempt > 1 ? `   (attempt ${e.attempt})` : ''}`];
      for (const [k, v] of Object.entries(r.headers)) lines.push(`       ${k}: ${v}`);
      if (r.form) {
        lines.push('     form:');
        for (const [k, v] of r.form) lines.push(`       ${k}=${v}`);
      }
      if (r.body !== undefined) lines.push('     body:', indent(clip(prettyBody(r.body)), '       '));
      if (e.response) {
        lines.push(
          `   ← ${e.response.status} ${STATUS_TEXT[e.response.status] ?? ''} (${e.durationMs} ms)`.replace(
            / +\(/,
            ' (',
          ),
        );
        for (const [k, v] of Object.entries(e.response.headers)) lines.push(`       ${k}: ${v}`);
        if (e.response.body) lines.push('     body:', indent(clip(prettyBody(e.response.body)), '       '));
      } else if (e.error) {
        lines.push(`   ✗ ${e.error.code}: ${e.error.message} (${e.durationMs} ms)`);
      }
      for (const t of e.tokens ?? []) lines.push(...renderToken(t, pii));
      for (const n of e.notes ?? []) lines.push(`     ✓ ${n}`);
      return lines.join('\n');
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Ladder diagram

/** Which party a URL belongs to, for the diagram's columns. */
export function partyOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'Server';
  }
  const p = u.pathname;
  // Entra's hosts, or Entra's path shapes (the emulator); any other provider is named by its host
  if (
    /login\.microsoftonline|login\.chinacloudapi|login\.partner|sts\.windows/.test(u.hostname) ||
    /\/oauth2\/|\/discovery\/|\/v2\.0\/\.well-known\/openid|\/adminconsent|\/common\/discovery/.test(p)
  )
    return 'Entra ID';
  if (/azuredatabricks\.net$|databricks/.test(u.hostname) || /^\/(api|aad|oidc)\//.test(p) || p === '/aad/auth')
    return 'Databricks';
  if (/graph\.microsoft|graph\.chinacloudapi|microsoftgraph/.test(u.hostname) || /^\/(v1\.0|beta)\//.test(p))
    return 'Graph';
  if (/management\.(azure|core)/.test(u.hostname)) return 'Azure RM';
  return u.host;
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

export interface Arrow {
  kind: 'arrow';
  from: string;
  to: string;
  label: string;
  dashed?: boolean;
}

/**
 * Draw the run as a ladder: CLI, Browser, the provider (Entra ID or its host), Databricks/Graph as columns, one
 * arrow per message; safe for a terminal.
 */
export function renderDiagram(events: readonly AuditEvent[], opts: { width?: number } = {}): string {
  return forTerminal(renderLadder(events, opts));
}

function renderLadder(events: readonly AuditEvent[], opts: { width?: number } = {}): string {
  const rows: LadderRow[] = [];
  let signInParty = 'Entra ID'; // who served the authorize URL, and so sends the browser back
  for (const e of events) {
    if (e.type === 'step') rows.push({ kind: 'step', name: e.name });
    else if (e.type === 'front') {
      if (e.direction === 'open') {
        rows.push({ kind: 'arrow', from: 'CLI', to: 'Browser', label: `open authorize URL (${e.via})`, dashed: true });
        signInParty = partyOf(e.url);
        rows.push({ kind: 'arrow', from: 'Browser', to: signInParty, label: `GET ${pathOf(e.url)}` });
      } else {
        rows.push({ kind: 'arrow', from: signInParty, to: 'Browser', label: `302 Location: ${e.url}` });
        rows.push({ kind: 'arrow', from: 'Browser', to: 'CLI', label: `redirect (${e.via})`, dashed: true });
      }
    } else if (e.type === 'exchange') {
      const party = partyOf(e.request.url);
      rows.push({
        kind: 'arrow',
        from: 'CLI',
        to: party,
        label: `${e.request.method} ${pathOf(e.request.url)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`,
      });
      rows.push(
        e.response
          ? {
              kind: 'arrow',
              from: party,
              to: 'CLI',
              label: `${e.response.status} ${STATUS_TEXT[e.response.status] ?? ''} (${e.durationMs} ms)`.replace(
                / +\(/,
                ' (',
              ),
            }
          : {
              kind: 'arrow',
              from: party,
              to: 'CLI',
              label: `✗ ${e.error?.code ?? 'no answer'} (${e.durationMs} ms)`,
              dashed: true,
            },
      );
    }
  }
  return drawLadder(rows, ['CLI', 'Browser', 'Entra ID', 'Databricks', 'Graph', 'Azure RM'], opts.width);
}

/** A row of a ladder diagram: an arrow between two columns, a section heading, or a note (not drawn). */
export type LadderRow = Arrow | { kind: 'step'; name: string } | { kind: 'note'; text: string };

/**
 * Draw rows as a ladder: one column per party (in `order` first, then as they appear), one labelled
 * arrow per message. Used by `trace show --diagram` and `audit --diagram`.
 */
export function drawLadder(rows: readonly LadderRow[], order: readonly string[], widthOpt?: number): string {
  const seen = new Set<string>([order[0]!]);
  for (const r of rows) if (r.kind === 'arrow') seen.add(r.from).add(r.to);
  const cols = [...order.filter((c) => seen.has(c)), ...[...seen].filter((c) => !order.includes(c))];
  const colW = 22;
  const x = (c: string) => 4 + cols.indexOf(c) * colW;
  const width = Math.max(widthOpt ?? 100, x(cols[cols.length - 1]!) + 12);
  const blank = () => {
    const a = Array<string>(width).fill(' ');
    for (const c of cols) a[x(c)] = '│';
    return a;
  };
  const put = (a: string[], at: number, text: string) => {
    const chars = [...text];
    for (let i = 0; i < chars.length && at + i < width; i++) a[at + i] = chars[i]!;
    if (at + chars.length > width) a[width - 1] = '…';
  };
  const out: string[] = [];
  const head = Array<string>(width).fill(' ');
  for (const c of cols) put(head, Math.max(0, x(c) - Math.floor(c.length / 2)), c);
  out.push(head.join('').trimEnd(), blank().join('').trimEnd());
  for (const r of rows) {
    if (r.kind === 'step') {
      const a = blank();
      put(a, 0, `┄┄ ${r.name} `);
      out.push(a.join('').trimEnd());
      continue;
    }
    if (r.kind === 'note') continue;
    const a = x(r.from);
    const b = x(r.to);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const label = blank();
    put(label, lo + 2, r.label);
    out.push(label.join('').trimEnd());
    const line = blank();
    for (let i = lo + 1; i < hi; i++) line[i] = r.dashed ? '╌' : '─';
    if (b > a) line[hi - 1] = '▶';
    else line[lo + 1] = '◀';
    out.push(line.join('').trimEnd());
  }
  out.push(blank().join('').trimEnd());
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/)

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    headers: HarNameValue[];
    queryString: HarNameValue[];
    cookies: HarNameValue[];
    headersSize: number;
    bodySize: number;
    postData?: { mimeType: string; params: HarNameValue[]; text: string };
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    headers: HarNameValue[];
    cookies: HarNameValue[];
    content: { size: number; mimeType: string; text: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: {
    send: number;
    wait: number;
    receive: number;
    blocked?: number;
    dns?: number;
    connect?: number;
    ssl?: number;
  };
  comment?: string;
  _step?: string;
  _notes?: string[];
  _tokens?: DecodedToken[];
  _channel?: 'back' | 'front';
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string; comment?: string };
    pages: unknown[];
    entries: HarEntry[];
    comment?: string;
  };
}

function queryString(url: string): HarNameValue[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const h = url.indexOf('#');
  const text = url.slice(q + 1, h > q ? h : undefined);
  return text
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return eq < 0 ? { name: dec(p), value: '' } : { name: dec(p.slice(0, eq)), value: dec(p.slice(eq + 1)) };
    });
}

/** The URL as a HAR viewer can parse it: redaction marks (spaces, brackets, `…`) percent-encoded. */
function harUrl(url: string): string {
  return url.replace(/[^\x21-\x7e]|[\[\]]/g, (c) => encodeURIComponent(c));
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** HAR 1.2 entries for audited events (front-channel events become entries with `_channel: "front"` and no response). */
/** HAR's shape for "no response": a failed request, or a front-channel navigation the CLI did not see answered. */
function noResponse(): HarEntry['response'] {
  return {
    status: 0,
    statusText: '',
    httpVersion: 'HTTP/1.1',
    headers: [],
    cookies: [],
    content: { size: 0, mimeType: 'x-unknown', text: '' },
    redirectURL: '',
    headersSize: -1,
    bodySize: -1,
  };
}

export function harEntries(events: readonly AuditEvent[]): HarEntry[] {
  const entries: HarEntry[] = [];
  let step: string | undefined;
  for (const e of events) {
    if (e.type === 'step') step = e.name;
    if (e.type === 'exchange') {
      const r = e.request;
      const ct = r.headers['content-type'] ?? '';
      const postText = r.form
        ? r.form.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
        : r.body;
      const resCt = e.response?.headers['content-type'] ?? '';
      entries.push({
        startedDateTime: new Date(e.at - e.durationMs).toISOString(),
        time: e.durationMs,
        request: {
          method: r.method,
          url: harUrl(r.url),
          httpVersion: 'HTTP/1.1',
          headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })),
          queryString: queryString(r.url),
          cookies: [],
          headersSize: -1,
          bodySize: postText === undefined ? 0 : bytes(postText),
          ...(postText !== undefined
            ? {
                postData: {
                  mimeType: ct || 'application/octet-stream',
                  params: (r.form ?? []).map(([name, value]) => ({ name, value })),
                  text: postText,
                },
              }
            : {}),
        },
        response: e.response
          ? {
              status: e.response.status,
              statusText: STATUS_TEXT[e.response.status] ?? '',
              httpVersion: 'HTTP/1.1',
              headers: Object.entries(e.response.headers).map(([name, value]) => ({ name, value })),
              cookies: [],
              content: {
                size: bytes(e.response.body),
                mimeType: resCt || 'application/octet-stream',
                text: e.response.body,
              },
              redirectURL: e.response.headers.location ? harUrl(e.response.headers.location) : '',
              headersSize: -1,
              bodySize: bytes(e.response.body),
            }
          : { ...noResponse(), _error: `${e.error?.code ?? 'ERROR'}: ${e.error?.message ?? ''}` },
        cache: {},
        timings: { send: 0, wait: e.durationMs, receive: 0 },
        ...(e.attempt > 1 ? { comment: `attempt ${e.attempt}` } : {}),
        ...(step ? { _step: step } : {}),
        ...(e.notes?.length ? { _notes: e.notes } : {}),
        ...(e.tokens?.length ? { _tokens: e.tokens } : {}),
        _channel: 'back',
      });
    } else if (e.type === 'front') {
      entries.push({
        startedDateTime: new Date(e.at).toISOString(),
        time: 0,
        request: {
          method: 'GET',
          url: harUrl(e.url),
          httpVersion: 'HTTP/1.1',
          headers: [],
          queryString: queryString(e.url),
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: noResponse(),
        cache: {},
        timings: { send: 0, wait: 0, receive: 0 },
        comment:
          e.direction === 'open'
            ? `front channel: authorize URL handed to the browser (${e.via}); the browser's own request is not seen by entra-token`
            : `front channel: redirect received (${e.via}); not fetched by entra-token`,
        ...(step ? { _step: step } : {}),
        ...(e.notes?.length ? { _notes: e.notes } : {}),
        _channel: 'front',
      });
    }
  }
  return entries;
}

/** A HAR 1.2 document; `previous` (an earlier HAR from entra-token) is extended rather than replaced. */
export function toHar(events: readonly AuditEvent[], version: string, previous?: Har): Har {
  const entries = [...(previous?.log.entries ?? []), ...harEntries(events)];
  return {
    log: {
      version: '1.2',
      creator: { name: 'entra-token', version, comment: 'secrets redacted: prefix…[length hmac:mark]' },
      pages: [],
      entries,
    },
  };
}
