/**
 * The one shape of a command: commands/NAME.ts registers options and help and loads its handler with one
 * dynamic import; handlers/NAME.ts exports `run(ctx, input)`, callable without commander.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { withRuntime } from '../../src/cli/runtime.js';
import type { CommandInput } from '../../src/cli/command.js';
import { testContext } from '../helpers/cli.js';

const COMMANDS_DIR = join(import.meta.dirname, '../../src/cli/commands');
const HANDLERS_DIR = join(import.meta.dirname, '../../src/cli/handlers');

function input<F>(flags: F, more: Partial<CommandInput<F>> = {}): CommandInput<F> {
  return { flags, global: {}, args: [], given: () => false, ...more };
}

test('each command file loads its handlers with one dynamic import per command, and nothing else dynamically', () => {
  const seen = new Set<string>();
  for (const f of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
    const src = readFileSync(join(COMMANDS_DIR, f), 'utf8');
    const all = src.match(/\bimport\(/g) ?? [];
    const handlers = [...src.matchAll(/handle\(\w+, ctx, \(\) => import\('\.\.\/handlers\/([\w-]+)\.js'\)\)/g)];
    assert.ok(handlers.length >= 1, `${f} registers no handler`);
    assert.equal(all.length, handlers.length, `${f}: every dynamic import is a handler's`);
    for (const h of handlers) seen.add(h[1]!);
  }
  const modules = readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  assert.deepEqual([...seen].sort(), modules.sort(), 'every handler module belongs to exactly one command');
});

test('every handler module exports run, and no handler imports another dynamically', async () => {
  for (const f of readdirSync(HANDLERS_DIR).filter((f) => f.endsWith('.ts'))) {
    assert.doesNotMatch(readFileSync(join(HANDLERS_DIR, f), 'utf8'), /\bimport\(/, f);
    const mod = (await import(join(HANDLERS_DIR, f))) as { run?: unknown };
    assert.equal(typeof mod.run, 'function', `${f} exports run`);
  }
});

test('every leaf command of the program has an action', () => {
  const { ctx } = testContext();
  const leaves: string[] = [];
  const walk = (c: Command, path: string[]) => {
    if (c.commands.length === 0) {
      leaves.push(path.join(' '));
      assert.ok((c as unknown as { _actionHandler?: unknown })._actionHandler, `${path.join(' ')} has an action`);
    }
    for (const s of c.commands) walk(s, [...path, s.name()]);
  };
  for (const c of buildProgram(ctx).commands) walk(c, [c.name()]);
  assert.ok(leaves.includes('databricks clusters list') && leaves.includes('token'), leaves.join(', '));
});

test('a handler runs with an injected context and plain flags: admin-consent-url', async () => {
  const { run } = await import('../../src/cli/handlers/admin-consent-url.js');
  const t = testContext();
  await run(
    t.ctx,
    input({
      tenant: 'contoso.onmicrosoft.com',
      clientId: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
      redirectUri: 'http://localhost',
      state: 'abcdefgh12',
      v1: true,
    }),
  );
  assert.equal(
    t.stdout(),
    'https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&redirect_uri=http%3A%2F%2Flocalhost&state=abcdefgh12\n',
  );
  assert.match(t.stderr(), /admin_consent=True&tenant=…&state=abcdefgh12/);
});

test('a handler runs with an injected context: cache list of an empty cache, and a usage error from cache clear', async () => {
  const env = { ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-shape-')) };
  const list = await import('../../src/cli/handlers/cache-list.js');
  const t = testContext({ env });
  await list.run(t.ctx, input({ output: 'json' }));
  assert.deepEqual(JSON.parse(t.stdout()).accounts, []);
  const clear = await import('../../src/cli/handlers/cache-clear.js');
  await assert.rejects(clear.run(testContext({ env }).ctx, input({ account: 'nobody@contoso.com' })), {
    code: 'EUSAGE',
  });
});

test('withRuntime finishes the runtime (trace sinks flushed) when the body fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'et-shape-'));
  const t = testContext();
  t.ctx.cwd = dir;
  await assert.rejects(
    withRuntime(t.ctx, { traceFile: 'run.jsonl' }, async (rt) => {
      rt.trace.step('a step before the failure');
      throw new Error('boom');
    }),
    /boom/,
  );
  const lines = readFileSync(join(dir, 'run.jsonl'), 'utf8').trim().split('\n');
  assert.equal(JSON.parse(lines[0]!).type, 'run');
  assert.equal(JSON.parse(lines[1]!).name, 'a step before the failure');
});
