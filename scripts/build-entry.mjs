// Builds the package's `bin`, dist/cli/bin.cjs, after tsc has built dist/. Bundling is a build step only: the
// source keeps its layers and files, and the library (dist/index.js) stays tsc's ES modules.
//
// 1. Every `--help` text (the top level and every command and subcommand) is rendered now from the real
//    program (tsc's dist/cli/program.js, in this process), so `entra-token … --help` prints a string
//    instead of loading commander and every command. New commands and options are picked up by the walk.
// 2. esbuild bundles src/cli/bin.ts as ES modules with code splitting: each command's handler, and each
//    module the source loads with import(), becomes its own chunk, so a command loads only what it uses.
// 3. Each chunk is then rewritten as CommonJS (dist/cli/bin.cjs and dist/cli/chunks/*.cjs): CommonJS skips
//    the ES module loader's start-up, and a CommonJS require() of a chunk costs a read and a compile.
//
// Two esbuild plugins keep start-up small (`npm run bench` measures it; test/bench/module-budget.test.ts
// guards which modules each local command loads):
// - lazy built-ins: `node:crypto`, `node:child_process`, `node:http`, … are required on first use, not
//   when the chunk that names them loads (most commands never touch most of them);
// - lean undici: the CLI uses undici's Agent, EnvHttpProxyAgent and request() only; they are bundled from
//   undici's own files (scripts/undici-lean.cjs) instead of its index, which loads fetch, WebSocket,
//   caches, mocks and more (about 1 MB more to compile before the first request).
import { Writable } from 'node:stream';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'dist', 'cli');
const chunksDir = join(cliDir, 'chunks');
const require = createRequire(import.meta.url);

// ------------------------------------------------------------------ 1. every --help, from the real program
// as when piped: commander wraps help at 80 columns unless stdout is a terminal (then at its width); the
// prerendered texts are the 80-column ones whatever terminal runs the build
for (const stream of [process.stdout, process.stderr]) Object.defineProperty(stream, 'isTTY', { value: false });
const { buildProgram, runCli, VERSION } = await import(pathToFileURL(join(cliDir, 'program.js')).href);

/** What `entra-token ...argv` prints on stdout, run in this process; throws unless it exits 0 with what `expect` wants. */
async function render(argv, expect = (out) => out.startsWith('Usage: entra-token')) {
  let stdout = '';
  let stderr = '';
  const sink = (add) => new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
  const ctx = {
    stdout: Object.assign(
      sink((s) => (stdout += s)),
      { isTTY: false },
    ),
    stderr: Object.assign(
      sink((s) => (stderr += s)),
      { isTTY: false },
    ),
    stdin: process.stdin,
    env: {},
    now: () => Date.now(),
    cwd: root,
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, ctx);
  if (code !== 0 || !expect(stdout)) {
    throw new Error(`build-entry: could not render \`${argv.join(' ')}\` (exit ${code}): ${stderr}`);
  }
  return stdout;
}

/** Every command path of the program, aliases too: [], ['inspect'], ['cache'], ['cache', 'list'], … */
function commandPaths(cmd, path = []) {
  return [
    path,
    ...cmd.commands.flatMap((c) => [c.name(), ...c.aliases()].flatMap((name) => commandPaths(c, [...path, name]))),
  ];
}
const quiet = { write: () => true };
const program = buildProgram({ stdout: quiet, stderr: quiet, env: {}, now: Date.now, cwd: root });
const help = {};
for (const path of commandPaths(program)) help[path.join(' ')] = await render([...path, '--help']);

// each command's name and aliases → the index of the register function that adds it (program.ts registers
// only the command a run starts with); a register function adding more or less than one command is left out
const { COMMANDS } = await import(pathToFileURL(join(cliDir, 'commands', 'index.js')).href);
const { Command } = require('commander');
const commandIndex = {};
COMMANDS.forEach((register, i) => {
  const p = new Command();
  register(p, { stdout: quiet, stderr: quiet, env: {}, now: Date.now, cwd: root });
  if (p.commands.length === 1) for (const n of [p.commands[0].name(), ...p.commands[0].aliases()]) commandIndex[n] = i;
});
if (Object.keys(commandIndex).length < COMMANDS.length) fail('most commands are missing from the command index');

