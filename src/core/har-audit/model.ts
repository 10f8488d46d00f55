/**
 * From HAR entries to OAuth messages and flows: which entry is an authorize request, the authorization
 * response (a redirect's query or fragment, or a form_post page), the browser delivering it to the app,
 * a token, device-code, discovery or JWKS call, or an API call carrying a bearer token — and which client
 * each belongs to. Recognition is by the protocol's own parameters (docs/protocol.md §1, §2, §4, §5), so
 * it works for any Entra cloud, the emulator, and other OpenID providers.
 */
import { decodeJwtUnverified } from '../jwt.js';
import { isRedacted } from '../redact.js';
import { isLoopbackHost } from '../url-safety.js';
import type { HarItem } from './har.js';

export type Obj = Record<string, unknown>;

/** A token seen in the capture, decoded without verification. */
export interface SeenToken {
  n: number;
  /** `access_token`, `id_token`, `refresh_token`, `authorization` (a bearer header), `client_assertion`. */
  field: string;
  where: 'request' | 'response' | 'redirect';
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

interface Base {
  item: HarItem;
  /** Client id of the flow the message belongs to (undefined until linked). */
  clientId: string | undefined;
}

export interface AuthorizeMsg extends Base {
  kind: 'authorize';
  params: Map<string, string>;
  /** `https://host/{tenant}` */
  authority: string;
  tenant: string | undefined;
  v1: boolean;
  redirectUri: string | undefined;
  responseType: string;
}

export interface AuthResponseMsg extends Base {
  kind: 'auth-response';
  mode: 'query' | 'fragment' | 'form_post';
  /** Where the response goes: the redirect URI without the parameters. */
  target: string;
  params: Map<string, string>;
  authorize: AuthorizeMsg | undefined;
}

export interface CallbackMsg extends Base {
  kind: 'callback';
  mode: 'query' | 'form_post';
  params: Map<string, string>;
  authorize: AuthorizeMsg | undefined;
}

export interface TokenMsg extends Base {
  kind: 'token';
  form: Map<string, string>;
  grant: string;
  clientAuth: 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt';
  fromBrowser: boolean;
  v1: boolean;
  tenant: string | undefined;
  response: Obj | undefined;
}

export interface DeviceCodeMsg extends Base {
  kind: 'devicecode';
  form: Map<string, string>;
  response: Obj | undefined;
}

export interface MetadataMsg extends Base {
  kind: 'discovery' | 'jwks';
}

export interface ApiMsg extends Base {
  kind: 'api';
  api: 'graph' | 'databricks' | 'other';
  /** The raw bearer value (may be a redaction mark in entra-token's own HAR). */
  bearer: string;
  token: SeenToken | undefined;
}

export type Message = AuthorizeMsg | AuthResponseMsg | CallbackMsg | TokenMsg | DeviceCodeMsg | MetadataMsg | ApiMsg;

export interface Flow {
  /** `client <id>`, or `no client` for discovery/JWKS and API calls whose client is unknown. */
  id: string;
  clientId: string | undefined;
  messages: Message[];
}

export interface Model {
  messages: Message[];
  flows: Flow[];
  tokens: SeenToken[];
  /** Origins of the authorization servers seen (authorize, token, device code endpoints). */
  asOrigins: Set<string>;
  /** Origins of the redirect URIs (the apps' own). */
  appOrigins: Set<string>;
}

export function header(item: HarItem, name: string, from: 'request' | 'response' = 'request'): string | undefined {
  return (from === 'request' ? item.requestHeaders : item.responseHeaders).find(([k]) => k === name)?.[1];
}

export function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** A Location header value as an absolute URL (resolved against the request's URL), or undefined. */
function resolveLocation(location: string, base: URL): string | undefined {
  if (parseUrl(location)) return location;
  try {
    return new URL(location, base).toString();
  } catch {
    return undefined;
  }
}

export function originOf(raw: string): string | undefined {
  const u = parseUrl(raw);
  return u && u.origin !== 'null' ? u.origin : undefined;
}

/** The URL without query and fragment. */
export function baseOf(raw: string): string {
  const b = raw.split(/[?#]/)[0]!;
  const u = parseUrl(b);
  return u ? `${u.origin}${u.pathname}` : b;
}

function firstValues(sp: URLSearchParams): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of sp) if (!m.has(k)) m.set(k, v);
  return m;
}

export function queryParams(raw: string): Map<string, string> {
  const q = raw.indexOf('?');
  if (q < 0) return new Map();
  const h = raw.indexOf('#', q);
  return firstValues(new URLSearchParams(raw.slice(q + 1, h > q ? h : undefined)));
}

export function fragmentParams(raw: string): Map<string, string> {
  const h = raw.indexOf('#');
  return h < 0 ? new Map() : firstValues(new URLSearchParams(raw.slice(h + 1)));
}

export function formOf(item: HarItem): Map<string, string> {
  if (item.requestBody === undefined) return new Map();
  if (!/x-www-form-urlencoded/i.test(item.requestMime) && !/^[\w.%+-]+=[^&]*(&|$)/.test(item.requestBody))
    return new Map();
  return firstValues(new URLSearchParams(item.requestBody));
}

export function jsonOf(body: string | undefined): Obj | undefined {
  if (!body || !/^\s*\{/.test(body)) return undefined;
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

/** Hidden inputs of an auto-submitting form_post page: `{action, fields}`, or undefined. */
export function formPostOf(html: string | undefined): { action: string; fields: Map<string, string> } | undefined {
  if (!html || !/<form/i.test(html)) return undefined;
  const form = /<form\b[^>]*\baction\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form || !/method\s*=\s*["']post["']/i.test(form[0])) return undefined;
  const fields = new Map<string, string>();
  for (const m of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname\s*=\s*["']([^"']*)["']/i.exec(m[0])?.[1];
    const value = /\bvalue\s*=\s*["']([^"']*)["']/i.exec(m[0])?.[1];
    if (name && value !== undefined && !fields.has(name)) fields.set(name, unescapeHtml(value));
  }
  return { action: unescapeHtml(form[1]!), fields };
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2f;|&#47;/gi, '/')
    .replace(/&#x3d;|&#61;/gi, '=')
    .replace(/&amp;/g, '&');
}

/** Parameters that make a redirect an authorization response. */
const RESPONSE_PARAMS = ['code', 'access_token', 'id_token', 'error'];
const hasResponseParam = (m: Map<string, string>) => RESPONSE_PARAMS.some((k) => m.has(k));

/** A request sent by a browser page (not a server, not a CLI): the Fetch metadata or Origin headers say so. */
export function fromBrowser(item: HarItem): boolean {
  return (
    header(item, 'origin') !== undefined ||
    header(item, 'sec-fetch-mode') !== undefined ||
    /^Mozilla\//.test(header(item, 'user-agent') ?? '')
  );
}

function tenantOf(u: URL): string | undefined {
  const seg = u.pathname.split('/')[1];
  return seg && !/^(oauth2|discovery|\.well-known)$/i.test(seg) ? decodeURIComponent(seg) : undefined;
}

/** Which API a URL belongs to: by host (public and national clouds), or by path (the emulator on loopback). */
export function apiOf(raw: string): 'graph' | 'databricks' | 'other' {
  const u = parseUrl(raw);
  if (!u) return 'other';
  const h = u.hostname.toLowerCase();
  if (/(^|\.)graph\.(microsoft\.(com|us)|microsoftgraph\.chinacloudapi\.cn)$|^microsoftgraph\./.test(h)) return 'graph';
  if (/azuredatabricks\.net$|databricks\.azure\.(us|cn)$/.test(h)) return 'databricks';
  if (isLoopbackHost(h)) {
    if (/^\/(v1\.0|beta)\//.test(u.pathname)) return 'graph';
    if (/^\/api\/2\.\d\//.test(u.pathname)) return 'databricks';
  }
  return 'other';
}

export function tryDecode(
  raw: string | undefined,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  if (!raw || isRedacted(raw) || !raw.startsWith('eyJ')) return undefined;
  try {
    const d = decodeJwtUnverified(raw);
    return { header: d.header, claims: d.claims };
  } catch {
    return undefined;
  }
}

const TOKEN_PATH = /\/oauth2\/(v2\.0\/)?token$|\/token$/i;
const DEVICE_PATH = /\/oauth2\/(v2\.0\/)?devicecode$|\/device(_authorization|code)?$/i;

/** Recognize every OAuth message of the capture and group them into flows per client id. */
export function buildModel(entries: readonly HarItem[]): Model {
  const messages: Message[] = [];
  const tokens: SeenToken[] = [];
  const asOrigins = new Set<string>();
  const appOrigins = new Set<string>();
  const authorizes: AuthorizeMsg[] = [];
  const redirectBases = new Map<string, AuthorizeMsg[]>();

  const seen = (item: HarItem, field: string, where: SeenToken['where'], raw: string | undefined) => {
    const d = tryDecode(raw);
    if (d) tokens.push({ n: item.n, field, where, ...d });
    return d;
  };
  const linkByState = (params: Map<string, string>, target: string): AuthorizeMsg | undefined => {
    const state = params.get('state');
    const candidates = redirectBases.get(target) ?? [];
    if (state !== undefined) {
      const byState = [...authorizes].reverse().find((a) => a.params.get('state') === state);
      if (byState) return byState;
    }
    return candidates[candidates.length - 1];
  };

  for (const item of entries) {
    const u = parseUrl(item.url);
    if (!u) continue;
    const q = queryParams(item.url);
    const form = item.method === 'POST' ? formOf(item) : new Map<string, string>();
    const path = u.pathname;
    const ours = item.decoded.map((t) => ({ n: item.n, ...t }));
    tokens.push(...ours);

    // authorize request: the front channel carries client_id and response_type (docs/protocol.md §1.1)
    if (item.method === 'GET' && q.has('client_id') && q.has('response_type')) {
      const v1 = /\/oauth2\/authorize$/i.test(path);
      const redirectUri = q.get('redirect_uri');
      const a: AuthorizeMsg = {
        kind: 'authorize',
        item,
        clientId: q.get('client_id'),
        params: q,
        authority: `${u.origin}${tenantOf(u) ? `/${tenantOf(u)}` : ''}`,
        tenant: tenantOf(u),
        v1,
        redirectUri,
        responseType: q.get('response_type') ?? '',
      };
      messages.push(a);
      authorizes.push(a);
      asOrigins.add(u.origin);
      if (redirectUri) {
        const base = baseOf(redirectUri);
        redirectBases.set(base, [...(redirectBases.get(base) ?? []), a]);
        const o = originOf(redirectUri);
        if (o) appOrigins.add(o);
      }
    } else if (item.method === 'POST' && form.has('grant_type')) {
      // token request (docs/protocol.md §2)
      const basic = /^basic\s/i.test(header(item, 'authorization') ?? '');
      const clientAuth: TokenMsg['clientAuth'] = form.has('client_assertion')
        ? 'private_key_jwt'
        : form.has('client_secret')
          ? 'client_secret_post'
          : basic
            ? 'client_secret_basic'
            : 'none';
      let clientId = form.get('client_id');
      if (!clientId && basic) {
        const raw = (header(item, 'authorization') ?? '').slice(6).trim();
        const dec = isRedacted(raw) ? '' : Buffer.from(raw, 'base64').toString('utf8');
        const id = dec.split(':')[0];
        if (id) clientId = decodeURIComponent(id.replace(/\+/g, ' '));
      }
      const response = jsonOf(item.responseBody);
      seen(item, 'client_assertion', 'request', form.get('client_assertion'));
      for (const f of ['access_token', 'id_token', 'refresh_token'])
        seen(item, f, 'response', typeof response?.[f] === 'string' ? (response[f] as string) : undefined);
      messages.push({
        kind: 'token',
        item,
        clientId,
        form,
        grant: form.get('grant_type')!,
        clientAuth,
        fromBrowser: fromBrowser(item),
        v1: /\/oauth2\/token$/i.test(path),
        tenant: tenantOf(u),
        response,
      });
      asOrigins.add(u.origin);
    } else if (item.method === 'POST' && form.has('client_id') && DEVICE_PATH.test(path)) {
      messages.push({
        kind: 'devicecode',
        item,
        clientId: form.get('client_id'),
        form,
        response: jsonOf(item.responseBody),
      });
      asOrigins.add(u.origin);
    } else if (/\/\.well-known\/openid-configuration$|\/common\/discovery\/instance$/i.test(path)) {
      messages.push({ kind: 'discovery', item, clientId: undefined });
    } else if (/\/discovery\/(v2\.0\/)?keys$|\/jwks(\.json)?$/i.test(path)) {
      messages.push({ kind: 'jwks', item, clientId: undefined });
    } else if (!TOKEN_PATH.test(path)) {
      // the browser delivering an authorization response to the app's redirect URI
      const base = baseOf(item.url);
      const body = item.method === 'POST' ? form : q;
      if (redirectBases.has(base) && hasResponseParam(body)) {
        const a = linkByState(body, base);
        messages.push({
          kind: 'callback',
          item,
          clientId: a?.clientId,
          mode: item.method === 'POST' ? 'form_post' : 'query',
          params: body,
          authorize: a,
        });
        for (const f of ['access_token', 'id_token']) seen(item, f, 'redirect', body.get(f));
      }
    }

    // an authorization response, by redirect (query or fragment) or by form_post page (docs/protocol.md §1.2)
    // a Location that does not resolve against the request URL (e.g. `/\\`) is no redirect to read
    const loc = item.location === undefined ? undefined : resolveLocation(item.location, u);
    if (item.location && loc && (asOrigins.has(u.origin) || redirectBases.has(baseOf(item.location)))) {
      const frag = fragmentParams(loc);
      const query = queryParams(loc);
      const mode = hasResponseParam(frag) ? 'fragment' : hasResponseParam(query) ? 'query' : undefined;
      if (mode) {
        const params = mode === 'fragment' ? frag : query;
        const a = linkByState(params, baseOf(loc));
        messages.push({
          kind: 'auth-response',
          item,
          clientId: a?.clientId,
          mode,
          target: baseOf(loc),
          params,
          authorize: a,
        });
        for (const f of ['access_token', 'id_token']) seen(item, f, 'redirect', params.get(f));
      }
    } else if (asOrigins.has(u.origin) && item.status === 200 && /html/i.test(item.responseMime)) {
      const fp = formPostOf(item.responseBody);
      if (fp && hasResponseParam(fp.fields)) {
        const a = linkByState(fp.fields, baseOf(fp.action));
        messages.push({
          kind: 'auth-response',
          item,
          clientId: a?.clientId,
          mode: 'form_post',
          target: baseOf(fp.action),
          params: fp.fields,
          authorize: a,
        });
        for (const f of ['access_token', 'id_token']) seen(item, f, 'redirect', fp.fields.get(f));
      }
    }

    // any call with a bearer token that is not to the authorization server
    const auth = header(item, 'authorization');
    const bearer = auth ? /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() : undefined;
    if (bearer && !form.has('grant_type')) {
      const d = tryDecode(bearer);
      const own = ours.find((t) => t.field === 'authorization');
      const token: SeenToken | undefined = d ? { n: item.n, field: 'authorization', where: 'request', ...d } : own;
      if (d) tokens.push(token!);
      messages.push({
        kind: 'api',
        item,
        clientId: token ? clientOfToken(token.claims) : undefined,
        api: apiOf(item.url),
        bearer,
        token,
      });
    }
  }

  // entra-token's own HAR: the front channel is recorded as the URLs it opened and received (no response)
  for (const m of messages)
    if (m.kind === 'auth-response' || m.kind === 'callback') m.clientId ??= m.authorize?.clientId;

  const flows = new Map<string, Flow>();
  for (const m of messages) {
    const id = m.clientId ? `client ${m.clientId}` : 'no client';
    let f = flows.get(id);
    if (!f) flows.set(id, (f = { id, clientId: m.clientId, messages: [] }));
    f.messages.push(m);
  }
  // discovery and JWKS belong to the one flow there is, when there is only one
  const real = [...flows.values()].filter((f) => f.clientId);
  const loose = flows.get('no client');
  if (loose && real.length === 1 && loose.messages.every((m) => m.kind === 'discovery' || m.kind === 'jwks')) {
    real[0]!.messages.push(...loose.messages);
    real[0]!.messages.sort((a, b) => (a.item.at ?? 0) - (b.item.at ?? 0) || a.item.n - b.item.n);
    flows.delete('no client');
  }
  return { messages, flows: [...flows.values()], tokens, asOrigins, appOrigins };
}

/** The client a token was issued to: `azp` (v2) or `appid` (v1); for an ID token, its audience. */
export function clientOfToken(claims: Record<string, unknown>): string | undefined {
  const c = claims.azp ?? claims.appid;
  if (typeof c === 'string') return c;
  if ((claims.nonce !== undefined || claims.at_hash !== undefined) && typeof claims.aud === 'string') return claims.aud;
  return undefined;
}
