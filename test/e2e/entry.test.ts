/** The package's bin, dist/cli/bin.cjs: the esbuild bundle made by `npm run build` (scripts/build-entry.mjs). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const run = (file: string, args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', file), ...args], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '80' },
  });

test('package.json points its bin at the bundled CommonJS entry', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['entra-token'], 'dist/cli/bin.cjs');
});

test('the prerendered --help is exactly what the full program prints', () => {
  const fast = run('bin.cjs', ['--help']);
  const full = run('bin.js', ['--help']);
  assert.equal(fast.status, 0);
  assert.equal(full.status, 0);
  assert.match(fast.stdout, /^Usage: entra-token \[options\] \[command\]/);
  assert.equal(fast.stdout, full.stdout);
});

test("everything else goes to the full program: --version, a subcommand's help, a usage error", () => {
  assert.match(run('bin.cjs', ['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  const sub = run('bin.cjs', ['exchange', '--help']);
  assert.equal(sub.status, 0);
  assert.match(sub.stdout, /^Usage: entra-token exchange/);
  const bad = run('bin.cjs', ['--no-such-flag']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--no-such-flag'/);
});