// ------------------------------------------------------------------ 1b. the command line as data, completion
// argv-spec.ts specOf(): each command's options and arguments, read at run time by dispatch-fast.ts without
// commander. A command's handler is named by its key in handler-index.ts: the loader its registration gave
// handle() (command.ts) must load the very module that key loads, or the command is left to commander.
const { specOf, packSpec } = await import(pathToFileURL(join(cliDir, 'argv-spec.js')).href);
const { handlerLoaders } = await import(pathToFileURL(join(cliDir, 'command.js')).href);
const { collect } = await import(pathToFileURL(join(cliDir, 'options.js')).href);
const { HANDLERS } = await import(pathToFileURL(join(cliDir, 'handler-index.js')).href);
const handlerKeys = new Map(); // the module a key loads → the key
for (const [k, load] of Object.entries(HANDLERS)) handlerKeys.set(await load(), k);
const handlerOfCommand = new Map();
const leaves = (cmd) => [cmd, ...cmd.commands.flatMap(leaves)];
for (const cmd of leaves(program)) {
  const load = handlerLoaders.get(cmd);
  if (!load) continue;
  const key = handlerKeys.get(await load());
  if (key === undefined) fail(`the handler of \`${cmd.name()}\` is missing from src/cli/handler-index.ts`);
  handlerOfCommand.set(cmd, key);
}
const argvSpec = specOf(program, { collect, handlerOf: (cmd) => handlerOfCommand.get(cmd) });
const opaque = [];
const walkSpec = (s, path) => {
  if (s.opaque) opaque.push(path.join(' ') || '(the program)');
  for (const c of s.commands ?? []) walkSpec(c, [...path, c.names[0]]);
};
walkSpec(argvSpec, []);
if (opaque.length) console.error(`build-entry: left to commander: ${opaque.join(', ')}`);
if (argvSpec.opaque) fail('the program itself is opaque to dispatch-fast.ts: no command would skip commander');
const completion = {};
for (const shell of ['bash', 'zsh', 'fish'])
  completion[shell] = await render(['completion', shell], (out) => out.includes('entra-token'));

// ------------------------------------------------------------------ 2. ES module chunks
/**
 * Built-in modules node does not load at start-up, required on first use instead: the chunk that names one
 * gets an object with a getter per export, so nothing loads until one is read. Only modules whose exports are
 * plain functions, classes and constants are listed (not `process`, `events`, `stream` or `assert`, whose
 * export is itself called, extended or bound).
 */
