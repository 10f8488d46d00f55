/** The package's bin, dist/cli/bin.cjs: the esbuild bundle made by `npm run build` (scripts/build-entry.mjs). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess, testContext } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli');
const run = (file: string, args: string[]) =>
  spawnSync(process.execPath, [join(CLI, file), ...args], { encoding: 'utf8', env: { ...process.env } });

test("package.json points its bin at the bundled CommonJS entry, and ships neither tsc's CLI files nor the manifest", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };
  assert.equal(pkg.bin['entra-token'], 'dist/cli/bin.cjs');
  assert.ok(pkg.files.includes('!dist/cli/bin-manifest.json'));
  // the bin and its chunks are self-contained: nothing else in dist imports tsc's dist/cli/*.js
  assert.ok(pkg.files.includes('!dist/cli/**/*.js'));
});

test('the prerendered help of the top level and of a command is exactly what the full program prints', () => {
  for (const args of [['--help'], ['inspect', '--help'], ['cache', 'list', '-h'], ['help', 'exchange']]) {
    const fast = run('bin.cjs', args);
    const full = run('bin.js', args);
    assert.equal(fast.status, 0, args.join(' '));
    assert.equal(full.status, 0, args.join(' '));
    assert.match(fast.stdout, /^Usage: entra-token/);
    assert.equal(fast.stdout, full.stdout, args.join(' '));
  }
});

/** Every command path of the program: [], ['inspect'], ['cache', 'list'], … (aliases too). */
function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return [
    path,
    ...cmd.commands.flatMap((c) => [c.name(), ...c.aliases()].flatMap((n) => commandPaths(c, [...path, n]))),
  ];
}

test('every command has a prerendered help, equal to what the program prints (new commands included)', async () => {
  const manifest = JSON.parse(readFileSync(join(CLI, 'bin-manifest.json'), 'utf8')) as Record<
    string,
    { inputs: string[] }
  >;
  const chunk = Object.keys(manifest).find((k) => manifest[k]!.inputs.includes('src/cli/help-fast.ts'));
  assert.ok(chunk, 'no chunk holds src/cli/help-fast.ts');
  const { prerenderedHelp } = createRequire(import.meta.url)(join(CLI, chunk)) as {
    prerenderedHelp: (argv: string[]) => string | undefined;
  };
  const paths = commandPaths(buildProgram(testContext().ctx));
  assert.ok(paths.length > 20);
  for (const path of paths) {
    const full = await runInProcess([...path, '--help']);
    assert.equal(full.code, 0, path.join(' '));
    assert.equal(prerenderedHelp([...path, '--help']), full.stdout, `entra-token ${path.join(' ')} --help`);
  }
  // anything else is left to the program
  for (const argv of [['inspect', 'x', '--help'], ['no-such-command', '--help'], ['--trace', '--help'], ['inspect']])
    assert.equal(prerenderedHelp(argv), undefined, argv.join(' '));
});

test('--version, a usage error, and a command go to the program as before', () => {
  assert.equal(run('bin.cjs', ['--version']).stdout, run('bin.js', ['--version']).stdout);
  assert.match(run('bin.cjs', ['-V']).stdout, /^\d+\.\d+\.\d+\n$/);
  const bad = run('bin.cjs', ['--no-such-flag']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--no-such-flag'/);
  const badSub = run('bin.cjs', ['inspect', '--no-such-flag', '--help']);
  assert.equal(badSub.status, 0, 'commander shows help when --help is anywhere: the program decides');
  // the bin registers only the command a run starts with: what it prints must not change
  for (const args of [
    ['completion', 'zsh'],
    ['config', 'show', '--bogus'],
    ['inspect', '--output', 'xml', 'x'],
    ['cache'],
    ['no-such-command'],
  ]) {
    const [fast, full] = [run('bin.cjs', args), run('bin.js', args)];
    assert.equal(fast.status, full.status, args.join(' '));
    assert.equal(fast.stdout, full.stdout, args.join(' '));
    assert.equal(fast.stderr, full.stderr, args.join(' '));
  }
  const cfg = run('bin.cjs', ['config', 'show', '--output', 'json']);
  assert.equal(cfg.status, 0, cfg.stderr);
  assert.ok(JSON.parse(cfg.stdout));
});

test('help piped into a reader that stops early is not an error', () => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(CLI, 'bin.cjs')}" --help | head -c 10 >/dev/null`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
});
