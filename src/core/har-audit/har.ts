/**
 * HAR 1.2 reader for `audit`: browser exports (Chrome, Firefox), Playwright's `recordHar`, mitmproxy's
 * export and entra-token's own `--har` all become the same list of plain entries. Tolerant of what the
 * exporters leave out (no content, base64 bodies, missing timings); strict only about what makes a file
 * not a HAR at all. Pure: it is handed the text.
 * @see http://www.softwareishard.com/blog/har-12-spec/
 */
import { badInput } from '../errors.js';
import type { DecodedToken } from '../audit.js';

/** One request/response pair of the capture, as the rules see it. Header names in lower case. */
export interface HarItem {
  /** 1-based position in `log.entries` (what the report calls "entry N"). */
  n: number;
  /** Line of the file where the entry starts (1-based), when the text could be located. */
  line: number | undefined;
  /** Column of that line (1-based, UTF-16 code units): one-line HARs (Playwright's) need it. */
  column: number | undefined;
  /** Milliseconds since the epoch, or undefined when `startedDateTime` is missing or not a date. */
  at: number | undefined;
  method: string;
  url: string;
  requestHeaders: Array<[string, string]>;
  requestMime: string;
  requestBody: string | undefined;
  /** 0 when there was no response (a failed request, or a front-channel record of entra-token's own HAR). */
  status: number;
  responseHeaders: Array<[string, string]>;
  responseMime: string;
  responseBody: string | undefined;
  /** The `location` header, or `redirectURL`. */
  location: string | undefined;
  /** Tokens entra-token decoded before it redacted its own HAR (`_tokens`); claims only, never a signature. */
  decoded: DecodedToken[];
  /** entra-token's own HAR marks front-channel records (the authorize URL it opened, the redirect it got). */
  channel: 'front' | 'back' | undefined;
}

export interface ParsedHar {
  creator: string;
  entries: HarItem[];
  /** Entries skipped because they lack a request URL, and similar: one short sentence each. */
  skipped: string[];
}

/** The biggest HAR `audit` reads by default (browser exports with bodies embedded run to tens of MB). */
export const MAX_HAR_BYTES = 200 * 1024 * 1024;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function pairs(v: unknown): Array<[string, string]> {
  if (!Array.isArray(v)) return [];
  const out: Array<[string, string]> = [];
  for (const h of v) {
    if (isObj(h) && typeof h.name === 'string' && typeof h.value === 'string')
      out.push([h.name.toLowerCase(), h.value]);
  }
  return out;
}

const TEXTUAL = /^(text\/|application\/(json|x-www-form-urlencoded|javascript|xml|xhtml\+xml|[a-z.+-]*\+json))/i;

function bodyOf(content: unknown): { text: string | undefined; mime: string } {
  if (!isObj(content)) return { text: undefined, mime: '' };
  const mime = str(content.mimeType) ?? '';
  const text = str(content.text);
  if (text === undefined) return { text: undefined, mime };
  if (content.encoding === 'base64') {
    if (mime && !TEXTUAL.test(mime)) return { text: undefined, mime };
    return { text: Buffer.from(text, 'base64').toString('utf8'), mime };
  }
  return { text, mime };
}

function postBody(postData: unknown): { text: string | undefined; mime: string } {
  if (!isObj(postData)) return { text: undefined, mime: '' };
  const mime = str(postData.mimeType) ?? '';
  const text = str(postData.text);
  if (text !== undefined) return { text, mime };
  // some exporters give only `params` for form posts
  const params = pairs(postData.params);
  if (params.length) return { text: new URLSearchParams(params).toString(), mime };
  return { text: undefined, mime };
}

function decodedTokens(v: unknown): DecodedToken[] {
  if (!Array.isArray(v)) return [];
  const out: DecodedToken[] = [];
  for (const t of v) {
    if (isObj(t) && typeof t.field === 'string' && isObj(t.header) && isObj(t.claims)) {
      const where = t.where === 'request' || t.where === 'response' || t.where === 'redirect' ? t.where : 'response';
      out.push({ field: t.field, where, header: t.header, claims: t.claims });
    }
  }
  return out;
}

/**
 * Parse a HAR file's text. A file that is not JSON, or has no `log.entries` array, is a one-line
 * EBAD_INPUT; an entry without a request URL is skipped and named in `skipped`. Never throws anything else.
 */
