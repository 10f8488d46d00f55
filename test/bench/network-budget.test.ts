/**
 * What the network commands load before their network work starts (issue #22), run as the package's bin
 * (dist/cli/bin.cjs, `npm run build` first) against the emulator, with a preload (scripts/bench/network-loads.cjs)
 * that records what was loaded at two moments:
 * - `exchange`: when undici creates the token request (nothing sent yet). It needs the HTTP stack and the pending
 *   sign-in, not jose, not pkce-challenge (the verifier is in the pending sign-in), not TLS for an http:// URL;
 * - `login`: when it prints "Listening on …". It needs node:http and its own code, not undici, jose, pkce-challenge
 *   or node:crypto (the PKCE pair and the state are made after it is listening).
 * And what loads after V8's flags change (llhttp compiled Liftoff-only, scripts/undici-lean.cjs): each built-in
 * loaded then misses node's code cache and is compiled from source, so none but a tiny one may.
 * The bin's undici is a lean bundle (scripts/undici-lean.cjs, scripts/build-entry.mjs): an exchange through an
 * HTTP proxy's CONNECT tunnel checks that what the bundle leaves out is not needed there, and exchanges with and
 * without WebAssembly SIMD that llhttp is read from the files the build writes beside the chunk.
 * Timing itself is `npm run bench`'s job (scripts/bench.mjs); these checks are deterministic.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { startAuthorization } from '../../src/flows/auth-code.js';
import { FilePendingStore } from '../../src/io/pending.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI_DIR = join(ROOT, 'dist', 'cli');
const BIN = join(CLI_DIR, 'bin.cjs');
const PRELOAD = join(ROOT, 'scripts', 'bench', 'network-loads.cjs');
const SCOPES = ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'profile', 'offline_access'];

interface Snapshot {
  files: string[];
  builtins: string[];
}
interface Record {
  atRequest: Snapshot | null;
  atListening: Snapshot | null;
  afterFlags: string[] | null;
}
interface Loaded {
  sources: string[];
  packages: string[];
  builtins: string[];
  bytes: number;
}

/** Built-ins neither moment needs: TLS (the emulator is plain http on loopback), compression, threads, … */
const NEVER = ['tls', 'https', 'http2', 'zlib', 'worker_threads', 'readline', 'inspector', 'vm', 'repl'];

let emu: Emulator;
let home: string;
let env: { [k: string]: string };
let runs = 0;

function loaded(s: Snapshot): Loaded {
  const manifest = JSON.parse(readFileSync(join(CLI_DIR, 'bin-manifest.json'), 'utf8')) as {
    [file: string]: { bytes: number; inputs: string[] };
  };
  const sources = new Set<string>();
  let bytes = 0;
  for (const f of s.files) {
    const entry = manifest[relative(CLI_DIR, f)];
    if (!entry) continue;
    bytes += entry.bytes;
    for (const i of entry.inputs) sources.add(i);
  }
  const packages = new Set(
    [...sources].flatMap((x) => {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(x);
      return m ? [m[1]!] : [];
    }),
  );
  return { sources: [...sources], packages: [...packages].sort(), builtins: s.builtins, bytes };
}

/**
 * Run the bin with the preload, as a user does; stdout and stderr are files (node's stream for a pipe would be a
 * socket, and the preload sees stderr through fs.writeSync). Asynchronous: the test's proxy must keep answering.
 */
