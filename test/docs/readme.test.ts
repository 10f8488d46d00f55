/**
 * The README is the user's manual: its ```console examples are run here, with the built CLI, against the emulator,
 * and what they print must be what the README shows (conventions in ./readme-examples.ts). A drifted example fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { compare, expandCommand, linesMatch, normalize, parseBlocks, type Info } from './readme-examples.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'dist/cli/bin.cjs');
const blocks = parseBlocks(readFileSync(join(repo, 'README.md'), 'utf8'));

let emu: Emulator;
let shims: string;
const dirs: string[] = [];
before(async () => {
  emu = await startEmulator({ autoApprove: true, autoApproveDeviceCodes: true });
  shims = mkdtempSync(join(tmpdir(), 'et-readme-bin-'));
  dirs.push(shims);
  writeFileSync(join(shims, 'entra-token'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(shims, 'entra-token'), 0o755);
});
after(async () => {
  await emu.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MARK = '@@readme-test-step@@';

/**
 * Runs the block in ONE bash session, as a reader types it in one terminal: variables, the working directory and
 * `$?` carry from one command to the next. A marker line after each step splits the output (stdout and stderr
 * together, in order).
 */
function runBlock(
  setup: string[],
  commands: string[],
  home: string,
  info: Info,
  exports: string[],
): Promise<{ setupCodes: number[]; setupOut: string[]; outs: string[] }> {
  const s = (k: string): string => String(info[k] ?? '');
  const emuVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(info)) if (typeof v === 'string') emuVars[`EMU_${k.toUpperCase()}`] = v;
  const env: Record<string, string> = {
    ...emuVars,
    PATH: `${shims}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    REPO: repo,
    // The variables the README's examples use, from the emulator's JSON line.
    AUTHORITY: s('authority'),
    PW: s('password'),
    BOB_PW: s('mfa_password'),
    WORKSPACE: s('workspace_url'),
    NO_ROLES_SECRET: s('no_roles_client_secret'),
    EMU_CERTIFICATE_PEM: emu.certificate.keyPem + emu.certificate.certPem,
  };
  const step = (c: string): string => `${c}\n__rt=$?; printf '\\n${MARK} %d\\n' "$__rt"; (exit $__rt)\n`;
  const script =
    ['exec 2>&1 </dev/null', ...exports.map((e) => `export ${e}`), ''].join('\n') +
    [...setup, ...commands].map(step).join('');
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', script], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', () => {
      clearTimeout(timer);
      const parts = out.split(new RegExp(`\\n${MARK} (\\d+)\\n`));
      const texts: string[] = [];
      const codes: number[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) {
        texts.push(parts[i] ?? '');
        codes.push(Number(parts[i + 1]));
      }
      done({
        setupCodes: codes.slice(0, setup.length),
        setupOut: texts.slice(0, setup.length),
        outs: texts.slice(setup.length),
      });
    });
  });
}

test('the README examples run against the built CLI (npm run build first)', () => {
  assert.ok(existsSync(bin), `${bin} is missing: run npm run build`);
  assert.ok(blocks.length >= 20, `only ${blocks.length} console blocks found`);
});

for (const block of blocks) {
  const name = `README.md:${block.line} ${block.examples[0]?.command.slice(0, 60) ?? ''}`;
  if (block.skip) {
    test(name, { skip: block.skip }, () => {});
    continue;
  }
  test(name, async () => {
    const info = emu.info as unknown as Info;
    const home = mkdtempSync(join(tmpdir(), 'et-readme-'));
    dirs.push(home);
    const previous: { identity?: string } = {};
    const commands = block.examples.map((ex) => expandCommand(ex.command, info, previous));
    // each block starts from the emulator's defaults: no Conditional Access policy, no armed fault
    await fetch(`${emu.info.url}/_emulator/policy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ require_mfa: false, allowed_platforms: null }),
    });
    await fetch(`${emu.info.url}/_emulator/faults`, { method: 'DELETE', headers: { 'x-emulator-control': '1' } });
    const r = await runBlock(block.before, commands, home, info, block.env);
    block.before.forEach((setup, k) => {
      if (r.setupCodes[k] !== 0)
        assert.fail(`README.md:${block.line}: the hidden setup "${setup}" failed:\n${r.setupOut[k]}`);
    });
    block.examples.forEach((ex, k) => {
      const diff = compare(ex.expected, r.outs[k] ?? '(not run)', info, home);
      if (diff !== undefined) assert.fail(`README.md:${ex.line}: $ ${ex.command}\n(run as: ${commands[k]})\n${diff}`);
    });
  });
}

