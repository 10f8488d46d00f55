/**
 * The benchmark harness in its quick mode: it runs end to end and writes its JSON. Timing goals are not
 * asserted (CI machines are noisy); the deterministic rows are: 1,000 concurrent getToken() on an expired
 * entry send exactly one refresh request, and a cache-hit `entra-token token` loads neither undici nor jose.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

interface Row {
  what: string;
  result: string;
  ok: boolean | null;
  n: number;
  refreshRequests?: number;
  modules?: string[];
  ratio?: number;
}

let dir: string;
let rows: Row[];
let stdout: string;

before(async () => {
  if (!existsSync(join(root, 'dist', 'cli', 'bin.cjs'))) await run('npm', ['run', 'build', '--silent'], { cwd: root });
  dir = await mkdtemp(join(tmpdir(), 'entra-token-bench-test-'));
  const file = join(dir, 'results.json');
  ({ stdout } = await run(
    process.execPath,
    [join(root, 'scripts', 'bench.mjs'), '--quick', '--skip', 'install', '--json', file],
    { cwd: root, timeout: 240_000 },
  ));
  rows = (JSON.parse(await readFile(file, 'utf8')) as { rows: Row[] }).rows;
});
after(() => rm(dir, { recursive: true, force: true }));

const row = (prefix: string): Row => {
  const r = rows.find((x) => x.what.startsWith(prefix));
  assert.ok(r, `no row starting with ${prefix}`);
  return r;
};

test('bench prints one markdown table with every row measured', () => {
  assert.match(stdout, /^\| what \| measured against \| result \| goal \| met \| n \|/);
  for (const prefix of [
    '`entra-token token` on a cache hit',
    '`entra-token --help`',
    '`entra-token authorize-url',
    '`entra-token inspect <token>`',
    '`entra-token config show`',
    '`entra-token cache list`',
    '`entra-token trace show <file>`',
    '`entra-token admin-consent-url',
    '`entra-token completion bash`',
    'peak memory (max RSS)',
    '`entra-token login`: from start',
    'in-process code exchange',
    'the same with tracing on',
    '`exchange` as a process',
    '`getToken()` cache hits',
    'JWT verification',
    'MSAL Node: client credentials',
  ]) {
    const r = row(prefix);
    assert.ok(r.n > 0, `${prefix} was not measured: ${r.result}`);
  }
  for (const r of rows.filter((x) => x.ratio !== undefined))
    assert.ok(Number.isFinite(r.ratio) && r.ratio! > 0, r.what);
});

test('1,000 concurrent getToken() on an expired entry send exactly one refresh request', () => {
  const r = row('1,000 concurrent');
  assert.equal(r.refreshRequests, 1);
  assert.equal(r.ok, true);
});

test('a cache-hit `entra-token token` loads neither undici nor jose (nor commander)', () => {
  const r = row('`entra-token token` cache hit: modules loaded');
  // the sources in the chunks it loaded (dist/cli/bin-manifest.json): the fast path, never the full program
  assert.ok(r.modules!.includes('src/cli/token-fast.ts'), r.modules!.join(' '));
  assert.ok(!r.modules!.includes('src/cli/program.ts'), 'the fast path ran (the full program did not load)');
  assert.deepEqual(
    r.modules!.filter((m) => /(undici|jose|commander)\//.test(m)),
    [],
  );
  assert.equal(r.ok, true);
});
