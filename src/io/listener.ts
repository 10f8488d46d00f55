/**
 * The loopback redirect listener of the interactive login (RFC 8252 §7.3): binds 127.0.0.1 and, where
 * the machine has it, ::1 on the same port, so `http://localhost:PORT` works whichever address the
 * browser resolves. It serves one path, accepts exactly one valid callback, refuses requests whose Host
 * is not a loopback name (DNS rebinding), and shows small self-contained pages.
 *
 * Whether a callback is valid is decided by a {@link CallbackJudge} passed in, so the same state check
 * serves the listener and the paste-back reader.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { EntraTokenError } from '../core/errors.js';
import { LOOPBACK_REDIRECT_HOSTS, type LoopbackRedirectHost } from '../core/url-safety.js';
import { authorizeErrorPage, mismatchPage, refusal, successPage, type Page } from './pages.js';

/** What to do with a callback's parameters. */
export type CallbackVerdict =
  /** The one valid callback (right state, a code): the login goes on to the exchange. */
  | { kind: 'accept' }
  /** Right state, `error=…`: the login ends with `error`. */
  | { kind: 'error'; error: Error }
  /** Not for this login (wrong or missing state, no code): shown and recorded, the wait goes on. */
  | { kind: 'ignore'; reason: string };

export type CallbackJudge = (params: URLSearchParams) => CallbackVerdict;

/** A callback that ended the wait successfully. */
export interface Callback {
  /** The redirect URL as received (for a form_post, the redirect URI plus the posted fields as a query). */
  url: string;
  params: URLSearchParams;
  via: 'listener' | 'paste';
}

/** One request the listener answered, without its query (it may carry a code). */
export interface ListenerEvent {
  method: string;
  path: string;
  status: number;
  outcome:
    | 'accepted'
    | 'authorize-error'
    | 'ignored'
    | 'not-found'
    | 'method-not-allowed'
    | 'bad-host'
    | 'bad-request'
    | 'finished';
  reason?: string;
}

export interface LoopbackListenerOptions {
  /** Fixed port for registrations that need one; 0 or absent: an ephemeral port. */
  port?: number;
  /** The path of the redirect URI to serve (default `/`). */
  path?: string;
  /** The host name advertised in the redirect URI (default `localhost`). */
  host?: LoopbackRedirectHost;
  judge: CallbackJudge;
  /** Told about every ignored callback (wrong state, …) so the terminal can say so. */
  onIgnored?: (reason: string) => void;
  /** `query` (GET, default) or `form_post` (POST of a urlencoded form). */
  responseMode?: 'query' | 'form_post';
  signal?: AbortSignal;
  /** Give up after this many milliseconds (ETIMEOUT); absent: wait until closed or aborted. */
  timeoutMs?: number;
  /** Who the sign-in is with, for the error page ("Entra ID", or "the provider at HOST"). */
  provider?: string | undefined;
}

