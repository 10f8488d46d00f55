// Bundles src/cli/bin.ts into dist/cli/bin.cjs, the package's `bin` (after tsc has built dist/): a CommonJS
// entry skips the ES module loader's start-up, the token fast path and its few modules become one file, and the top-level --help text is rendered from the real program now, at
// build time, so `entra-token --help` does not load commander and 20 modules to print it.
// The full program stays the separate, tsc-built dist/cli/program.js (loaded on demand).
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const esmEntry = join(root, 'dist', 'cli', 'bin.js');
const out = join(root, 'dist', 'cli', 'bin.cjs');

// tsc's own dist/cli/bin.js runs the full program when __HELP_TEXT__ is not defined
const help = spawnSync(process.execPath, [esmEntry, '--help'], {
  encoding: 'utf8',
  env: { ...process.env, COLUMNS: '80' },
});
if (help.status !== 0 || !help.stdout.startsWith('Usage: entra-token')) {
  console.error(`build-entry: could not render --help (exit ${help.status}): ${help.stderr}`);
  process.exit(1);
}

await build({
  entryPoints: [join(root, 'src', 'cli', 'bin.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // the full program is loaded from tsc's output by import(), not copied into the entry
  external: ['./program.js'],
  define: { __HELP_TEXT__: JSON.stringify(help.stdout) },
  logLevel: 'warning',
  legalComments: 'none',
});
chmodSync(out, 0o755);