test('a drifted example fails: one changed word, one missing line, one extra line', () => {
  const info = { tenant_id: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' };
  const printed = 'entra-token: error EUSAGE: nothing was sent\nhint: use --tenant organizations\n2\n';
  assert.equal(compare(['entra-token: error EUSAGE: nothing was sent', 'hint: use …', '2'], printed, info), undefined);
  assert.match(
    compare(['entra-token: error EUSAGE: nothing is sent', 'hint: use …', '2'], printed, info) ?? '',
    /README shows/,
  );
  assert.notEqual(compare(['entra-token: error EUSAGE: nothing was sent', '2'], printed, info), undefined);
  assert.notEqual(
    compare(['entra-token: error EUSAGE: nothing was sent', 'hint: …', '2', '0'], printed, info),
    undefined,
  );
  assert.notEqual(compare(['entra-token: error EUSAGE: nothing was sent', 'hint: …', '3'], printed, info), undefined);
});

test('run-to-run values are compared by shape only; seeded ids are compared exactly', () => {
  const info = { tenant_id: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' };
  assert.equal(
    normalize(
      'http://127.0.0.1:4242/x 2026-11-23T02:56:30.867Z hmac:0a1b2c3d a25942c6-1111-4222-8333-944444444444',
      info,
    ),
    'http://127.0.0.1:PORT/x TIME hmac:MARK GUID',
  );
  assert.notEqual(
    compare(['tenant 72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13'], 'tenant 72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d14', info),
    undefined,
  );
  assert.ok(linesMatch(['a', '…', 'z'], ['a', 'b', 'c', 'z']));
  assert.ok(linesMatch(['a', '…', 'z'], ['a', 'z']));
  assert.ok(!linesMatch(['a', '…', 'z'], ['a', 'b']));
});

test('shorthands of the README commands are filled with the emulator values', () => {
  const info = {
    url: 'http://127.0.0.1:9',
    authority: 'http://127.0.0.1:9/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13',
    tenant_id: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13',
    public_client_id: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    workspace_url: 'http://127.0.0.1:10',
    client_secret: 's3cr3t',
  };
  const prev: { identity?: string } = {};
  assert.equal(
    expandCommand(
      'AZURE_CLIENT_SECRET=… entra-token x --authority … --client-id 6a0c9e2d-… --host http://127.0.0.1:1',
      info,
      prev,
    ),
    'AZURE_CLIENT_SECRET=s3cr3t entra-token x --authority http://127.0.0.1:9/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13 --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90 --host http://127.0.0.1:10',
  );
  assert.equal(
    expandCommand('entra-token refresh … -o token', info, prev),
    'entra-token refresh --authority http://127.0.0.1:9/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13 --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90 -o token',
  );
});

test('the manual shows no path of the machine it was written on (~ or $HOME instead)', () => {
  for (const name of ['README.md', 'SECURITY.md', 'CONTRIBUTING.md']) {
    const text = readFileSync(join(repo, name), 'utf8');
    const hits = text
      .split('\n')
      .flatMap((l, i) => (/\/tmp\/\w|\/home\/\w|\/work\/\w|\/root\/\w/.test(l) ? [`${name}:${i + 1}: ${l}`] : []));
    assert.deepEqual(hits, []);
  }
});