export function parseHar(text: string, name = 'the file'): ParsedHar {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw badInput(
      `${name} is not JSON (${(e as Error).message.slice(0, 80)})`,
      'give a HAR 1.2 file: DevTools "Save all as HAR", Playwright recordHar, mitmproxy, or entra-token --har',
    );
  }
  const log = isObj(doc) ? doc.log : undefined;
  if (!isObj(log) || !Array.isArray(log.entries))
    throw badInput(
      `${name} is JSON but not a HAR file: it has no log.entries array`,
      'give a HAR 1.2 file: DevTools "Save all as HAR", Playwright recordHar, mitmproxy, or entra-token --har',
    );
  const creator = isObj(log.creator)
    ? `${str(log.creator.name) ?? 'unknown'}${str(log.creator.version) ? ` ${str(log.creator.version)}` : ''}`
    : 'unknown';
  const lines = entryLines(text, log.entries.length);
  const entries: HarItem[] = [];
  const skipped: string[] = [];
  log.entries.forEach((e: unknown, i: number) => {
    const n = i + 1;
    const req = isObj(e) ? e.request : undefined;
    if (!isObj(e) || !isObj(req) || typeof req.url !== 'string' || !req.url) {
      skipped.push(`entry ${n} has no request URL`);
      return;
    }
    const res = isObj(e.response) ? e.response : {};
    const started = str(e.startedDateTime);
    const at = started ? Date.parse(started) : NaN;
    const rb = postBody(req.postData);
    const sb = bodyOf(res.content);
    const responseHeaders = pairs(res.headers);
    const redirect = str(res.redirectURL);
    const status = typeof res.status === 'number' && Number.isFinite(res.status) ? res.status : 0;
    entries.push({
      n,
      line: lines[i]?.line,
      column: lines[i]?.column,
      at: Number.isFinite(at) ? at : undefined,
      method: (str(req.method) ?? 'GET').toUpperCase(),
      url: req.url,
      requestHeaders: pairs(req.headers),
      requestMime: rb.mime || (pairs(req.headers).find(([k]) => k === 'content-type')?.[1] ?? ''),
      requestBody: rb.text,
      status,
      responseHeaders,
      responseMime: sb.mime || (responseHeaders.find(([k]) => k === 'content-type')?.[1] ?? ''),
      responseBody: sb.text,
      // the Location header first: exporters (Playwright) drop the fragment from redirectURL, and the fragment
      // is where an implicit grant puts its tokens
      location: responseHeaders.find(([k]) => k === 'location')?.[1] || redirect || undefined,
      decoded: decodedTokens(e._tokens),
      channel: e._channel === 'front' || e._channel === 'back' ? e._channel : undefined,
    });
  });
  // HAR says entries are in time order; exporters do not all keep that promise
  entries.sort((a, b) => (a.at ?? 0) - (b.at ?? 0) || a.n - b.n);
  return { creator, entries, skipped };
}

/**
 * Where each element of `log.entries` starts (line and column, 1-based), found by one pass over the (valid)
 * JSON text, so a finding can point at its place in the file (SARIF regions, editors).
 */
export function entryLines(text: string, count: number): Array<{ line: number; column: number } | undefined> {
  const out = new Array<{ line: number; column: number } | undefined>(count).fill(undefined);
  // path of keys/containers: ['{', 'log', '{', 'entries', '[']
  const stack: Array<{ kind: '{' | '['; key?: string | undefined; index: number }> = [];
  let line = 1;
  let lineStart = 0;
  const here = () => ({ line, column: i - lineStart + 1 });
  let lastKey: string | undefined;
  let i = 0;
  const inEntries = () =>
    stack.length === 3 &&
    stack[0]!.kind === '{' &&
    stack[1]!.kind === '{' &&
    stack[1]!.key === 'log' &&
    stack[2]!.kind === '[' &&
    stack[2]!.key === 'entries';
  let expectingValue = true;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = text.slice(i + 1, j);
      const top = stack[stack.length - 1];
      if (top?.kind === '{' && !expectingValue) lastKey = s;
      else if (top?.kind === '[' && inEntries()) out[top.index] ??= here();
      i = j + 1;
      continue;
    }
    if (c === ':') expectingValue = true;
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === '[') top.index++;
      expectingValue = top?.kind === '[';
    } else if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      if (top?.kind === '[' && inEntries() && top.index < count) out[top.index] ??= here();
      stack.push({ kind: c, key: top?.kind === '{' ? lastKey : undefined, index: 0 });
      expectingValue = c === '[';
      lastKey = undefined;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectingValue = false;
    } else if (!/\s/.test(c)) {
      const top = stack[stack.length - 1];
      if (top?.kind === '[' && inEntries() && top.index < count) out[top.index] ??= here();
    }
    i++;
  }
  return out;
}
