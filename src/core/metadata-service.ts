/**
 * The Databricks metadata-service protocol, server side, as pure functions (docs/protocol.md §12): which
 * requests get a token, which get which 4xx, the token body, when to renew, and the child environment of
 * `exec`. The loopback server (io/metadata-server.ts) only moves bytes and asks these functions.
 *
 * The client (Go, Python and JS SDKs, the Databricks CLI, Terraform) sends
 * `GET <DATABRICKS_METADATA_SERVICE_URL>` with `X-Databricks-Metadata-Version: 1` and
 * `X-Databricks-Host: <workspace URL>` and expects `{"access_token","token_type","expires_on"}`, with
 * `expires_on` in epoch seconds as a JSON number. The server must answer 4xx to a missing or unknown
 * version and to a host that is not its session's, and keep each URL path bound to one host.
 * @see https://github.com/databricks/databricks-sdk-go/blob/main/config/auth_metadata_service.go
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const METADATA_SERVICE_VERSION = '1';
/** Header names as Node lower-cases them. */
export const VERSION_HEADER = 'x-databricks-metadata-version';
export const HOST_HEADER = 'x-databricks-host';

/** What one server is bound to: one workspace, one secret path, one port. */
export interface MetadataSession {
  /** The workspace origin, e.g. `https://adb-1234567890123456.7.azuredatabricks.net` (already normalized). */
  host: string;
  /** The random path, with its leading `/`. */
  path: string;
  /** The port the server listens on (for the Host header check). */
  port: number;
  /** The workspace's ARM resource id, when given. */
  resourceId?: string | undefined;
}

