/**
 * The one HTTP client of the tool (undici). Requests arrive as values (`WireRequest`) and leave as
 * values (`WireResponse`); each attempt is recorded in the trace. Redirects are never followed.
 *
 * Retries: idempotent requests (GETs) are retried on 429/500/502/503/504 and on connection failures,
 * with jittered backoff, honouring Retry-After, bounded in attempts and total time. A token POST is only
 * re-sent when the server definitely did not process it: it never connected, or it answered 429/503.
 * When a POST was sent and no answer came back, the outcome is unknown (a code may have been redeemed, a
 * refresh token rotated), so it is not retried: EOUTCOME_UNKNOWN.
 */
import { randomUUID } from 'node:crypto';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { EntraTokenError, excerpt } from '../core/errors.js';
import { sleep as timerSleep } from './sleep.js';
import { assertSecureUrl } from '../core/url-safety.js';
import { requestBody, type WireRequest, type WireResponse } from '../core/wire.js';
import { userAgent, withClientInfo } from '../core/platform.js';
import { PLATFORM } from './platform.js';
import type { Trace } from './trace.js';

export { PLATFORM } from './platform.js';
export const USER_AGENT = userAgent(PLATFORM);

export interface RetryPolicy {
  /** Total attempts, including the first. */
  maxAttempts: number;
  /** Give up retrying once this much time has been spent (ms). */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, maxTotalMs: 30_000, baseDelayMs: 300, maxDelayMs: 5_000 };
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, maxTotalMs: 0, baseDelayMs: 0, maxDelayMs: 0 };

export interface HttpClientOptions {
  /** Environment for proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). */
  env?: Record<string, string | undefined>;
  connectTimeoutMs?: number;
  /** The total deadline of one attempt: connecting (a proxy's CONNECT too), sending, headers and the whole body. */
  timeoutMs?: number;
  /** The largest answer accepted (bytes); a larger one is EBAD_RESPONSE. Default {@link MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  retry?: RetryPolicy;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Allow plain http to the instance metadata service (the managed-identity client only). */
  allowImds?: boolean;
}

export interface SendOptions {
  trace?: Trace | undefined;
  signal?: AbortSignal | undefined;
  retry?: RetryPolicy;
  timeoutMs?: number;
}

export interface HttpClient {
  send(req: WireRequest, opts?: SendOptions): Promise<WireResponse>;
  close(): Promise<void>;
}

const RETRYABLE_GET = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_POST = new Set([429, 503]);
/** Errors raised before any byte of the request could have reached the server. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function hasProxy(env: Record<string, string | undefined>): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/** Parse Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // an HTTP date has a weekday and month name; V8 would read "1.5" or "-1" as dates in 2001
  if (!/^[A-Za-z]{3},? /.test(v)) return undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function normalizeHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The largest answer accepted: 16 MiB. A token response is a few kilobytes and a Graph page of 999 users a few
 * megabytes; a server sending more is broken or hostile, and reading it whole would take the memory with it.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Whether any byte of the request body reached the server's socket (the proxy tunnel, if any, was up). */
interface Progress {
  sent: boolean;
}

/**
 * The dispatcher as seen by one attempt: the same connection pool, with the request's handler watched for the
 * moment its body is written. Until then a failure (a CONNECT refused or reset, a stalled tunnel) means the
 * server never saw the request, so even a token POST may be retried.
 */