async function run(
  args: string[],
  o: { input?: string; env?: { [k: string]: string } } = {},
): Promise<{ status: number | null; stdout: string; stderr: string; record: Record }> {
  const base = join(home, `run-${++runs}`);
  writeFileSync(`${base}.in`, o.input ?? '');
  const fds = [openSync(`${base}.in`, 'r'), openSync(`${base}.out`, 'w'), openSync(`${base}.err`, 'w')];
  let status: number | null;
  try {
    const child = spawn(process.execPath, ['--require', PRELOAD, BIN, ...args], {
      stdio: fds,
      env: { ...env, ...o.env, ENTRA_TOKEN_NETWORK_LOADS: `${base}.json` },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearTimeout(timer);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  const record = existsSync(`${base}.json`)
    ? (JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Record)
    : { atRequest: null, atListening: null, afterFlags: null };
  return { status, stdout: readFileSync(`${base}.out`, 'utf8'), stderr: readFileSync(`${base}.err`, 'utf8'), record };
}

/** A pending sign-in in the run's state directory, and the redirect the emulator answers it with. */
async function freshRedirect(): Promise<string> {
  const { url } = await startAuthorization(
    {
      authority: resolveAuthority({ authority: emu.info.authority }),
      client_id: emu.info.public_client_id,
      redirect_uri: emu.info.redirect_uri,
      scopes: SCOPES,
    },
    { pending: new FilePendingStore(join(env.ENTRA_TOKEN_STATE_DIR!, 'pending')), now: Date.now },
  );
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  assert.equal(res.status, 302, 'the emulator auto-approves the sign-in');
  return location!;
}

describe(
  'network commands: what they load before the network work (built bin)',
  { skip: !existsSync(BIN) && 'run npm run build first' },
  () => {
    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'et-netbudget-'));
      env = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'),
        ENTRA_TOKEN_STATE_DIR: join(home, 'state'),
      };
      emu = await startEmulator({ autoApprove: true });
    });
    after(async () => {
      await emu.close();
      rmSync(home, { recursive: true, force: true });
    });

    test('exchange: at the token request, the HTTP stack and the pending sign-in, no jose, no PKCE library, no TLS', async () => {
      const r = await run(['exchange', '-o', 'json'], { input: await freshRedirect() });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout).access_token, 'no token printed');
      assert.ok(r.record.atRequest, 'the preload saw no undici request');
      const l = loaded(r.record.atRequest);
      assert.ok(l.sources.includes('src/io/http.ts') && l.packages.includes('undici'), 'the HTTP client is measured');
      assert.ok(l.sources.includes('src/io/pending.ts'), 'the pending sign-in is read before the request');
      // commander until the build-time option parser replaces it
      assert.deepEqual(
        l.packages.filter((p) => !['undici', 'commander'].includes(p)),
        [],
        `packages loaded before the request: ${l.packages.join(' ')}`,
      );
      assert.deepEqual(
        l.builtins.filter((b) => NEVER.includes(b) || b === 'v8'),
        [],
        `built-ins loaded before the request: ${l.builtins.join(' ')}`,
      );
      // undici's fetch (web/fetch, webidl) and the API helpers the CLI does not call are left out of the bundle
      assert.deepEqual(
        l.sources.filter((s) => /undici\/lib\/(web|api\/api-(stream|pipeline|upgrade)|mock|cache|interceptor)/.test(s)),
        [],
      );
      // every byte is read and compiled before the request; a budget about 1.2× today's catches a dependency creeping in
      // what is needed once there are tokens (the output, the token cache) is loaded then
      for (const later of ['src/cli/output.ts', 'src/io/token-cache.ts'])
        assert.ok(!l.sources.includes(later), `${later} loaded before the request`);
      assert.ok(l.bytes <= 650_000, `exchange loads ${l.bytes} bytes of chunks before its request (budget 650000)`);
    });

    test('exchange: after V8 compiles llhttp Liftoff-only, no built-in but os is loaded (each would miss the code cache)', async () => {
      const r = await run(['exchange', '-o', 'json'], { input: await freshRedirect() });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.record.afterFlags, 'V8 flags were never changed: is llhttp still compiled through wasmModule()?');
      // os: the token cache's lock names its host (a small module)
      assert.deepEqual(
        r.record.afterFlags.filter((b) => !b.startsWith('internal/') && b !== 'os'),
        [],
        `built-ins loaded after the flag change: ${r.record.afterFlags.join(' ')}`,
      );
    });

    test('login: until "Listening on", node:http and its own code; no undici, jose, PKCE library or node:crypto', async () => {
      const r = await run(['login', '--no-browser', '--no-cache', '--timeout', '1'], {
        env: { ENTRA_TOKEN_AUTHORITY: emu.info.authority, AZURE_CLIENT_ID: emu.info.public_client_id },
      });
      assert.match(r.stderr, /Listening on 127\.0\.0\.1:\d+/);
      assert.match(r.stderr, /error ETIMEOUT/, 'the login times out after 1 s (nobody signs in)');
      assert.ok(r.record.atListening, 'the preload did not see "Listening on" written to stderr');
      const l = loaded(r.record.atListening);
      assert.ok(l.sources.includes('src/io/listener.ts') && l.builtins.includes('http'), 'the listener is measured');
      assert.deepEqual(
        l.packages.filter((p) => p !== 'commander'),
        [],
        `packages loaded before listening: ${l.packages.join(' ')}`,
      );
      assert.ok(!l.sources.includes('src/io/http.ts'), 'the HTTP client loaded before listening');
      assert.deepEqual(
        l.builtins.filter((b) => NEVER.includes(b) || b === 'crypto' || b === 'v8'),
        [],
        `built-ins loaded before listening: ${l.builtins.join(' ')}`,
      );
      // the Databricks client (only for a workspace to discover), the output and the token cache come later
      for (const later of ['src/apis/databricks.ts', 'src/cli/output.ts', 'src/io/token-cache.ts'])
        assert.ok(!l.sources.includes(later), `${later} loaded before listening`);
      assert.ok(l.bytes <= 300_000, `login loads ${l.bytes} bytes of chunks before listening (budget 300000)`);
    });

    test("llhttp's WebAssembly is read from the files beside the chunk, the SIMD build and the plain one", async () => {
      for (const noSimd of ['0', '1']) {
        const r = await run(['exchange', '-o', 'json', '--no-cache'], {
          input: await freshRedirect(),
          env: { UNDICI_NO_WASM_SIMD: noSimd },
        });
        assert.equal(r.status, 0, `UNDICI_NO_WASM_SIMD=${noSimd}: ${r.stderr}`);
        assert.ok(JSON.parse(r.stdout).access_token, 'no token printed');
        assert.ok(r.record.atRequest, 'the preload saw no undici request');
        assert.ok(
          !loaded(r.record.atRequest).sources.some((s) => /undici\/lib\/llhttp\/llhttp(_simd)?-wasm\.js$/.test(s)),
          "undici's base64 llhttp modules are in the bundle",
        );
      }
    });

    test("exchange through an HTTP proxy's CONNECT tunnel works with the bin's lean undici", async () => {
      const tunnels: string[] = [];
      const proxy: Server = createServer((client: Socket) => {
        client.once('data', (head) => {
          const m = /^CONNECT ([^ ]+) HTTP\/1\.1\r\n/.exec(head.toString('latin1'));
          if (!m) {
            client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n');
            return;
          }
          tunnels.push(m[1]!);
          const [host, port] = [m[1]!.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(m[1]!)![1])];
          const upstream = connect(port, host, () => {
            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            upstream.pipe(client).pipe(upstream);
          });
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const address = proxy.address() as { port: number };
        const r = await run(['exchange', '-o', 'json', '--no-cache'], {
          input: await freshRedirect(),
          env: { HTTP_PROXY: `http://127.0.0.1:${address.port}`, NO_PROXY: '' },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(JSON.parse(r.stdout).access_token, 'no token printed');
        assert.deepEqual(tunnels, [new URL(emu.info.authority).host], 'the token request went through the tunnel');
      } finally {
        proxy.close();
      }
    });
  },
);