export interface LoopbackListener {
  /** `http://localhost:PORT/path`: what goes into `redirect_uri`. */
  redirectUri: string;
  port: number;
  /** The socket addresses actually bound (127.0.0.1, and ::1 when available). */
  addresses(): AddressInfo[];
  /** Resolves with the one valid callback; rejects on an error callback, timeout, abort or close. */
  result: Promise<Callback>;
  events(): ListenerEvent[];
  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK_V4 = '127.0.0.1';
const LOOPBACK_V6 = '::1';
const MAX_FORM_BYTES = 64 * 1024;
/**
 * Connections held open at once (a browser uses a handful). Past it the oldest is closed, so connections
 * that another local user opens and keeps (slowly, or saying nothing) can never use up the process's file
 * descriptors and starve the browser's callback, which is answered within a moment of connecting. The
 * listen backlog stays below it: one accept batch never closes the connection it has just accepted.
 */
export const MAX_CONNECTIONS = 64;
const LISTEN_BACKLOG = 16;
/** A connection with nothing to say for this long is closed. */
export const IDLE_TIMEOUT_MS = 5_000;

/** Start the listener. Rejects with EUSAGE when a fixed port is taken. */
export async function startLoopbackListener(opts: LoopbackListenerOptions): Promise<LoopbackListener> {
  const path = opts.path ?? '/';
  if (!path.startsWith('/')) throw new TypeError('listener path must start with "/"');
  const host = opts.host ?? 'localhost';
  const responseMode = opts.responseMode ?? 'query';
  if (opts.signal?.aborted) throw cancelled();

  const events: ListenerEvent[] = [];
  let settled = false;
  let resolveResult!: (c: Callback) => void;
  let rejectResult!: (e: Error) => void;
  const result = new Promise<Callback>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  result.catch(() => {}); // the caller may race it against the paste-back reader and never await it

  let port = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, refusal(400, 'Bad request.'));
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? '';
    const target = req.url ?? '';
    const pathOnly = target.split('?')[0] ?? '';
    const record = (status: number, outcome: ListenerEvent['outcome'], reason?: string): void => {
      events.push({
        method,
        path: pathOnly.slice(0, 200),
        status,
        outcome,
        ...(reason === undefined ? {} : { reason }),
      });
    };
    if (!hostAllowed(req.headers.host, port)) {
      record(421, 'bad-host');
      send(res, refusal(421, 'Misdirected request: this listener only answers to localhost.'));
      return;
    }
    if (!target.startsWith('/')) {
      record(400, 'bad-request');
      send(res, refusal(400, 'Bad request.'));
      return;
    }
    const url = new URL(target, `http://${host}:${port}`);
    if (url.pathname !== path) {
      record(404, 'not-found');
      send(res, refusal(404, 'Not found.'));
      return;
    }
    const allowed = responseMode === 'form_post' ? 'POST' : 'GET';
    if (method !== allowed) {
      record(405, 'method-not-allowed');
      send(res, refusal(405, 'Method not allowed.', { Allow: allowed }));
      return;
    }
    let params: URLSearchParams;
    let received: string;
    if (method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded') {
        record(400, 'bad-request', 'form_post without a urlencoded body');
        send(res, refusal(400, 'Bad request: expected an application/x-www-form-urlencoded form.'));
        return;
      }
      const body = await readBody(req, MAX_FORM_BYTES);
      if (body === undefined) {
        record(413, 'bad-request', 'form too large');
        send(res, refusal(413, 'Form too large.'));
        return;
      }
      params = new URLSearchParams(body);
      received = `${url.origin}${url.pathname}?${params.toString()}`;
    } else {
      params = url.searchParams;
      received = url.href;
    }
    if (settled) {
      record(409, 'finished');
      send(res, refusal(409, 'This login has already finished. You may close this tab.'));
      return;
    }
    const verdict = opts.judge(params);
    if (verdict.kind === 'ignore') {
      record(400, 'ignored', verdict.reason);
      send(res, mismatchPage(verdict.reason));
      opts.onIgnored?.(verdict.reason);
      return;
    }
    settled = true;
    if (verdict.kind === 'error') {
      record(200, 'authorize-error');
      const hint = verdict.error instanceof EntraTokenError ? verdict.error.hint : undefined;
      send(
        res,
        authorizeErrorPage({
          error: params.get('error') ?? 'error',
          error_description: params.get('error_description') ?? undefined,
          hint,
          provider: opts.provider,
        }),
        () => {
          rejectResult(verdict.error);
          void close();
        },
      );
      return;
    }
    record(200, 'accepted');
    send(res, successPage(), () => {
      resolveResult({ url: received, params, via: 'listener' });
      void close();
    });
  }

  const servers = await bindLoopback(opts.port ?? 0, handler, connectionLimiter());
  port = (servers[0]!.address() as AddressInfo).port;

  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => finish(cancelled());
  function finish(error: Error): void {
    if (!settled) {
      settled = true;
      rejectResult(error);
    }
    void close();
  }
  if (opts.timeoutMs !== undefined) {
    const seconds = Math.round(opts.timeoutMs / 1000);
    timer = setTimeout(
      () =>
        finish(
          new EntraTokenError('ETIMEOUT', `no sign-in response arrived within ${seconds} seconds`, {
            hint: 'run the command again (use --timeout SECONDS for more time), or paste the redirect URL into the terminal',
          }),
        ),
      opts.timeoutMs,
    );
    timer.unref();
  }
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    if (closing) return closing;
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (!settled) {
      settled = true;
      rejectResult(
        new EntraTokenError('ECANCELLED', 'the loopback listener was closed before a sign-in response arrived'),
      );
    }
    closing = Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((res) => {
            s.close(() => res());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  }

  return {
    redirectUri: `http://${host}:${port}${path}`,
    port,
    addresses: () =>
      servers.map((s) => s.address()).filter((a): a is AddressInfo => a !== null && typeof a === 'object'),
    result,
    events: () => [...events],
    close,
  };
}

/**
 * The state check shared by the listener and the paste-back reader: a callback is for this login only
 * when its `state` equals `expectedState` (compared in constant time). An `error=` callback with the right
 * state ends the login with `toError(params)`; anything else without the right state is ignored.
 */
