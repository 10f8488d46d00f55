#!/usr/bin/env node
// Where a command's start-up goes, counted in instructions (valgrind's callgrind), which repeat to within a few
// percent whatever else the machine is doing, unlike wall times. Run `npm run build` first; needs valgrind.
//
//   node scripts/bench-instructions.mjs [--runs 3]
//
// Every row runs in the environment `npm run bench` uses (PATH and a temporary HOME only: a NODE_EXTRA_CA_CERTS
// alone adds about twice `node -e 0`'s instructions to every node process), and reports the least of --runs
// counts (V8's background threads add a little noise). The "floor" rows load only the files every command of
// the commander-free dispatch loads (bin, the esbuild runtime, the fd writer, the shared base and the dispatch),
// so each command's own share is its row minus the floor. Prints one markdown table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli');
const BIN = join(cli, 'bin.cjs');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 3;
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench-instructions: valgrind is not installed (Debian: apt-get install valgrind)');
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), 'entra-token-instr-'));
const env = { PATH: process.env.PATH, HOME: home };
const CLIENT = '6a0c9e2d-2f4e-4b43-9c2a-51f6f0c1a7d3';
const TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.' +
  Buffer.from(JSON.stringify({ aud: 'x', iss: 'https://sts.windows.net/t/', exp: 2e9, tid: 't' })).toString(
    'base64url',
  ) +
  '.c2ln';

/**
 * Instructions (millions) of `node ...argv`, the least of RUNS; stdout and stderr are pipes, as in
 * `npm run bench` (a pipe is written by io/fd-writer.ts, a file or terminal by node's own stream).
 */
function instructions(argv) {
  let best = Infinity;
  const log = join(home, 'callgrind.log');
  for (let i = 0; i < RUNS; i++) {
    spawnSync(
      'valgrind',
      ['--tool=callgrind', '--callgrind-out-file=/dev/null', `--log-file=${log}`, process.execPath, ...argv],
      { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
    );
    const m = /Collected : (\d+)/.exec(readFileSync(log, 'utf8'));
    if (!m) throw new Error(`no count for node ${argv.join(' ')}`);
    best = Math.min(best, Number(m[1]) / 1e6);
  }
  return best;
}

try {
  const trace = join(home, 'authorize.jsonl');
  spawnSync(process.execPath, [BIN, '--trace-file', trace, 'authorize-url', '--tenant', 'organizations'], {
    env: { ...env, AZURE_CLIENT_ID: CLIENT },
  });
  // the files every dispatched command loads: those `completion bash` loads (module-loads.cjs), but for the bin
  // itself and the chunk holding the completion handler (dist/cli/bin-manifest.json names what each file holds)
  const manifest = JSON.parse(readFileSync(join(cli, 'bin-manifest.json'), 'utf8'));
  const loadsFile = join(home, 'loads.json');
  spawnSync(
    process.execPath,
    ['--require', join(root, 'scripts', 'bench', 'module-loads.cjs'), BIN, 'completion', 'bash'],
    {
      env: { ...env, ENTRA_TOKEN_MODULE_LOADS: loadsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const floor = JSON.parse(readFileSync(loadsFile, 'utf8')).files.filter((f) => {
    const held = manifest[f.slice(cli.length + 1)]?.inputs ?? [];
    return f !== BIN && !held.some((i) => i.includes('completion'));
  });
  // run as files, as the bin is (a script given with -e pays for the module loader's set-up on its first require)
  const empty = join(home, 'empty.cjs');
  writeFileSync(empty, '');
  const floorFile = join(home, 'floor.cjs');
  writeFileSync(floorFile, floor.map((f) => `require(${JSON.stringify(f)});`).join('\n'));
  const rows = [
    ['`node -e 0`', ['-e', '0']],
    ['an empty file', [empty]],
    ['the floor: a file requiring the runtime, fd writer, shared base and dispatch', [floorFile]],
    ['`--help`', [BIN, '--help']],
    ['`completion bash`', [BIN, 'completion', 'bash']],
    ['`config show`', [BIN, 'config', 'show']],
    ['`inspect <token>`', [BIN, 'inspect', TOKEN]],
    ['`cache list`', [BIN, 'cache', 'list']],
    ['`trace show <file>`', [BIN, 'trace', 'show', trace]],
    ['`admin-consent-url …`', [BIN, 'admin-consent-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', CLIENT]],
    ['`authorize-url …`', [BIN, 'authorize-url', '--tenant', 'organizations', '--client-id', CLIENT]],
    [
      '`authorize-url … --no-pkce` (no pkce-challenge, no WebCrypto)',
      [BIN, 'authorize-url', '--tenant', 'organizations', '--client-id', CLIENT, '--no-pkce'],
    ],
  ];
  const base = instructions(['-e', '0']);
  const out = ['| run | instructions | × `node -e 0` |', '|---|---|---|'];
  for (const [what, argv] of rows) {
    const n = what === '`node -e 0`' ? base : instructions(argv);
    out.push(`| ${what} | ${n.toFixed(0)} M | ${(n / base).toFixed(2)}× |`);
    process.stderr.write(`bench-instructions: ${what} ${n.toFixed(0)} M\n`);
  }
  process.stdout.write(`${out.join('\n')}\n\n${RUNS} runs each, the least; node ${process.version}.\n`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
