/**
 * Run a command whose stdout is a pipe someone made non-blocking and filled but for `room` bytes, with a reader
 * that only starts after `readerDelayS` seconds: the case where a careless writer spins on EAGAIN or drops the
 * tail. Python makes the pipe (node has no pipe(2)); `hasPython` tells whether the tests can run.
 */
import { spawnSync } from 'node:child_process';

export const hasPython = spawnSync('python3', ['--version']).status === 0;

const SCRIPT = `
import base64, json, os, subprocess, sys, time
room, delay = int(sys.argv[1]), float(sys.argv[2])
r, w = os.pipe()
os.set_blocking(w, False)
try:
    while True: os.write(w, b'.' * 4096)
except BlockingIOError:
    pass
os.set_blocking(r, False)
freed = 0
while freed < room:
    freed += len(os.read(r, room - freed))
os.set_blocking(r, True)
p = subprocess.Popen(sys.argv[3:], stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
time.sleep(delay)
data = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk: break
    data += chunk
_, status, ru = os.wait4(p.pid, 0)
print(json.dumps({'status': os.WEXITSTATUS(status), 'cpu_ms': round((ru.ru_utime + ru.ru_stime) * 1000), 'data': base64.b64encode(data.lstrip(b'.')).decode()}))
`;

/** What the command wrote (the prefill dots removed), its exit status and the CPU it used. */
export function runIntoFullPipe(
  argv: string[],
  { room = 100, readerDelayS = 1 }: { room?: number; readerDelayS?: number } = {},
): { status: number; cpuMs: number; data: string } {
  const r = spawnSync('python3', ['-c', SCRIPT, String(room), String(readerDelayS), ...argv], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3: ${r.stderr}`);
  const o = JSON.parse(r.stdout) as { status: number; cpu_ms: number; data: string };
  return { status: o.status, cpuMs: o.cpu_ms, data: Buffer.from(o.data, 'base64').toString('utf8') };
}
