/**
 * Interactive login, as a script of named steps over the auth-code flow:
 *   1. Start loopback listener   (127.0.0.1 and ::1 on one port; redirect_uri http://localhost:PORT)
 *   2. Build authorization request (auth-code.ts: state, PKCE S256, nonce)
 *   3. Open browser               (or print the URL: --no-browser, SSH, no display)
 *   4. Wait for callback          (the listener, or the redirect URL pasted on stdin: first valid one wins)
 *   5. Callback received / Redeem code / Check tokens (auth-code.ts, the same code as `exchange`)
 * Nothing outlives the run: the pending authorization lives in memory, the socket is closed on every path.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3 (loopback redirection)
 */
import type { Readable } from 'node:stream';
import type { Authority } from '../core/authority.js';
import type { Prompt } from '../core/authorize.js';
import { EntraTokenError, usageError } from '../core/errors.js';
import { parseRedirect } from '../core/redirect.js';
import { providerName } from '../core/provider.js';
import { isLoopbackRedirectHost, type LoopbackRedirectHost } from '../core/url-safety.js';
import type { ClientAuth } from '../core/token.js';
import { MemoryPendingStore, type PendingStore } from '../io/pending.js';
import { startLoopbackListener, stateJudge, type Callback, type CallbackJudge } from '../io/listener.js';
import { readPastedRedirect } from '../io/paste.js';
import { removeLaunchPage, type OpenResult } from '../io/browser.js';
import { Trace } from '../io/trace.js';
import { acceptCallback, redeem, startAuthorization, type ExchangeResult, type FlowDeps } from './auth-code.js';

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface LoginOptions {
  authority: Authority;
  client_id: string;
  scopes: string[];
  /** A loopback http redirect URI (default `http://localhost`): its host, path, and port when it has one. */
  redirect_uri?: string | undefined;
  /** Fixed port (default: the redirect URI's port, else ephemeral). */
  port?: number | undefined;
  pkce?: boolean | undefined;
  prompt?: Prompt | undefined;
  login_hint?: string | undefined;
  domain_hint?: string | undefined;
  response_mode?: 'query' | 'form_post' | undefined;
  timeoutMs?: number | undefined;
  /** Client authentication for a confidential web app registered with a loopback redirect. */
  auth?: ClientAuth | undefined;
  /** The `claims` parameter, on the authorize URL and the code redemption (docs/protocol.md §15). */
  claims?: string | undefined;
}

/** What the login tells the terminal while it runs (the CLI prints these on stderr). */
export interface LoginProgress {
  listening?(redirectUri: string, addresses: string[]): void;
  /** The authorize URL is ready; `opened` says whether a browser was launched, and with what. */
  authorizeUrl?(url: string, opened: OpenResult | undefined): void;
  ignored?(reason: string, via: 'listener' | 'paste'): void;
  /** The user started typing or pasting on stdin. */
  input?(): void;
  /** stdin closed: only the browser can finish the login now. */
  inputClosed?(): void;
  received?(via: 'listener' | 'paste'): void;
}

export interface LoginIO {
  /** Where pasted redirect URLs come from; absent: no paste-back. */
  stdin?: Readable | undefined;
  /** Launch the browser; absent: print the URL only (--no-browser). */
  openBrowser?: ((url: string) => Promise<OpenResult>) | undefined;
  progress?: LoginProgress;
  /** Default: in memory, so a login leaves no pending state behind. */
  pending?: PendingStore;
}

export interface LoginResult extends ExchangeResult {
  callback: Callback;
  redirect_uri: string;
  authorizeUrl: string;
}

/** Split a loopback redirect URI into what the listener needs. */
export function loopbackRedirect(
  uri: string | undefined,
  port: number | undefined,
): { host: LoopbackRedirectHost; path: string; port: number; bare: boolean } {
  const raw = uri ?? 'http://localhost';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--redirect-uri is not an absolute URL: ${raw}`);
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'http:' || !isLoopbackRedirectHost(host)) {
    throw usageError(
      `login listens on loopback only, so --redirect-uri must be http://localhost, http://127.0.0.1 or http://[::1] (got ${url.origin})`,
      'for any other redirect URI, use authorize-url and exchange',
    );
  }
  if (url.search || url.hash) throw usageError('--redirect-uri must not carry a query or a fragment');
  const uriPort = url.port === '' ? undefined : Number(url.port);
  if (port !== undefined && uriPort !== undefined && port !== uriPort) {
    throw usageError(`--port ${port} differs from the port of --redirect-uri (${uriPort})`);
  }
  const bare = !/^http:\/\/[^/]+\//i.test(raw); // "http://localhost" (no path): advertise http://localhost:PORT
  return { host, path: url.pathname, port: port ?? uriPort ?? 0, bare };
}

