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

/**
 * `fallback` is node's own stream for the descriptor: a pipe that someone made non-blocking and that is full
 * (EAGAIN) gets the rest of the output through it, queued, instead of a busy loop here.
 */
export function fdWriter(fd: number, fallback: () => NodeJS.WritableStream): FdWriter {
  let queued: NodeJS.WritableStream | undefined;
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
    let rest = typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk);
    if (queued) return queued.write(rest, (e?: Error | null) => done?.(e ?? null));
    try {
      while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
        fail(e as Error, done);
        return false;
      }
      queued = fallback();
      return queued.write(rest, (err?: Error | null) => done?.(err ?? null));
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
