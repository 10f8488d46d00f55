/**
 * Standard output or error as a Writable that writes to a pipe synchronously, as node's own stream does on a
 * pipe on Linux, without being a `net.Socket`: creating node's stream for a pipe loads node:net and its
 * stream machinery, which cost a local command more than its own work (`npm run bench`). bin.ts uses it only
 * when the descriptor is a pipe; a terminal or a file gets node's stream.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';

export type FdWriter = Writable & { isTTY: false; fd: number };

/**
 * `fallback` is node's own stream for the descriptor: a pipe that someone made non-blocking and that is full
 * (EAGAIN) gets the rest of the output through it, queued, instead of a busy loop here.
 */
export function fdWriter(fd: number, fallback: () => NodeJS.WritableStream): FdWriter {
  let queued: NodeJS.WritableStream | undefined;
  const w = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (queued) return void queued.write(chunk, (e) => done(e ?? null));
      let rest = chunk;
      try {
        while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
        done();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return done(e as Error);
        queued = fallback();
        queued.write(rest, (err) => done(err ?? null));
      }
    },
  });
  return Object.assign(w, { isTTY: false as const, fd });
}
