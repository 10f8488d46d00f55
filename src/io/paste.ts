/**
 * Paste-back: while the login waits for the browser, the terminal also accepts the redirect URL pasted
 * on standard input. That is how the login still works when the browser cannot reach this machine
 * (SSH, WSL, containers): the browser shows a connection error, the user copies its address bar.
 * Each line is judged by the same {@link CallbackJudge} as the listener's callbacks.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EntraTokenError } from '../core/errors.js';
import type { Callback, CallbackJudge } from './listener.js';

export interface PasteReaderOptions {
  input: Readable;
  judge: CallbackJudge;
  /** Turn one pasted line into the callback parameters; throws (EBAD_INPUT) on anything else. */
  parse?: (line: string) => URLSearchParams;
  /** Told when a pasted line is refused or ignored; the reading goes on. */
  onIgnored?: (reason: string) => void;
  /** Told on the first byte typed or pasted (the terminal stops its spinner). */
  onInput?: () => void;
  /** Told when the input ends without a valid redirect (e.g. stdin is /dev/null). */
  onEnd?: () => void;
  signal: AbortSignal;
}

const MAX_LINE = 32 * 1024;

/**
 * Read lines until one is a valid callback. Resolves with it; rejects with the error of an `error=`
 * callback for this login, or ECANCELLED when `signal` aborts. When the input ends first, the promise
 * stays pending (the listener may still win) and `onEnd` is called.
 */
export function readPastedRedirect(opts: PasteReaderOptions): Promise<Callback> {
  const parse = opts.parse ?? paramsFromPaste;
  return new Promise<Callback>((resolve, reject) => {
    if (opts.signal.aborted) {
      reject(new EntraTokenError('ECANCELLED', 'login cancelled'));
      return;
    }
    const rl = createInterface({ input: opts.input, crlfDelay: Infinity, terminal: false });
    let done = false;
    const onData = (): void => {
      opts.input.off('data', onData);
      opts.onInput?.();
    };
    opts.input.on('data', onData);
    const stop = (): void => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', onAbort);
      opts.input.off('data', onData);
      rl.close();
      opts.input.pause();
      // A pipe that has delivered data keeps its handle reading after pause(): unref it so the
      // process can exit (it can be ref()'d again by a later reader).
      (opts.input as Readable & { unref?: () => void }).unref?.();
    };
    const onAbort = (): void => {
      stop();
      reject(new EntraTokenError('ECANCELLED', 'login cancelled'));
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    rl.on('line', (raw) => {
      if (done) return;
      const line = raw.trim();
      if (line === '') return;
      if (line.length > MAX_LINE) {
        opts.onIgnored?.(`the pasted line is longer than ${MAX_LINE} characters`);
        return;
      }
      let params: URLSearchParams;
      try {
        params = parse(line);
      } catch (e) {
        opts.onIgnored?.(e instanceof Error ? e.message : String(e));
        return;
      }
      const verdict = opts.judge(params);
      if (verdict.kind === 'ignore') {
        opts.onIgnored?.(verdict.reason);
        return;
      }
      stop();
      if (verdict.kind === 'error') reject(verdict.error);
      else resolve({ url: line, params, via: 'paste' });
    });
    rl.on('close', () => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', onAbort);
      opts.onEnd?.();
    });
  });
}

/**
 * A minimal reading of a pasted redirect: a full URL (query, or fragment when the query is empty), a bare
 * `?query`, or `code=…&state=…`. The login flow passes the lead parser from core/redirect.ts instead
 * when it has one; this keeps the reader usable on its own.
 */
export function paramsFromPaste(line: string): URLSearchParams {
  const text = line.trim().replace(/^["'<]+|["'>]+$/g, '');
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new EntraTokenError('EBAD_INPUT', 'the pasted text is not a valid URL');
    }
    const query = url.search.length > 1 ? url.search.slice(1) : url.hash.slice(1);
    return new URLSearchParams(query);
  }
  const query = text.startsWith('?') || text.startsWith('#') ? text.slice(1) : text;
  if (!query.includes('=')) {
    throw new EntraTokenError('EBAD_INPUT', 'the pasted text is neither a redirect URL nor a query string');
  }
  return new URLSearchParams(query);
}
