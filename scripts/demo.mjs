// `npm run demo`: build only when dist/ is missing or older than src/ (a build takes half a minute on a busy
// machine, the demo about a second), then run `entra-token demo` with the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  return readdirSync(dir).reduce((max, name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return Math.max(max, st.isDirectory() ? newest(p) : st.mtimeMs);
  }, 0);
}

/** True when the built CLI is missing or older than a file under src/ (or package.json, tsconfig.build.json). */
export function distIsStale(base = root) {
  const bin = join(base, 'dist', 'cli', 'bin.cjs');
  if (!existsSync(bin) || !existsSync(join(base, 'dist', 'cli', 'program.js'))) return true;
  const inputs = Math.max(
    newest(join(base, 'src')),
    ...['package.json', 'tsconfig.build.json'].map((f) =>
      existsSync(join(base, f)) ? statSync(join(base, f)).mtimeMs : 0,
    ),
  );
  return statSync(bin).mtimeMs < inputs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (distIsStale()) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'bin.cjs'), 'demo', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
