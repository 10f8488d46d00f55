/**
 * io/fd-writer.ts on real pipes, in a child process whose stdout is the pipe: what the commands and
 * `Readable#pipe` (exec passes its child's output on with it) need from standard output, without node:stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hasPython, runIntoFullPipe } from '../helpers/full-pipe.js';
import { join } from 'node:path';

const WRITER = join(import.meta.dirname, '..', '..', 'src', 'io', 'fd-writer.ts');

/** Run `body` (with `w`, an fd writer on stdout) in a child; resolves with its stdout, stderr and exit code. */
function child(body: string, opts: { closeStdoutAfter?: number } = {}) {
  const script = `
    import { fdWriter } from ${JSON.stringify(WRITER)};
    const w = fdWriter(1);
    ${body}
  `;
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => {
      stdout += d;
      if (opts.closeStdoutAfter !== undefined && stdout.length >= opts.closeStdoutAfter) c.stdout.destroy();
    });
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

test('writes strings and bytes in order, calls each callback after its write, then finishes', async () => {
  const r = await child(`
    const order = [];
    w.write('one\\n', () => order.push('cb1'));
    w.write(Buffer.from('two\\n'), 'utf8', () => order.push('cb2'));
    order.push('sync');
    w.on('finish', () => process.stderr.write(order.join(',') + ',finish'));
    w.end('three\\n');
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'one\ntwo\nthree\n');
  assert.equal(r.stderr, 'sync,cb1,cb2,finish');
});

test('Readable#pipe into it, as exec passes on its child output ({ end: false } keeps it open)', async () => {
  const r = await child(`
    import { Readable } from 'node:stream';
    const big = 'x'.repeat(300_000);
    Readable.from(['a', Buffer.from('b'), big, 'c\\n']).pipe(w, { end: false }).on('unpipe', () => {
      w.write('after\\n');
    });
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `ab${'x'.repeat(300_000)}c\nafter\n`);
});

test('a reader that has gone: the write fails with EPIPE, reported once as an error event', async () => {
  const r = await child(
    `
    let errors = 0;
    w.on('error', (e) => { errors++; process.stderr.write(e.code + ' ' + w.writable); });
    const t = setInterval(() => { if (w.writable) w.write('y'.repeat(65536)); else { clearInterval(t); setTimeout(() => process.stderr.write(' ' + errors), 50); } }, 5);
  `,
    { closeStdoutAfter: 1 },
  );
  assert.equal(r.code, 0);
  assert.equal(r.stderr, 'EPIPE false 1');
});

test(
  'a full non-blocking pipe (a slow reader): the writer waits for it, and all of it arrives in order',
  { skip: !hasPython && 'no python3' },
  () => {
    const script = `import { fdWriter } from ${JSON.stringify(WRITER)}; const w = fdWriter(1); w.write('<' + 'z'.repeat(200000)); w.write('>');`;
    const r = runIntoFullPipe([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      room: 4096,
      readerDelayS: 0.5,
    });
    assert.equal(r.status, 0);
    assert.equal(r.data, `<${'z'.repeat(200000)}>`);
  },
);