export function stateJudge(expectedState: string, toError: (params: URLSearchParams) => Error): CallbackJudge {
  const expected = digest(expectedState);
  return (params) => {
    const state = params.get('state');
    if (state === null) {
      if (!params.has('code') && !params.has('error'))
        return { kind: 'ignore', reason: 'This is not an authorization response (no code, error or state).' };
      return {
        kind: 'ignore',
        reason: 'The response carries no state, so it cannot be matched to the login in progress.',
      };
    }
    if (!timingSafeEqual(digest(state), expected)) {
      return { kind: 'ignore', reason: 'The state in this response does not match the login in progress.' };
    }
    if (params.has('error')) return { kind: 'error', error: toError(params) };
    if (!params.get('code')) return { kind: 'ignore', reason: 'The response carries neither a code nor an error.' };
    return { kind: 'accept' };
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function cancelled(): EntraTokenError {
  return new EntraTokenError('ECANCELLED', 'login cancelled');
}

/** Host header check against DNS rebinding: only loopback names with our port. */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.toLowerCase();
  return LOOPBACK_REDIRECT_HOSTS.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

function send(res: ServerResponse, page: Page, onFinish?: () => void): void {
  if (onFinish) res.once('close', onFinish); // 'close' also fires when the browser hangs up early
  res.writeHead(page.status, { ...page.headers, 'Content-Length': String(Buffer.byteLength(page.body)) });
  res.end(page.body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // closed before its end (a no-op after it): nothing to judge
    req.on('close', () => reject(new Error('the connection closed before the form ended')));
  });
}

/**
 * One limit over the connections of both servers (127.0.0.1 and ::1): each is closed after
 * {@link IDLE_TIMEOUT_MS} without a byte, and past {@link MAX_CONNECTIONS} the oldest is closed.
 */
function connectionLimiter(): (socket: Socket) => void {
  const open = new Set<Socket>(); // in accept order: the first is the oldest
  return (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    while (open.size > MAX_CONNECTIONS) {
      const oldest = open.values().next().value as Socket;
      open.delete(oldest);
      oldest.destroy();
    }
  };
}

function newServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onConnection: (socket: Socket) => void,
): Server {
  const s = createServer(
    {
      requestTimeout: 10_000,
      headersTimeout: IDLE_TIMEOUT_MS,
      keepAliveTimeout: 1_000,
      // how often the header and request deadlines are checked (default 30 s)
      connectionsCheckingInterval: 1_000,
    },
    handler,
  );
  s.on('connection', onConnection);
  return s;
}

function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    const ipv6Only = address === LOOPBACK_V6;
    server.listen({ port, host: address, ipv6Only, exclusive: true, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeQuietly(s: Server): Promise<void> {
  return new Promise((res) => s.close(() => res()));
}

/** Bind 127.0.0.1, then ::1 on the same port when the machine has IPv6 loopback. */
async function bindLoopback(
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onConnection: (socket: Socket) => void,
): Promise<Server[]> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const v4 = newServer(handler, onConnection);
    try {
      await listen(v4, port, LOOPBACK_V4);
    } catch (e) {
      throw bindError(e, port, LOOPBACK_V4);
    }
    const actual = (v4.address() as AddressInfo).port;
    const v6 = newServer(handler, onConnection);
    try {
      await listen(v6, actual, LOOPBACK_V6);
      return [v4, v6];
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT' || code === 'EINVAL')
        return [v4];
      await closeQuietly(v4);
      // An ephemeral port free on 127.0.0.1 but taken on ::1: try another. A fixed one: refuse, since
      // a browser resolving localhost to ::1 would reach whoever holds it.
      if (code === 'EADDRINUSE' && port === 0) continue;
      throw bindError(e, actual, LOOPBACK_V6);
    }
  }
  throw new EntraTokenError('ENETWORK', 'could not find a port free on both 127.0.0.1 and ::1', {
    hint: 'pass a free port with --port N',
  });
}

function bindError(e: unknown, port: number, address: string): EntraTokenError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new EntraTokenError('EUSAGE', `port ${port} is already in use on ${address}`, {
      hint: 'choose another --port, or omit --port for an ephemeral one (Entra, like any provider following RFC 8252 §7.3, ignores the port of loopback redirect URIs)',
      cause: e,
    });
  }
  if (code === 'EACCES') {
    return new EntraTokenError('EUSAGE', `not allowed to listen on port ${port} of ${address}`, {
      hint: 'choose a port above 1023 with --port',
      cause: e,
    });
  }
  return new EntraTokenError('ENETWORK', `could not listen on ${address}:${port}: ${(e as Error).message}`, {
    cause: e,
  });
}