/** The parts of an incoming request the checks read. */
export interface MetadataRequest {
  method: string;
  /** The request target as received (`req.url`). */
  target: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Why a request was refused: the status, an error code for the JSON body and the log, and a sentence. */
export interface Refusal {
  kind: 'refuse';
  status: 400 | 403 | 404 | 405 | 421;
  error:
    | 'misdirected_request'
    | 'cross_origin'
    | 'method_not_allowed'
    | 'not_found'
    | 'bad_version'
    | 'missing_host'
    | 'host_mismatch';
  description: string;
}

/** A token as the server serves it. */
export interface ServedToken {
  access_token: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
  /** When to get a new one (ms since the epoch); default {@link RENEW_AHEAD_MS} before expiry. */
  renew_at?: number | undefined;
}

export type MetadataVerdict = { kind: 'serve' } | Refusal;

/** Digest both sides so the comparison takes the same time whatever the length or the first difference. */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compare a received path with the session's secret path in constant time. */
export function pathMatches(received: string, secret: string): boolean {
  return timingSafeEqual(sha256(received), sha256(secret));
}

/**
 * The Host header a loopback client sends: `127.0.0.1:PORT` or `localhost:PORT`, nothing else. Any other
 * name means a browser was pointed here through a name that resolves to 127.0.0.1 (DNS rebinding).
 */
export function loopbackHostHeader(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/**
 * A workspace URL as an origin (`https://host[:port]`), from `X-Databricks-Host` or `--host`: the SDKs
 * send `https://<hostname>` (the JS SDK drops any path and port); a bare host name gets `https://`.
 * Undefined for anything that is not an http(s) URL with a host name.
 */
export function workspaceOrigin(value: string): string | undefined {
  const raw = value.trim();
  if (raw === '' || /[\s\\]/.test(raw)) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) return undefined;
  if (url.username || url.password) return undefined;
  return url.origin;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/**
 * Judge one request, in the order that leaks least: a foreign Host header (421) and any browser `Origin`
 * (403) before the path is even looked at; then the method (405), the secret path (404, constant time),
 * the protocol version (400) and the workspace host (403). Only a request that passes all gets a token.
 */
export function judgeMetadataRequest(req: MetadataRequest, session: MetadataSession): MetadataVerdict {
  const refuse = (status: Refusal['status'], error: Refusal['error'], description: string): Refusal => ({
    kind: 'refuse',
    status,
    error,
    description,
  });
  if (!loopbackHostHeader(single(req.headers.host), session.port))
    return refuse(421, 'misdirected_request', 'this server only answers to 127.0.0.1 and localhost on its port');
  // SDKs never send Origin; a browser always does on a cross-origin fetch (and on its CORS preflight)
  if (req.headers.origin !== undefined) return refuse(403, 'cross_origin', 'requests from web pages are refused');
  if (req.method !== 'GET') return refuse(405, 'method_not_allowed', 'only GET is served');
  const path = req.target.split('?')[0] ?? '';
  if (!pathMatches(path, session.path)) return refuse(404, 'not_found', 'not found');
  const version = single(req.headers[VERSION_HEADER]);
  if (version === undefined)
    return refuse(400, 'bad_version', `the X-Databricks-Metadata-Version header is missing (this server speaks 1)`);
  if (version.trim() !== METADATA_SERVICE_VERSION)
    return refuse(400, 'bad_version', `unsupported X-Databricks-Metadata-Version (this server speaks 1)`);
  const asked = single(req.headers[HOST_HEADER]);
  if (asked === undefined) return refuse(400, 'missing_host', 'the X-Databricks-Host header is missing');
  if (workspaceOrigin(asked) !== session.host)
    return refuse(403, 'host_mismatch', `this server serves tokens for ${session.host} only`);
  return { kind: 'serve' };
}

/** The 200 body: `expires_on` in whole epoch seconds, a JSON number (the Python SDK passes it to fromtimestamp). */
export function metadataTokenBody(accessToken: string, expiresAtMs: number): string {
  return JSON.stringify({
    access_token: accessToken,
    token_type: 'Bearer',
    expires_on: Math.floor(expiresAtMs / 1000),
  });
}

/** A refusal's JSON body (OAuth-style field names; never a token, never the secret path). */
export function refusalBody(r: Pick<Refusal, 'error' | 'description'>): string {
  return JSON.stringify({ error: r.error, error_description: r.description });
}

/**
 * When the server gets a new token: when its source says one is due (`renew_at`: the credential chain
 * refreshes a cached token with less than 5 min left), else {@link RENEW_AHEAD_MS} before expiry. The
 * Go and Python SDKs come back early (their stale window is min(TTL/2, 20 min)) and get the same token
 * until then; the JS SDK comes back 40 s before expiry.
 */
export const RENEW_AHEAD_MS = 5 * 60_000;
/** Below this, a token that could not be renewed is no longer handed out (Azure Databricks refuses ≤ 30 s). */
export const MIN_SERVE_MS = 60_000;

/** True when `t` is due for renewal at `nowMs`. */
export function needsRenewal(t: ServedToken, nowMs: number): boolean {
  return nowMs >= (t.renew_at ?? t.expires_at - RENEW_AHEAD_MS);
}

/** True when a token may still be handed out (renewal failed, but it has more than {@link MIN_SERVE_MS} left). */
export function stillServable(expiresAtMs: number, nowMs: number): boolean {
  return expiresAtMs - nowMs > MIN_SERVE_MS;
}

/** The JSON line `serve` prints on start: where, for whom, and how expiry is handled. */
export function serveInfo(session: MetadataSession, url: string): Record<string, unknown> {
  return {
    url,
    host: session.host,
    ...(session.resourceId ? { resource_id: session.resourceId } : {}),
    auth_type: 'metadata-service',
    expiry: {
      expires_on: 'the token expiry',
      renew_before_seconds: RENEW_AHEAD_MS / 1000,
      min_served_seconds: MIN_SERVE_MS / 1000,
    },
  };
}

/** The variables a Databricks client needs to use the server. */
export function metadataEnv(session: MetadataSession, url: string): Record<string, string> {
  return {
    DATABRICKS_HOST: session.host,
    DATABRICKS_AUTH_TYPE: 'metadata-service',
    DATABRICKS_METADATA_SERVICE_URL: url,
    ...(session.resourceId ? { DATABRICKS_AZURE_RESOURCE_ID: session.resourceId } : {}),
  };
}

/** Quote a value for POSIX sh: single quotes, with `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME='value'` lines for a POSIX shell. */
export function exportLines(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}

/**
 * Credentials that would compete with the metadata service in a Databricks client, or that the child
 * does not need to see once the server answers for it. ARM_* stay: other tools (Terraform's azurerm
 * provider) use them, and DATABRICKS_AUTH_TYPE=metadata-service makes the Databricks clients ignore them.
 */
export const CONFLICTING_ENV = [
  'DATABRICKS_TOKEN',
  'DATABRICKS_USERNAME',
  'DATABRICKS_PASSWORD',
  'DATABRICKS_CLIENT_ID',
  'DATABRICKS_CLIENT_SECRET',
] as const;

/**
 * The environment of `exec`'s child: the parent's, minus {@link CONFLICTING_ENV}, plus the metadata
 * variables. Returns what was removed and what was replaced, for the notes on stderr (names only).
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  vars: Record<string, string>,
): { env: Record<string, string>; removed: string[]; replaced: string[] } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined) env[k] = v;
  const removed: string[] = [];
  for (const name of CONFLICTING_ENV) {
    if (env[name] !== undefined) {
      delete env[name];
      removed.push(name);
    }
  }
  const replaced: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (env[k] !== undefined && env[k] !== v) replaced.push(k);
    env[k] = v;
  }
  return { env, removed, replaced };
}

/**
 * One line for the trace about a request the server answered: method, status, outcome, and nothing
 * secret (no path, which grants tokens; no token). `detail` is e.g. the token's expiry.
 */
export function describeRequest(
  req: Pick<MetadataRequest, 'method' | 'headers'>,
  status: number,
  outcome: string,
  detail?: string,
): string {
  const asked = single(req.headers[HOST_HEADER]);
  const bits = [`metadata request ${JSON.stringify(req.method.slice(0, 10))} → ${status} ${outcome}`];
  if (status === 421) bits.push(`Host ${JSON.stringify((single(req.headers.host) ?? '').slice(0, 200))}`);
  if (asked !== undefined) bits.push(`X-Databricks-Host ${JSON.stringify(asked.slice(0, 200))}`);
  const origin = single(req.headers.origin);
  if (origin !== undefined) bits.push(`Origin ${JSON.stringify(origin.slice(0, 200))}`);
  if (detail) bits.push(detail);
  return bits.join(', ');
}
