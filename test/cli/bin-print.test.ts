/**
 * The bin's prerendered help written to a non-blocking pipe that is full (a slow reader): the rest is queued
 * and written as the pipe drains, instead of spinning on EAGAIN until the reader catches up. Python makes the
 * pipe (node has no pipe(2)); skipped without it or without a build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');
const hasPython = spawnSync('python3', ['--version']).status === 0;

const SCRIPT = `
import os, subprocess, sys, time
r, w = os.pipe()
os.set_blocking(w, False)
try:
    while True: os.write(w, b'x' * 4096)
except BlockingIOError:
    pass
prefill = len(os.read(r, 100))
p = subprocess.Popen([sys.argv[1], sys.argv[2], '--help'], stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
time.sleep(2.0)
data = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk: break
    data += chunk
_, status, ru = os.wait4(p.pid, 0)
print(os.WEXITSTATUS(status), round((ru.ru_utime + ru.ru_stime) * 1000), data.count(b'Usage: entra-token'), data.endswith(b'\\n'))
`;

test(
  '--help into a full non-blocking pipe: all of it arrives, and the bin waits instead of spinning',
  { skip: (!hasPython && 'no python3') || (!existsSync(BIN) && 'run npm run build first') },
  () => {
    const r = spawnSync('python3', ['-c', SCRIPT, process.execPath, BIN], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [code, cpuMs, usages, endsWithNewline] = r.stdout.trim().split(' ');
    assert.equal(code, '0');
    assert.equal(usages, '1', 'the help did not arrive whole');
    assert.equal(endsWithNewline, 'True');
    // spinning costs CPU for the reader's two seconds (a third of a core or more even on a loaded machine);
    // waiting costs a start-up's worth (about 50 ms)
    assert.ok(Number(cpuMs) < 250, `the bin used ${cpuMs} ms of CPU while the reader slept for 2 s`);
  },
);