function tracking(base: Dispatcher, progress: Progress): Dispatcher {
  const watch = (handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler => {
    // undici reads the handler's methods at every step (and at every chunk of the body): each is bound once
    const bound = new Map<PropertyKey, unknown>();
    return new Proxy(handler, {
      get(target, key, receiver) {
        if (key === 'onBodySent' || key === 'onRequestSent') {
          const original = Reflect.get(target, key, receiver) as ((...a: unknown[]) => unknown) | undefined;
          return (...args: unknown[]) => {
            progress.sent = true;
            return original?.apply(target, args);
          };
        }
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof v !== 'function') return v;
        let f = bound.get(key) as { original: unknown; fn: unknown } | undefined;
        if (f?.original !== v) {
          f = { original: v, fn: (v as (...a: unknown[]) => unknown).bind(target) };
          bound.set(key, f);
        }
        return f.fn;
      },
    });
  };
  return new Proxy(base, {
    get(target, key) {
      if (key === 'dispatch')
        return (o: Dispatcher.DispatchOptions, h: Dispatcher.DispatchHandler) => target.dispatch(o, watch(h));
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A promise that rejects (with an AbortError) once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** Read a body up to `max` bytes; a longer one is refused (and the connection dropped) without being kept. */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy?: (e?: Error) => void },
  contentLength: string | string[] | undefined,
  max: number,
  req: WireRequest,
): Promise<string> {
  const tooBig = () =>
    new EntraTokenError(
      'EBAD_RESPONSE',
      `the answer of ${safeHost(req.url)} is larger than ${Math.round(max / 1024 / 1024)} MiB; refused`,
      { hint: 'a token or API answer is never this large: check the URL and any proxy in between' },
    );
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > max) {
    body.destroy?.();
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      throw tooBig();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * TLS failures: the handshake failed, so nothing was sent. Most are a certificate this process does not
 * trust (a TLS-inspecting proxy, a private CA): Node adds NODE_EXTRA_CA_CERTS to its CA list at start.
 * @see https://nodejs.org/api/cli.html#node_extra_ca_certsfile
 */
export const TLS_ERROR =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|HOSTNAME_MISMATCH|ALTNAME|ERR_SSL/;

/** What to do after a token POST of unknown outcome: it depends on whether the grant spent something single-use. */
function unknownOutcomeHint(req: WireRequest): string {
  const grant = req.form?.find(([k]) => k === 'grant_type')?.[1];
  const redeemsNothing =
    grant === 'client_credentials' ||
    grant === 'password' ||
    grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
    grant === 'urn:ietf:params:oauth:grant-type:device_code';
  if (redeemsNothing)
    return `a ${grant === 'urn:ietf:params:oauth:grant-type:device_code' ? 'device code poll' : `${grant.replace(/^.*:/, '').replace(/_/g, ' ')} request`} redeems nothing single-use: run the command again (a longer --http-timeout or ENTRA_TOKEN_TIMEOUT if the server is slow)`;
  return 'an authorization code can be redeemed only once and a refresh token may have rotated: start the sign-in again (or retry a refresh once) rather than resending the same request';
}

function errorCode(e: unknown): string {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.cause?.code ?? err?.code ?? '';
}

/** Create a client. The CLI makes one per run; the library's default is shared. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const env = options.env ?? process.env;
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const policy = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? timerSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let dispatcher: Dispatcher | undefined;
  /** The last URL found safe to send to (this client's `allowImds` never changes). */
  let secureUrl: string | undefined;

  function getDispatcher(): Dispatcher {
    if (!dispatcher) {
      const common = { connect: { timeout: connectTimeout }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
      dispatcher = hasProxy(env)
        ? new EnvHttpProxyAgent({
            ...common,
            httpProxy: env.HTTP_PROXY ?? env.http_proxy,
            httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
            noProxy: env.NO_PROXY ?? env.no_proxy,
          })
        : new Agent(common);
    }
    return dispatcher;
  }

  async function attempt(req: WireRequest, opts: SendOptions, n: number): Promise<WireResponse> {
    const started = now();
    const headers: Record<string, string> = { ...req.headers };
    const body = requestBody(req);
    const limit = opts.timeoutMs ?? timeoutMs;
    // One deadline for the whole attempt — connecting (a proxy's CONNECT included), sending, the headers and
    // every byte of the body — not a per-chunk timer that a server dripping a byte at a time keeps alive.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), limit);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
    const progress: Progress = { sent: false };
    const used = getDispatcher();
    try {
      const exchange = (async () => {
        const res = await request(req.url, {
          method: req.method,
          headers,
          body,
          dispatcher: tracking(used, progress),
          signal,
          headersTimeout: limit,
          bodyTimeout: limit,
        });
        return { res, text: await readCapped(res.body, res.headers['content-length'], maxBody, req) };
      })();
      // undici does not abort a request still waiting for its connection (a proxy that never answers CONNECT,
      // or closes without a word): the race ends the wait, and the stuck pool is thrown away.
      const { res, text } = await Promise.race([exchange, aborted(signal)]).catch((e: unknown) => {
        exchange.catch(() => {});
        if (signal.aborted && dispatcher === used) {
          dispatcher = undefined;
          void used.destroy().catch(() => {});
        }
        throw e;
      });
      const response: WireResponse = {
        status: res.statusCode,
        headers: normalizeHeaders(res.headers as Record<string, string | string[] | undefined>),
        body: text,
        ...(req.headers['client-request-id'] ? { clientRequestId: req.headers['client-request-id'] } : {}),
      };
      opts.trace?.exchange({ request: req, response, durationMs: now() - started, attempt: n });
      return response;
    } catch (e) {
      // a caller's signal aborted with an ETIMEOUT reason (the cache lock's hold time) is a deadline too
      const outer = opts.signal?.aborted ? (opts.signal.reason as unknown) : undefined;
      const outerDeadline = outer instanceof EntraTokenError && outer.code === 'ETIMEOUT';
      const failure = classify(e, req, {
        limit,
        sent: progress.sent,
        deadline: (deadline.signal.aborted && !opts.signal?.aborted) || outerDeadline,
        cancelled: Boolean(opts.signal?.aborted) && !outerDeadline,
      });
      opts.trace?.exchange({
        request: req,
        error: { code: failure.code, message: failure.message },
        durationMs: now() - started,
        attempt: n,
      });
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  function classify(
    e: unknown,
    req: WireRequest,
    how: { limit: number; sent: boolean; deadline: boolean; cancelled: boolean },
  ): EntraTokenError & { sent?: boolean; permanent?: boolean } {
    if (e instanceof EntraTokenError) return e;
    const code = errorCode(e);
    const host = safeHost(req.url);
    const message = String((e as Error)?.message ?? e);
    if (how.cancelled) return new EntraTokenError('ECANCELLED', `cancelled while waiting for ${host}`);
    // The proxy refused the tunnel (407 Proxy Authentication Required, 403, 502…): nothing reached the server.
    const tunnel = /Proxy response \((\d{3})\) !== 200|Proxy Authentication Required \((\d{3})\)/.exec(message);
    if (tunnel) {
      const status = Number(tunnel[1] ?? tunnel[2]);
      const err = new EntraTokenError(
        'ENETWORK',
        `the proxy refused the tunnel to ${host} (HTTP ${status}${status === 407 ? ' Proxy Authentication Required' : ''}); nothing was sent to ${host}`,
        {
          hint:
            status === 407
              ? 'the proxy wants credentials: put them in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port) or ask for the host to be allowed'
              : 'check HTTPS_PROXY / NO_PROXY, or ask the proxy administrator to allow this host',
          cause: e,
        },
      );
      return Object.assign(err, { sent: false });
    }
    if (TLS_ERROR.test(code)) {
      const err = new EntraTokenError(
        'ENETWORK',
        `connection to ${host} failed (${code}): TLS: ${/ALTNAME|HOSTNAME/.test(code) ? 'the certificate does not name this host' : /EXPIRED|NOT_YET_VALID/.test(code) ? 'the certificate is not valid now' : 'the certificate is not trusted'}; nothing was sent`,
        {
          hint: /ALTNAME|HOSTNAME|EXPIRED|NOT_YET_VALID/.test(code)
            ? 'check the URL and the clock; entra-token doctor checks both'
            : 'a proxy or firewall inspecting TLS, or a private CA: export NODE_EXTRA_CA_CERTS=/path/to/ca.pem (Node reads it at start); entra-token doctor checks it',
          cause: e,
        },
      );
      return Object.assign(err, { sent: false, permanent: true });
    }
    if (NOT_SENT.has(code) || (!how.sent && !how.deadline)) {
      // refused, unresolvable, or the connection (or the proxy's CONNECT) failed before the request was written
      const err = new EntraTokenError(
        code === 'UND_ERR_CONNECT_TIMEOUT' ? 'ETIMEOUT' : 'ENETWORK',
        code === 'UND_ERR_CONNECT_TIMEOUT'
          ? `could not connect to ${host} within ${connectTimeout / 1000} s`
          : `could not connect to ${host} (${code || excerpt(message, 80)}); nothing was sent`,
        { hint: 'check the host name, your network and proxy settings (HTTPS_PROXY, NO_PROXY)', cause: e },
      );
      return Object.assign(err, { sent: false });
    }
    if (how.deadline && !how.sent) {
      const err = new EntraTokenError(
        'ETIMEOUT',
        `could not reach ${host} within ${how.limit / 1000} s (the connection${hasProxy(env) ? ' or the proxy tunnel' : ''} was not ready); nothing was sent`,
        { hint: 'check your network and proxy settings (HTTPS_PROXY, NO_PROXY), or raise --http-timeout', cause: e },
      );
      return Object.assign(err, { sent: false });
    }
    const timedOut = how.deadline || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    if (!req.idempotent) {
      const err = new EntraTokenError(
        'EOUTCOME_UNKNOWN',
        `${req.method} ${host} was sent but ${timedOut ? 'no answer came in time' : `the connection failed (${code || excerpt(message, 80)})`}; its outcome is unknown, so it was not retried`,
        {
          hint: unknownOutcomeHint(req),
          cause: e,
        },
      );
      return Object.assign(err, { sent: true });
    }
    const err = new EntraTokenError(
      timedOut ? 'ETIMEOUT' : 'ENETWORK',
      timedOut
        ? `${host} did not answer within ${how.limit / 1000} s`
        : `connection to ${host} failed (${code || 'network error'})`,
      { hint: 'check your network and proxy settings, then try again', cause: e },
    );
    return Object.assign(err, { sent: true });
  }

  async function send(original: WireRequest, opts: SendOptions = {}): Promise<WireResponse> {
    // the same URL again (a token endpoint polled, a paged API) was checked already
    if (original.url !== secureUrl) {
      assertSecureUrl(original.url, 'request URL', { allowImds: options.allowImds === true });
      secureUrl = original.url;
    }
    // one client-request-id for every attempt of this request; the trace shows the request as sent
    const req = withClientInfo(original, PLATFORM, randomUUID());
    const p = opts.retry ?? policy;
    const startedAt = now();
    for (let n = 1; ; n++) {
      let response: WireResponse | undefined;
      let failure: (EntraTokenError & { sent?: boolean; permanent?: boolean }) | undefined;
      try {
        response = await attempt(req, opts, n);
      } catch (e) {
        failure = e as EntraTokenError & { sent?: boolean; permanent?: boolean };
        if (
          failure.code === 'ECANCELLED' ||
          failure.code === 'EOUTCOME_UNKNOWN' ||
          failure.code === 'EINSECURE' ||
          failure.permanent
        )
          throw failure;
        if (!req.idempotent && failure.sent !== false) throw failure;
      }
      const retryable = response ? (req.idempotent ? RETRYABLE_GET : RETRYABLE_POST).has(response.status) : true;
      if (!retryable || n >= p.maxAttempts) {
        if (failure) throw failure;
        return response!;
      }
      const backoff = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (n - 1));
      const jittered = backoff / 2 + random() * (backoff / 2);
      const advised = response ? retryAfterMs(response.headers['retry-after'], now()) : undefined;
      const delay = advised ?? jittered;
      if (now() - startedAt + delay > p.maxTotalMs) {
        if (failure) throw failure;
        return response!;
      }
      opts.trace?.note(
        `retrying ${req.method} ${safeHost(req.url)} in ${(delay / 1000).toFixed(1)} s (attempt ${n + 1} of ${p.maxAttempts}` +
          (advised !== undefined ? ', as Retry-After asks)' : ')'),
      );
      await sleep(delay, opts.signal).catch((e: unknown) => {
        const reason = opts.signal?.reason as unknown;
        throw reason instanceof EntraTokenError && reason.code === 'ETIMEOUT' ? (failure ?? reason) : e;
      });
    }
  }

  return {
    send,
    async close() {
      const d = dispatcher;
      dispatcher = undefined;
      await d?.close();
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

let shared: HttpClient | undefined;

/** Send with the process-wide default client (library convenience). */
export function send(req: WireRequest, opts?: SendOptions): Promise<WireResponse> {
  shared ??= createHttpClient();
  return shared.send(req, opts);
}
