/**
 * The module-loading budget of the commands that do no network I/O (issue #22): each is run as the package's
 * bin (dist/cli/bin.cjs, `npm run build` first) with a preload that records what it loads, and may load only
 * what it needs. Every module loaded costs start-up time and memory on every run, so a change that makes
 * `config show` load undici, or `--help` load commander, fails here instead of quietly slowing every command.
 * Timing itself is `npm run bench`'s job (scripts/bench.mjs); these checks are deterministic.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { seedCache } from '../e2e/helpers/token-cache-seed.js';
import { MODULE_LOADS_ENV, MODULE_LOADS_PRELOAD, readModuleLoads, type ModuleLoads } from '../helpers/module-loads.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.cjs');
const CLIENT = '6a0c9e2d-2f4e-4b43-9c2a-51f6f0c1a7d3';
const TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.' +
  Buffer.from(JSON.stringify({ aud: 'x', iss: 'https://sts.windows.net/t/', exp: 2e9, tid: 't' })).toString(
    'base64url',
  ) +
  '.c2ln';

/** Packages and sources no local command may load: the HTTP stack, JWT crypto, the emulator. */
const NETWORK_ONLY = ['undici', 'jose'];
/** Built-in modules of networking and processes: a local command needs none of them. */
const NETWORK_BUILTINS = ['http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'child_process', 'zlib'];

let home: string;
let env: Record<string, string>;
/** The environment naming the cached sign-in (the emulator's authority and client). */
let signedIn: Record<string, string>;

function loads(args: string[], extraEnv: Record<string, string> = {}): ModuleLoads & { stdout: string } {
  const base = join(home, `run-${Math.random().toString(36).slice(2)}`);
  // output to files, as `entra-token … > out` does: a pipe would make node itself load node:net for stdout
  const [out, err] = [openSync(`${base}.out`, 'w'), openSync(`${base}.err`, 'w')];
  let r;
  try {
    r = spawnSync(process.execPath, ['--require', MODULE_LOADS_PRELOAD, BIN, ...args], {
      stdio: ['ignore', out, err],
      env: { ...env, ...extraEnv, [MODULE_LOADS_ENV]: `${base}.json` },
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  assert.equal(r.status, 0, `entra-token ${args.join(' ')}: ${readFileSync(`${base}.err`, 'utf8')}`);
  return { ...readModuleLoads(`${base}.json`), stdout: readFileSync(`${base}.out`, 'utf8') };
}

/**
 * The budget of a local command: its own chunks, no commander (dispatch-fast.ts reads its command line), no
 * program, no network, within `maxBytes`.
 */
function assertLocal(args: string[], o: { packages: string[]; maxBytes: number; mustLoad?: string[] }): void {
  const l = loads(args);
  const what = `entra-token ${args.join(' ')}`;
  assert.deepEqual(
    l.packages.filter((p) => !o.packages.includes(p)),
    [],
    `${what} loads packages beyond ${o.packages.join(', ') || 'none'}`,
  );
  for (const p of NETWORK_ONLY) assert.ok(!l.packages.includes(p), `${what} loads ${p}`);
  assert.ok(!l.packages.includes('commander'), `${what} loads commander`);
  assert.ok(!l.sources.includes('src/cli/program.ts'), `${what} loads the commander program`);
  assert.ok(l.sources.includes('src/cli/dispatch-fast.ts'), `${what} did not go through dispatch-fast.ts`);
  assert.deepEqual(
    l.sources.filter((s) => s.startsWith('src/emulator/') || s === 'src/io/http.ts'),
    [],
    `${what} loads the emulator or the HTTP client`,
  );
  assert.deepEqual(
    l.builtins.filter((b) => NETWORK_BUILTINS.includes(b)),
    [],
    `${what} loads networking or process built-ins (${l.builtins.join(' ')})`,
  );
  for (const s of o.mustLoad ?? []) assert.ok(l.sources.includes(s), `${what} did not load ${s}: is it measured?`);
  // every byte is read and compiled on every run; a budget about 1.5× today's catches a dependency creeping in
  assert.ok(l.bytes <= o.maxBytes, `${what} loads ${l.bytes} bytes of chunks (budget ${o.maxBytes})`);
}

describe(
  'module-loading budget of the local commands (built bin)',
  { skip: !existsSync(BIN) && 'run npm run build first' },
  () => {
    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'et-budget-'));
      env = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'),
        ENTRA_TOKEN_STATE_DIR: join(home, 'state'),
      };
      const emu = await startEmulator();
      try {
        await seedCache(env.ENTRA_TOKEN_CACHE_DIR!, emu, Date.now() + 3600_000);
        signedIn = { ENTRA_TOKEN_AUTHORITY: emu.info.authority, AZURE_CLIENT_ID: emu.info.public_client_id };
      } finally {
        await emu.close();
      }
    });
    after(() => rmSync(home, { recursive: true, force: true }));

    test('--help, a command --help and --version load no program: no commander, no command', () => {
      for (const args of [['--help'], ['inspect', '--help'], ['cache', 'list', '--help'], ['--version']]) {
        const l = loads(args);
        assert.deepEqual(l.packages, [], args.join(' '));
        assert.ok(!l.sources.includes('src/cli/program.ts'), `${args.join(' ')} loaded the program`);
        assert.ok(l.bytes <= 120_000, `${args.join(' ')}: ${l.bytes} bytes`);
      }
    });

    test('a command line the spec does not read (a typo) goes to commander, required from the dependencies', () => {
      const r = spawnSync(process.execPath, [BIN, 'config', 'show', '--tenat', 'x'], { env, encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(
        r.stderr,
        "entra-token: error EUSAGE: unknown option '--tenat'\nhint: did you mean --tenant? (run with --help for usage)\n",
      );
      assert.equal(r.stdout, '');
      // no chunk carries a copy of commander: it is the package's dependency, required when needed
      for (const [file, m] of Object.entries(
        JSON.parse(readFileSync(join(ROOT, 'dist', 'cli', 'bin-manifest.json'), 'utf8')) as Record<
          string,
          { inputs: string[] }
        >,
      ))
        assert.ok(!m.inputs.some((i) => i.includes('node_modules/commander/')), `${file} bundles commander`);
    });

    test('a token cache hit loads neither the program nor any package', () => {
      const l = loads(['token'], signedIn);
      assert.ok(l.stdout.length > 100, 'no token printed');
      assert.ok(l.sources.includes('src/cli/token-fast.ts'));
      assert.ok(!l.sources.includes('src/cli/program.ts'), 'the full program loaded on a hit');
      assert.deepEqual(l.packages, []);
      assert.deepEqual(l.builtins, []);
    });

    test('authorize-url (with --trace-file) and trace show: pkce-challenge, nothing of the network', () => {
      const trace = join(home, 'authorize.jsonl');
      assertLocal(['authorize-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', CLIENT], {
        packages: ['pkce-challenge'],
        maxBytes: 300_000,
        mustLoad: ['src/cli/handlers/authorize-url.ts'],
      });
      assertLocal(['--trace-file', trace, 'authorize-url', '--tenant', 'organizations', '--client-id', CLIENT], {
        packages: ['pkce-challenge'],
        maxBytes: 360_000,
        mustLoad: ['src/cli/trace-sinks.ts'],
      });
      // reading a trace needs no configuration: the shared base (errors, redaction, clouds) is a file of its own
      const traceShow = loads(['trace', 'show', trace]);
      assert.ok(!traceShow.sources.includes('src/core/config.ts'), 'trace show loads config');
      // one local file is read synchronously: node:fs/promises (and its thread pool) cost a fifth of the command
      assert.ok(!traceShow.builtins.includes('fs/promises'), 'trace show loads node:fs/promises');
      assertLocal(['trace', 'show', trace], {
        packages: [],
        maxBytes: 340_000,
        mustLoad: ['src/cli/handlers/trace-show.ts'],
      });
    });

    test('inspect without --verify, config show, cache list, admin-consent-url, completion: no commander, no network', () => {
      const cases: Array<[string[], number, string, string[]]> = [
        [['inspect', TOKEN], 300_000, 'src/cli/handlers/inspect.ts', []],
        [['inspect', TOKEN, '--output', 'json'], 300_000, 'src/flows/inspect.ts', []],
        [['config', 'show'], 220_000, 'src/cli/handlers/config-show.ts', []],
        [['cache', 'list'], 250_000, 'src/cli/handlers/cache-list.ts', []],
        [
          ['admin-consent-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', CLIENT],
          240_000,
          'src/cli/handlers/admin-consent-url.ts',
          ['pkce-challenge'], // io/random.ts draws the state with it
        ],
        // the three scripts rendered at build time (about 120 kB) instead of commander and the whole program
        [['completion', 'bash'], 300_000, 'src/cli/handlers/completion.ts', []],
      ];
      assert.ok(!loads(['inspect', TOKEN]).sources.includes('src/core/config.ts'), 'inspect loads the configuration');
      for (const [args, maxBytes, source, more] of cases)
        assertLocal(args, { packages: more, maxBytes, mustLoad: [source] });
    });
  },
);
