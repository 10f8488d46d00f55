/**
 * Standard output or error as a writable that writes to a pipe synchronously, as node's own stream does on a
 * pipe on Linux, without being a `net.Socket` or even a `stream.Writable`: creating node's stream for a pipe
 * loads node:net and its stream machinery, and node:stream alone costs a local command about a tenth of
 * `node -e 0`'s start-up (`node scripts/bench-instructions.mjs`). bin.ts uses it only when the descriptor is a
 * pipe; a terminal or a file gets node's stream.
 *
 * It is an EventEmitter with the part of the Writable interface the commands and `Readable#pipe` use: `write`
 * (with its callback, called on the next tick), `end`, 'error' (a write that fails: EPIPE when the reader has
 * gone), 'finish', `writable`. node:events is loaded at start-up already.
 */
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';

type Callback = (error?: Error | null) => void;

export interface FdWriter extends EventEmitter {
  readonly isTTY: false;
  readonly fd: number;
  readonly writable: boolean;
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | Callback, cb?: Callback): boolean;
  end(chunk?: string | Uint8Array | Callback, encoding?: BufferEncoding | Callback, cb?: Callback): this;
}

/** A pipe someone made non-blocking, and full: wait this long before trying again (no busy loop). */
const FULL_PIPE_WAIT_MS = 2;
let sleeper: Int32Array | undefined;

/**
 * Write all of `buf` to `fd`. A pipe that someone made non-blocking and that is full (EAGAIN) is waited for,
 * a couple of milliseconds at a time, so the output stays whole and in order even when the process exits
 * right after (node's own stream would queue it and could be cut off).
 */
export function writeAll(fd: number, buf: Buffer): void {
  let rest = buf;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait((sleeper ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, FULL_PIPE_WAIT_MS);
    }
  }
}

export function fdWriter(fd: number): FdWriter {
  let failed = false;
  let ended = false;
  const w = new EventEmitter() as EventEmitter & {
    isTTY: false;
    fd: number;
    writable: boolean;
    write: FdWriter['write'];
    end: FdWriter['end'];
  };
  const fail = (e: Error, cb: Callback | undefined) => {
    failed = true;
    w.writable = false;
    process.nextTick(() => {
      cb?.(e);
      w.emit('error', e);
    });
  };
  w.isTTY = false;
  w.fd = fd;
  w.writable = true;
  w.write = (chunk, encoding, cb) => {
    const done = typeof encoding === 'function' ? encoding : cb;
    const enc = typeof encoding === 'string' ? encoding : 'utf8';
    if (failed || ended) {
      fail(new Error(ended ? 'write after end' : 'write after a failed write'), done);
      return false;
    }
    try {
      writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk));
    } catch (e) {
      fail(e as Error, done);
      return false;
    }
    if (done) process.nextTick(done, null);
    return true;
  };
  w.end = (chunk, encoding, cb) => {
    const done = [chunk, encoding, cb].find((a): a is Callback => typeof a === 'function');
    if (chunk !== undefined && typeof chunk !== 'function')
      w.write(chunk, typeof encoding === 'string' ? encoding : 'utf8');
    ended = true;
    w.writable = false;
    process.nextTick(() => {
      w.emit('finish');
      done?.();
    });
    return w;
  };
  return w;
}