/** Run the interactive login to the end: tokens, or an EntraTokenError. */
export async function login(opts: LoginOptions, io: LoginIO, deps: FlowDeps): Promise<LoginResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  const store = io.pending ?? new MemoryPendingStore();
  const progress = io.progress ?? {};
  const where = loopbackRedirect(opts.redirect_uri, opts.port);

  // The listener starts before the state exists (the URL needs its port); until then nothing is valid.
  let judge: CallbackJudge = () => ({ kind: 'ignore', reason: 'No login is in progress yet.' });
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (deps.signal?.aborted) stop.abort();

  trace.step('Start loopback listener');
  const listener = await startLoopbackListener({
    port: where.port,
    path: where.path,
    host: where.host,
    judge: (p) => judge(p),
    onIgnored: (reason) => progress.ignored?.(reason, 'listener'),
    responseMode: opts.response_mode ?? 'query',
    signal: stop.signal,
    timeoutMs: opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
    provider: providerName(opts.authority),
  });
  let state: string | undefined;
  let launchPage: string | undefined;
  let finished = false;
  try {
    const redirectUri = where.bare ? listener.redirectUri.replace(/\/$/, '') : listener.redirectUri;
    const addresses = listener
      .addresses()
      .map((a) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`));
    trace.note(`listening on ${addresses.join(' and ')} (loopback only); redirect_uri ${redirectUri}`);
    progress.listening?.(redirectUri, addresses);

    const started = await startAuthorization(
      {
        authority: opts.authority,
        client_id: opts.client_id,
        redirect_uri: redirectUri,
        scopes: opts.scopes,
        pkce: opts.pkce,
        prompt: opts.prompt,
        login_hint: opts.login_hint,
        domain_hint: opts.domain_hint,
        response_mode: opts.response_mode,
        claims: opts.claims,
      },
      { pending: store, now: deps.now, trace, ...(deps.random ? { random: deps.random } : {}) },
    );
    state = started.pending.state;
    assertNoSecretInUrl(started.url);
    judge = stateJudge(state, (params) => authorizeError(params, store, deps.now()));

    trace.step('Open browser');
    let opened: OpenResult | undefined;
    if (io.openBrowser) {
      opened = await io.openBrowser(started.url);
      if (opened.opened) launchPage = opened.launchPage;
      trace.note(
        opened.opened ? `opened the system browser with ${opened.via}` : `no browser opened: ${opened.reason}`,
      );
    }
    progress.authorizeUrl?.(started.url, opened);

    trace.step('Wait for callback');
    const waits: Array<Promise<Callback>> = [listener.result];
    if (io.stdin) {
      const pasted = readPastedRedirect({
        input: io.stdin,
        judge: (p) => judge(p),
        parse: (line) => new URLSearchParams(parseRedirect(line).params),
        onIgnored: (reason) => progress.ignored?.(reason, 'paste'),
        onInput: () => progress.input?.(),
        onEnd: () => progress.inputClosed?.(),
        signal: stop.signal,
      });
      pasted.catch(() => {});
      waits.push(pasted);
    }
    const callback = await Promise.race(waits);
    stop.abort(); // the loser stops: the listener closes, stdin is released
    await listener.close();
    progress.received?.(callback.via);

    const { pending, code, client_info } = acceptCallback(
      { redirect: callback.url, via: callback.via === 'listener' ? 'loopback listener' : 'pasted' },
      store,
      deps.now(),
      { trace },
    );
    const result = await redeem(
      pending,
      code,
      { pending: store, auth: opts.auth, clientInfo: client_info },
      { ...deps, trace },
    );
    finished = true;
    return { ...result, callback, redirect_uri: redirectUri, authorizeUrl: started.url };
  } catch (e) {
    // An error thrown by the listener's timeout or by the Ctrl-C signal should be the one reported.
    if (deps.signal?.aborted && !(e instanceof EntraTokenError && e.code === 'ECANCELLED')) {
      throw new EntraTokenError('ECANCELLED', 'login cancelled', { cause: e });
    }
    throw e;
  } finally {
    deps.signal?.removeEventListener('abort', onOuterAbort);
    stop.abort();
    await listener.close();
    removeLaunchPage(launchPage); // the browser has come back (or never will): the page's state is spent
    if (!finished && state !== undefined) store.remove(state);
  }
}

/** The decoded error of an error redirect for this login, with the hints `exchange` would give. */
function authorizeError(params: URLSearchParams, store: PendingStore, now: number): Error {
  try {
    acceptCallback({ redirect: `?${params.toString()}`, via: 'loopback listener' }, store, now);
  } catch (e) {
    return e as Error;
  }
  return new EntraTokenError('EINTERNAL', 'an error redirect was not recognised as one');
}

/** The authorize URL goes on a child's argv: make sure no secret ever rides in it. */
function assertNoSecretInUrl(url: string): void {
  const names = [...new URL(url).searchParams.keys()];
  const bad = names.filter((n) =>
    ['client_secret', 'code_verifier', 'client_assertion', 'password', 'refresh_token', 'code'].includes(n),
  );
  if (bad.length)
    throw new EntraTokenError('EINTERNAL', `refusing to open an authorize URL carrying ${bad.join(', ')}`);
}
