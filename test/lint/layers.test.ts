// The layer arrows are enforced by lint (eslint.config.js + scripts/eslint-layers.mjs): every forbidden arrow is
// reported, every allowed one is not, and `eslint` on a copy of the tree with one planted violation exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const forbidden: Array<[string, string, RegExp]> = [
  ['src/core/x.ts', "import { createHttpClient } from '../io/http.js';", /core may not import io/],
  ['src/core/x.ts', "export { runLogin } from '../flows/login.js';", /core may not import flows/],
  ['src/core/x.ts', "import type { Emulator } from '../emulator/index.js';", /core may not import emulator/],
  ['src/core/x.ts', "import { readFileSync } from 'node:fs';", /core is pure and may not import node:fs/],
  ['src/core/x.ts', "import { connect } from 'net';", /core is pure and may not import net/],
  ['src/core/x.ts', "import { request } from 'undici';", /core is pure and may not import undici/],
  ['src/core/x.ts', "import { spawn } from 'node:child_process';", /may not import node:child_process/],
  ['src/core/x.ts', 'export const now = Date.now();', /core is pure: take `now`/],
  ['src/core/x.ts', 'export const r = Math.random();', /core is pure: take the random value/],
  ['src/core/x.ts', 'export const d = new Date();', /core is pure: take `now`/],
  ['src/core/x.ts', 'export const e = process.env;', /core is pure: take the value/],
  ['src/io/x.ts', "export * from '../flows/login.js';", /io may not import flows/],
  ['src/io/x.ts', "import { x } from '../apis/graph.js';", /io may not import apis/],
  ['src/io/x.ts', "import { x } from '../cli/program.js';", /io may not import cli/],
  ['src/flows/x.ts', "export const m = await import('../cli/program.js');", /flows may not import cli/],
  ['src/flows/x.ts', "import { startEmulator } from '../emulator/index.js';", /flows may not import emulator/],
  ['src/apis/x.ts', "import type { Emulator } from '../emulator/index.js';", /apis may not import emulator/],
  ['src/apis/x.ts', "import { x } from '../cli/output.js';", /apis may not import cli/],
  ['src/emulator/x.ts', "import { decodeJwtUnverified } from '../core/jwt.js';", /emulator may not import core/],
  ['src/emulator/rooms/x.ts', "import { x } from '../../io/http.js';", /emulator may not import io/],
  ['src/index.ts', 'export const x = 1;', /re-exports only/],
];

for (const [file, code, message] of forbidden) {
  test(`lint refuses in ${file}: ${code}`, async () => {
    const found = await problems(file, code);
    assert.ok(
      found.some((p) => message.test(p)),
      `expected ${message} in ${JSON.stringify(found)}`,
    );
  });
}

const allowed: Array<[string, string]> = [
  [
    'src/core/x.ts',
    "import { createHash } from 'node:crypto'; import { decodeJwt } from 'jose'; import { a } from './b.js';",
  ],
  ['src/io/x.ts', "import { readFileSync } from 'node:fs'; import { x } from '../core/jwt.js';"],
  [
    'src/flows/x.ts',
    "import { x } from '../io/http.js'; import { y } from '../core/token.js'; import { z } from '../apis/graph.js';",
  ],
  ['src/apis/x.ts', "import { x } from '../io/http.js'; import { y } from '../core/errors.js';"],
  ['src/cli/commands/x.ts', "import { x } from '../../flows/login.js'; import { y } from '../../emulator/index.js';"],
  ['src/emulator/rooms/x.ts', "import { x } from '../state.js'; import { createServer } from 'node:http';"],
  [
    'src/index.ts',
    "export { a } from './core/jwt.js'; export * from './flows/login.js'; export type { B } from './core/b.js';",
  ],
  ['test/core/x.test.ts', "import { x } from '../../src/io/http.js'; import { y } from '../../src/emulator/index.js';"],
];

for (const [file, code] of allowed) {
  test(`lint allows in ${file}: ${code}`, async () => {
    assert.deepEqual(await problems(file, code), []);
  });
}

test('eslint exits non-zero on a copy of the tree with a layer violation planted in core, and zero without it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-token-lint-'));
  try {
    cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(root, 'scripts/eslint-layers.mjs'), join(dir, 'scripts/eslint-layers.mjs'));
    cpSync(join(root, 'eslint.config.js'), join(dir, 'eslint.config.js'));
    writeFileSync(join(dir, 'package.json'), readFileSync(join(root, 'package.json')));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const bin = join(root, 'node_modules/eslint/bin/eslint.js');
    const lint = () => spawnSync(process.execPath, [bin, 'src/core'], { cwd: dir, encoding: 'utf8' });

    const clean = lint();
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);

    appendFileSync(join(dir, 'src/core/pkce.ts'), "\nexport { createHttpClient } from '../io/http.js';\n");
    const planted = lint();
    assert.equal(planted.status, 1, planted.stdout + planted.stderr);
    assert.match(planted.stdout, /src\/core\/pkce\.ts/);
    assert.match(planted.stdout, /core may not import io \(\.\.\/io\/http\.js\)/);
    assert.match(planted.stdout, /entra-token\/layers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