const LAZY_BUILTINS = new Set([
  'child_process',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'readline',
  'readline/promises',
  'stream/promises',
  'string_decoder',
  'tls',
  'tty',
  'worker_threads',
  'zlib',
]);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const id = args.path.replace(/^node:/, '');
      // import('node:os') is lazy already, and must keep its named exports
      if (!LAZY_BUILTINS.has(id) || args.namespace === 'lazy-builtin' || args.kind === 'dynamic-import')
        return undefined;
      return { path: id, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ path }) => {
      const keys = Object.keys(require(`node:${path}`)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      const getters = keys.map((k) => `  get ${k}() { return load().${k}; },`).join('\n');
      return {
        contents: `let m;\nconst load = () => (m ??= require('node:${path}'));\nmodule.exports = {\n${getters}\n};\n`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};

/**
 * commander, required from the package's dependencies on first use: the bundled bin runs most command lines
 * without it (dispatch-fast.ts), but the modules that register options (options.ts, credential.ts, …) name
 * `Option` and are loaded by handlers too. Each importer gets an object with a getter per export, as for the
 * lazy built-ins; it is not bundled, so no chunk carries a copy of it.
 */
const lazyCommander = {
  name: 'lazy-commander',
  setup(b) {
    b.onResolve({ filter: /^commander$/ }, (args) =>
      args.namespace === 'lazy-commander'
        ? { path: 'commander', external: true }
        : { path: 'commander', namespace: 'lazy-commander' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-commander' }, () => {
      const keys = Object.keys(require('commander')).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      const getters = keys.map((k) => `  get ${k}() { return load().${k}; },`).join('\n');
      return {
        contents: `let m;\nconst load = () => (m ??= require('commander'));\nmodule.exports = {\n${getters}\n};\n`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};

/**
 * `undici` as src/io/http.ts uses it (scripts/undici-lean.cjs); any other importer gets undici itself. The
 * build stops if http.ts imports a value the lean module does not export (it would be undefined at run time).
 */
const HTTP_TS = join(root, 'src', 'io', 'http.ts');
const LEAN_UNDICI = join(root, 'scripts', 'undici-lean.cjs');
{
  const imports = /import\s*{([^}]*)}\s*from\s*'undici'/.exec(readFileSync(HTTP_TS, 'utf8'))?.[1] ?? '';
  const values = imports
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n && !n.startsWith('type '))
    .map((n) => n.split(/\s+as\s+/)[0]);
  const missing = values.filter((n) => !(n in require(LEAN_UNDICI)));
  if (missing.length) {
    console.error(
      `build-entry: scripts/undici-lean.cjs does not export ${missing.join(', ')} (src/io/http.ts uses it)`,
    );
    process.exit(1);
  }
}
// HTTP/2: undici speaks it only when a dispatcher is made with allowH2 (ALPN offers h2 then); src/io/http.ts
// never does, and undici's client-h2.js requires node:http2 and node:tls when it loads (about a sixth of
// `node -e 0`). Its stand-in throws if it is ever reached.
if (/allowH2|useH2c/.test(readFileSync(HTTP_TS, 'utf8')))
  fail('src/io/http.ts uses HTTP/2: drop the client-h2 stand-in');
// A FormData body: undici's client-h1.js then loads its fetch implementation (web/fetch/body.js and, through it,
// webidl, FormData, Blob and data: URL parsing: some 150 kB to parse at every start of a network command).
// src/io/http.ts sends string bodies only (core/wire.ts requestBody()); the stand-in throws if ever reached.
if (/FormData|Blob/.test(readFileSync(HTTP_TS, 'utf8')))
  fail('src/io/http.ts sends FormData or Blob: drop the web/fetch stand-in');
/** undici's llhttp modules (base64 in JavaScript) → the binary file the bin reads instead (see lean-undici) */
const LLHTTP_WASM = { 'llhttp-wasm.js': 'llhttp.wasm', 'llhttp_simd-wasm.js': 'llhttp_simd.wasm' };
const leanUndici = {
  name: 'lean-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer === HTTP_TS ? { path: LEAN_UNDICI } : undefined));
    b.onResolve({ filter: /\/client-h2\.js$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(args.importer)
        ? { path: 'client-h2', namespace: 'no-h2' }
        : undefined,
    );
    // llhttp's WebAssembly is compiled by wasmModule() (scripts/undici-lean.cjs: Liftoff only, flag set late)
    b.onLoad({ filter: /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const compiles = source.split('new WebAssembly.Module(').length - 1;
      if (compiles !== 2)
        fail(`undici's client-h1.js compiles WebAssembly ${compiles} times (expected 2): check wasmModule()`);
      const via = `require(${JSON.stringify(LEAN_UNDICI)}).wasmModule(`;
      return { contents: source.replaceAll('new WebAssembly.Module(', via), loader: 'js', resolveDir: dirname(path) };
    });
    // llhttp's WebAssembly as binary files next to the chunk that compiles it (written after the build, below),
    // read when the first connection needs it: as undici ships it, 145 kB of base64 in the chunk's source that
    // node read and V8 scanned at every start of a network command
    b.onResolve({ filter: /\/llhttp\/llhttp(_simd)?-wasm\.js$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/.test(args.importer)
        ? { path: LLHTTP_WASM[basename(args.path)], namespace: 'llhttp-file' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'llhttp-file' }, ({ path }) => ({
      contents: `module.exports = require('node:fs').readFileSync(require('node:path').join(__dirname, ${JSON.stringify(path)}));`,
      loader: 'js',
    }));
    b.onResolve({ filter: /\/web\/fetch\/body\.js$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/.test(args.importer)
        ? { path: 'fetch-body', namespace: 'no-formdata' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-formdata' }, () => ({
      contents:
        "exports.extractBody = function extractBody() { throw new Error('entra-token: FormData bodies are not sent (src/io/http.ts sends strings)'); };",
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'no-h2' }, () => ({
      contents:
        "module.exports = function connectH2() { throw new Error('entra-token: HTTP/2 is not offered (allowH2 is off)'); };",
      loader: 'js',
    }));
  },
};

const esmDir = join(tmpdir(), `entra-token-build-${process.pid}`);
rmSync(esmDir, { recursive: true, force: true });
try {
  const { metafile } = await build({
    metafile: true,
    entryPoints: { bin: join(root, 'src', 'cli', 'bin.ts') },
    outdir: esmDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    define: {
      __HELP_JSON__: JSON.stringify(JSON.stringify(help)),
      __VERSION__: JSON.stringify(VERSION),
      __COMMAND_INDEX__: JSON.stringify(JSON.stringify(commandIndex)),
      __ARGV_SPEC__: JSON.stringify(JSON.stringify(packSpec(argvSpec))),
      __COMPLETION_BASH__: JSON.stringify(completion.bash),
      __COMPLETION_ZSH__: JSON.stringify(completion.zsh),
      __COMPLETION_FISH__: JSON.stringify(completion.fish),
    },
    plugins: [lazyBuiltins, lazyCommander, leanUndici],
    // fewer bytes to read, parse and hold at every start (a quarter fewer with short local names); error
    // classes set their own names, so messages are unchanged — only an ENTRA_TOKEN_DEBUG stack shows short names
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    legalComments: 'none',
    logLevel: 'warning',
  });

  // ---------------------------------------------------------------- 3. the chunks as CommonJS, some merged
  // esbuild splits finely (one chunk per set of importers): the full program alone is some 20 chunks, and each
  // file costs a resolve, a read and a compile. So four entry chunks are merged with the chunks they import
  // statically into one file each, in this order (a chunk goes to the first that needs it): the token
  // cache-hit path, the commander-free dispatch (the parser, the handler table, the error boundary), the
  // program (every command's registration; nothing a handler imports), the help texts.
  // Every other chunk stays a file of its own, and imports what it needs from those three through their
  // exports.
  // the metafile's paths are relative to the working directory
  const outputs = Object.fromEntries(
    Object.entries(metafile.outputs).map(([f, o]) => [
      resolve(f),
      {
        ...o,
        entryPoint: o.entryPoint && resolve(o.entryPoint),
        inputs: Object.keys(o.inputs).map((i) => (i.includes(':') ? i : relative(root, resolve(i)))),
        imports: o.imports.map((i) => (i.external ? i : { ...i, path: resolve(i.path) })),
      },
    ]),
  );
  const staticImports = (f) =>
    outputs[f].imports.filter((i) => !i.external && i.kind === 'import-statement').map((i) => i.path);
  const holding = (source) =>
    Object.keys(outputs).find((f) => outputs[f].entryPoint === join(root, source)) ??
    fail(`no entry chunk for ${source} (is it still imported with import()?)`);
  const groupOf = new Map(); // chunk → the root of its group
  const groups = new Map(); // root → its members, root first
  // esbuild's runtime helpers and the lazy built-ins' getter modules are used everywhere: they join no group
  // (but the common one, below)
  const shared = (f) => outputs[f].inputs.every((i) => i.startsWith('lazy-builtin:') || i.startsWith('<'));
  const runtimeOnly = (f) => outputs[f].inputs.every((i) => i.startsWith('<'));
  const lazyGlue = (f) => !runtimeOnly(f) && shared(f);
  /** Every chunk the given ones import statically, directly or not (esbuild's runtime chunk left out). */
  const reachable = (from) => {
    const seen = new Set();
    const visit = (f) => {
      if (seen.has(f) || (!from.includes(f) && runtimeOnly(f))) return;
      seen.add(f);
      staticImports(f).forEach(visit);
    };
    from.forEach(visit);
    return seen;
  };
  // what the handlers (and every other lazily imported module) import: never merged into the program's file,
  // which the bundled bin loads only when commander runs (dispatch-fast.ts runs the handlers without it)
  const lazyEntries = Object.keys(outputs).filter(
    (f) => outputs[f].entryPoint && !/src\/cli\/(bin|program)\.ts$/.test(outputs[f].entryPoint),
  );
  const usedLazily = reachable(lazyEntries);
  // what both the token cache-hit path and the dispatch need (errors, redaction, …) is a file of its own, so a
  // command other than `token` does not load the cache-hit path's configuration and cache code with it
  const [tokenRoot, dispatchRoot] = ['src/cli/token-fast.ts', 'src/cli/dispatch-fast.ts'].map(holding);
  const fromDispatch = reachable([dispatchRoot]);
  // and what most commands use without any configuration code: the constants and URL checks (inspect, trace
  // show), and the fd writer (every dispatched command's stdout, and the cache hit's)
  const everywhere = (f) =>
    outputs[f].inputs.some((i) => ['src/core/clouds.ts', 'src/core/url-safety.ts', 'src/io/fd-writer.ts'].includes(i));
  // and the lazy built-ins' getter modules the cache-hit path needs (node:os, node:fs/promises…): in the common
  // file rather than files of their own, so a cache hit loads no more files than the bin, its chunk, the
  // common one and esbuild's runtime
  const common = [...reachable([tokenRoot])].filter(
    (f) => (fromDispatch.has(f) || everywhere(f) || lazyGlue(f)) && f !== tokenRoot && f !== dispatchRoot,
  );
  if (common.length) {
    common.sort();
    for (const f of common) groupOf.set(f, common[0]);
    groups.set(common[0], common);
  }
  for (const source of [
    'src/cli/token-fast.ts',
    'src/cli/dispatch-fast.ts',
    'src/cli/program.ts',
    'src/cli/help-fast.ts',
  ]) {
    const rootChunk = holding(source);
    const members = [];
    const visit = (f) => {
      if (groupOf.has(f) || (f !== rootChunk && shared(f))) return;
      if (source === 'src/cli/program.ts' && f !== rootChunk && usedLazily.has(f)) return;
      groupOf.set(f, rootChunk);
      members.push(f);
      staticImports(f).forEach(visit);
    };
    visit(rootChunk);
    groups.set(rootChunk, members);
  }
  const cjsName = (f) => relative(esmDir, f).replace(/\.js$/, '.cjs');
  const key = (f) => `m${relative(esmDir, f).replace(/\W/g, '_')}`;
  const fromOut = (importer, target) => {
    const rel = relative(dirname(join(cliDir, cjsName(importer))), join(cliDir, cjsName(target)));
    return rel.startsWith('.') ? rel : `./${rel}`;
  };

  // one esbuild run: an entry per file written; a chunk imported from outside its group becomes a one-line
  // module taking that chunk's exports from the group's file (`export * as m…` there), so no module is ever
  // loaded twice
  const GROUP = 'group-entry';
  const REF = 'group-ref';
  const entryPoints = {};
  for (const f of Object.keys(outputs)) {
    if (groups.has(f)) entryPoints[cjsName(f).replace(/\.cjs$/, '')] = `${GROUP}:${f}`;
    else if (!groupOf.has(f)) entryPoints[cjsName(f).replace(/\.cjs$/, '')] = f;
  }
  const chunkPlugin = {
    name: 'chunk-groups',
    setup(b) {
      b.onResolve({ filter: /^group-entry:/ }, (a) => ({ path: a.path.slice(GROUP.length + 1), namespace: GROUP }));
      b.onLoad({ filter: /.*/, namespace: GROUP }, ({ path: rootChunk }) => {
        const names = outputs[rootChunk].exports;
        const lines = [`export { ${names.join(', ')} } from ${JSON.stringify(rootChunk)};`];
        for (const m of groups.get(rootChunk)) lines.push(`export * as ${key(m)} from ${JSON.stringify(m)};`);
        return { contents: lines.join('\n'), loader: 'js', resolveDir: esmDir };
      });
      b.onResolve({ filter: /^\.\.?\// }, (a) => {
        if (a.kind === 'entry-point') return undefined;
        if (a.namespace === REF) return { path: a.path, external: true };
        const target = join(a.namespace === REF ? esmDir : dirname(a.importer), a.path);
        if (!outputs[target]) return undefined;
        const importer = a.importer;
        const importerGroup = a.namespace === GROUP ? a.importer : groupOf.get(importer);
        const targetGroup = groupOf.get(target);
        // inside a group's file: bundled; a group's root (or a file of its own): required; a group member: by reference
        if (targetGroup !== undefined && targetGroup === importerGroup) return { path: target };
        const from = a.namespace === GROUP ? targetGroup : importer;
        if (targetGroup === undefined || targetGroup === target)
          return { path: fromOut(from, targetGroup ?? target), external: true };
        return { path: target, namespace: REF, pluginData: { from } };
      });
      b.onLoad({ filter: /.*/, namespace: REF }, ({ path: target, pluginData }) => ({
        contents: `module.exports = require(${JSON.stringify(fromOut(pluginData.from, groupOf.get(target)))}).${key(target)};`,
        loader: 'js',
      }));
    },
  };
  rmSync(chunksDir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: cliDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import('./chunks/x.cjs') becomes a require() of the CommonJS chunk, when it is needed
    supported: { 'dynamic-import': false },
    plugins: [chunkPlugin],
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  chmodSync(join(cliDir, 'bin.cjs'), 0o755);
  // llhttp's WebAssembly, byte for byte as undici ships it, beside the file whose code reads it (lean-undici)
  const readers = [cliDir, chunksDir].flatMap((d) =>
    readdirSync(d)
      .filter((n) => n.endsWith('.cjs') && readFileSync(join(d, n), 'utf8').includes('"llhttp_simd.wasm"'))
      .map(() => d),
  );
  if (readers.length !== 1) fail(`llhttp's WebAssembly is read from ${readers.length} files (expected 1)`);
  for (const [js, wasm] of Object.entries(LLHTTP_WASM))
    writeFileSync(join(readers[0], wasm), require(`undici/lib/llhttp/${js}`));
  // which sources each file holds and which files it requires, for test/bench/module-budget.test.ts and for
  // finding out why a command loads what it loads (not in the package: see "files" in package.json)
  const manifest = {};
  for (const f of Object.keys(outputs)) {
    const file = cjsName(groupOf.get(f) ?? f);
    const m = (manifest[file] ??= { bytes: statSync(join(cliDir, file)).size, inputs: [] });
    m.inputs.push(...outputs[f].inputs.filter((i) => !i.startsWith('lazy-builtin:')));
  }
  writeFileSync(join(cliDir, 'bin-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
} finally {
  rmSync(esmDir, { recursive: true, force: true });
}

function fail(message) {
  throw new Error(`build-entry: ${message}`);
}
