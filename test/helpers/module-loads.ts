/**
 * Which source modules a run of the built CLI (dist/cli/bin.cjs) loaded. The bin is bundled into chunks
 * (scripts/build-entry.mjs); the preload scripts/bench/module-loads.cjs records the chunk files a process
 * required and the built-in modules it loaded, and dist/cli/bin-manifest.json names the sources in each chunk.
 *
 *   const r = await run([...], { ...env, [MODULE_LOADS_ENV]: file }, ['--require', MODULE_LOADS_PRELOAD]);
 *   const loads = readModuleLoads(file);   // loads.sources: ['src/cli/bin.ts', 'node_modules/commander/…', …]
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI_DIR = join(ROOT, 'dist', 'cli');

export const MODULE_LOADS_PRELOAD = join(ROOT, 'scripts', 'bench', 'module-loads.cjs');
export const MODULE_LOADS_ENV = 'ENTRA_TOKEN_MODULE_LOADS';

export interface ModuleLoads {
  /** Source files (repository-relative: src/…, node_modules/…, scripts/…) in the chunks loaded. */
  sources: string[];
  /** The npm packages among them (commander, undici, jose, …). */
  packages: string[];
  /** Node built-in modules loaded beyond those node loads at start-up (http, net, crypto, …). */
  builtins: string[];
  /** Bytes of our chunks read and compiled. */
  bytes: number;
  /** The files themselves (dist/cli/…). */
  files: string[];
}

interface ManifestEntry {
  bytes: number;
  inputs: string[];
}

export function readModuleLoads(recordFile: string): ModuleLoads {
  const manifest = JSON.parse(readFileSync(join(CLI_DIR, 'bin-manifest.json'), 'utf8')) as Record<
    string,
    ManifestEntry
  >;
  const { files, builtins } = JSON.parse(readFileSync(recordFile, 'utf8')) as { files: string[]; builtins: string[] };
  const sources = new Set<string>();
  let bytes = 0;
  for (const file of files) {
    const entry = manifest[relative(CLI_DIR, file)];
    if (entry) {
      bytes += entry.bytes;
      for (const input of entry.inputs) sources.add(input);
    } else sources.add(relative(ROOT, file));
  }
  const packages = new Set(
    [...sources].flatMap((s) => {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
      return m ? [m[1]!] : [];
    }),
  );
  return {
    sources: [...sources],
    packages: [...packages].sort(),
    builtins,
    bytes,
    files: files.map((f) => relative(ROOT, f)),
  };
}
