/**
 * The bin's prerendered help written to a non-blocking pipe that is full (a slow reader): the rest is queued
 * and written as the pipe drains, instead of spinning on EAGAIN until the reader catches up. Python makes the
 * pipe (node has no pipe(2)); skipped without it or without a build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasPython, runIntoFullPipe } from '../helpers/full-pipe.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');

test(
  '--help into a full non-blocking pipe: all of it arrives, and the bin waits instead of spinning',
  { skip: (!hasPython && 'no python3') || (!existsSync(BIN) && 'run npm run build first') },
  () => {
    const r = runIntoFullPipe([process.execPath, BIN, '--help'], { readerDelayS: 2 });
    assert.equal(r.status, 0);
    assert.equal(r.data.split('Usage: entra-token').length, 2, 'the help did not arrive whole');
    assert.ok(r.data.startsWith('Usage: entra-token') && r.data.endsWith('\n'));
    // spinning costs CPU for the reader's two seconds (a third of a core or more even on a loaded machine);
    // waiting costs a start-up's worth (about 50 ms)
    assert.ok(r.cpuMs < 250, `the bin used ${r.cpuMs} ms of CPU while the reader slept for 2 s`);
  },
);
