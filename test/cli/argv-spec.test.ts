/**
 * The commander-free command line (argv-spec.ts, dispatch-fast.ts) against commander itself, the reference it
 * must reproduce: for every command, generated and random command lines are handed to both. Whenever the spec
 * reader answers, commander must run the same handler with the same flags, globals, arguments and "given"
 * answers; where it declines, commander decides (help, errors). A list of everyday command lines must be
 * answered without commander, so the fast path cannot quietly fall away.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../src/cli/program.js';
import { commandInput, handlerLoaders } from '../../src/cli/command.js';
import { collect } from '../../src/cli/options.js';
import { HANDLERS } from '../../src/cli/handler-index.js';
import {
  packSpec,
  parseArgv,
  specOf,
  unpackSpec,
  type CommandSpec,
  type PackedSpec,
  type ParsedArgv,
} from '../../src/cli/argv-spec.js';
import { dispatchFast } from '../../src/cli/dispatch-fast.js';
import { testContext } from '../helpers/cli.js';
import type { CliContext } from '../../src/cli/context.js';

const quiet = { write: () => true } as unknown as CliContext['stdout'];
const quietCtx = (env: Record<string, string> = {}): CliContext => ({
  ...testContext({ env }).ctx,
  stdout: quiet,
  stderr: quiet,
});

let spec: CommandSpec;
/** Each running command's path (`cache list`) → its key in handler-index.ts (as the build matches them). */
const handlerByPath = new Map<string, string>();

/** Every command of a program, the program first. */
const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
const pathOf = (c: Command): string => (c.parent ? `${pathOf(c.parent)} ${c.name()}`.trim() : '');
const handlerOf = (c: Command) => handlerByPath.get(pathOf(c));

before(async () => {
  const program = buildProgram(quietCtx());
  const byModule = new Map<unknown, string>();
  for (const [k, load] of Object.entries(HANDLERS)) byModule.set(await load(), k);
  for (const c of all(program)) {
    const load = handlerLoaders.get(c);
    if (load) handlerByPath.set(pathOf(c), byModule.get(await load())!);
  }
  spec = specOf(program, { collect, handlerOf });
});

type Outcome = { handler: string; flags: unknown; global: unknown; args: unknown; given: string[] } | 'refused';

/** What commander does with `argv`: the handler its action would run and what it would pass, or refused. */
async function commander(argv: string[]): Promise<Outcome> {
  const program = buildProgram(quietCtx());
  // parsing only: the preAction hook's own checks (--http-timeout, discovery) are dispatchFast's, tested below
  (program as unknown as { _lifeCycleHooks: Record<string, unknown[]> })._lifeCycleHooks.preAction = [];
  let ran: Outcome = 'refused';
  for (const c of all(program)) {
    const key = handlerOf(c);
    if (!handlerLoaders.has(c)) continue;
    assert.ok(key, `no handler key for \`${pathOf(c)}\``);
    c.action((...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const input = commandInput<Record<string, unknown>>(cmd);
      const names = cmd.options.map((o) => o.attributeName());
      ran = {
        handler: key,
        flags: { ...input.flags },
        global: { ...(input.global as object) },
        args: input.args,
        given: names.filter((n) => input.given(n)).sort(),
      };
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (process.env.DEBUG_ARGV) console.error(argv, e);
    return 'refused';
  }
  return ran;
}

const asOutcome = (p: ParsedArgv, names: string[]): Outcome => ({
  handler: p.handler,
  flags: { ...p.flags },
  global: { ...p.global },
  args: p.args,
  given: names.filter((n) => p.given.has(n)).sort(),
});

/** Compare both on one command line; true when the spec reader answered. */
async function same(argv: string[]): Promise<boolean> {
  const fast = parseArgv(spec, argv);
  if (fast === undefined) return false;
  const ref = await commander(argv);
  assert.notEqual(ref, 'refused', `commander refuses what the spec reader accepts: ${JSON.stringify(argv)}`);
  assert.deepEqual(asOutcome(fast, fast.options), ref, `different readings of ${JSON.stringify(argv)}`);
  return true;
}

/** Each running command's path and spec. */
function leaves(s: CommandSpec, path: string[] = []): Array<{ path: string[]; spec: CommandSpec }> {
  const here = s.handler ? [{ path, spec: s }] : [];
  return [...here, ...(s.commands ?? []).flatMap((c) => leaves(c, [...path, c.names[0]!]))];
}

/** A plausible value for an option. */
const valueFor = (o: CommandSpec['options'][number]) => (o.choices ? o.choices[o.choices.length - 1]! : 'v1');

describe('argv-spec: the command line without commander', () => {
  test('every command of the program has a handler in handler-index.ts, and none is left to commander', () => {
    const opaque: string[] = [];
    const walk = (s: CommandSpec, path: string[]) => {
      if (s.opaque) opaque.push(path.join(' '));
      s.commands?.forEach((c) => walk(c, [...path, c.names[0]!]));
    };
    walk(spec, []);
    assert.deepEqual(opaque, []);
    const keys = leaves(spec).map((l) => l.spec.handler);
    assert.equal(keys.length, Object.keys(HANDLERS).length, 'a handler without a command, or the reverse');
    assert.deepEqual(new Set(keys), new Set(Object.keys(HANDLERS)));
  });

  test('the packed spec the bundle carries unpacks to the same spec, at a fraction of its size', () => {
    const packed = JSON.stringify(packSpec(spec));
    assert.deepEqual(unpackSpec(JSON.parse(packed) as PackedSpec), JSON.parse(JSON.stringify(spec)));
    assert.ok(packed.length < JSON.stringify(spec).length / 2, `${packed.length} bytes`);
  });

  test('the spec is data: the same whatever the environment the program is built in', () => {
    const other = specOf(buildProgram(quietCtx({ AZURE_TENANT_ID: 'x', NO_COLOR: '1' })), {
      collect,
      handlerOf,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(other)), JSON.parse(JSON.stringify(spec)));
  });

  test('every option of every command, in every spelling, reads as commander reads it', async () => {
    let answered = 0;
    for (const { path, spec: leaf } of leaves(spec)) {
      const positional = (leaf.args ?? []).filter((a) => a.required).map((a) => a.choices?.[0] ?? 'arg');
      for (const o of leaf.options) {
        const value = valueFor(o);
        const spellings: string[][] = [];
        if (o.kind === 'flag') {
          if (o.long) spellings.push([o.long]);
          if (o.short) spellings.push([o.short]);
        } else {
          if (o.long) spellings.push([o.long, value], [`${o.long}=${value}`], [o.long, value, o.long, 'v2']);
          if (o.short) spellings.push([o.short, value]);
          if (o.kind === 'optional' && o.long) spellings.push([o.long]);
        }
        for (const s of spellings) {
          // before and after the arguments, with global options on either side of the command
          if (await same([...path, ...s, ...positional])) answered++;
          if (await same([...path, ...positional, ...s])) answered++;
          if (await same(['--trace', ...path, ...s, '--redact-pii', ...positional])) answered++;
          if (await same(['--http-timeout', '5', ...path, ...positional, ...s, '--har', 'x.har'])) answered++;
        }
      }
    }
    assert.ok(answered > 500, `only ${answered} command lines answered without commander`);
  });

  test('everyday command lines are answered without commander', async () => {
    const everyday = [
      ['config', 'show'],
      ['config', 'show', '-o', 'json', '--profile', 'emu'],
      ['cache', 'list'],
      ['cache', 'list', '--output', 'json'],
      ['inspect', 'eyJ.x.y'],
      ['inspect', '-', '--output', 'json'],
      ['authorize-url', '--tenant', 'organizations', '--client-id', 'c'],
      ['authorize-url', '--tenant', 'organizations', '--no-pkce', '--scope', 'a', '--scope', 'b'],
      ['--trace-file', 't.jsonl', 'authorize-url', '--tenant', 'organizations'],
      ['trace', 'show', 't.jsonl'],
      ['admin-consent-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', 'c'],
      ['completion', 'bash'],
      ['exchange'],
      ['exchange', 'http://localhost/?code=x&state=y', '--no-cache'],
      ['login', '--no-browser', '--no-cache'],
      ['token', '-o', 'json'],
      ['databricks', 'clusters', 'list', '--host', 'https://adb-1.azuredatabricks.net'],
      ['graph', 'users', 'list', '--top', '5'],
      ['emulator', '--port', '0'],
      ['demo'],
    ];
    for (const argv of everyday) assert.ok(await same(argv), `left to commander: ${argv.join(' ')}`);
  });

  test('help, usage errors and the unusual are left to commander', () => {
    for (const argv of [
      [],
      ['help', 'login'],
      ['login', '--help'],
      ['config', 'show', '-h', '--tenant', 'x'],
      ['-V'],
      ['--version'],
      ['config'],
      ['config', 'show', '--bogus'],
      ['config', 'show', '--tenant'],
      ['config', 'show', 'extra'],
      ['config', 'show', '-o', 'yaml'],
      ['config', 'show', '-ojson'],
      ['completion'],
      ['completion', 'tcsh'],
      ['login', '--', '--tenant'],
      ['logn'],
      ['cache', 'list', '-5'],
    ])
      assert.equal(parseArgv(spec, argv), undefined, JSON.stringify(argv));
  });

  test('random command lines: whenever the spec reader answers, commander reads the same', async () => {
    const words = [
      ...new Set(
        leaves(spec).flatMap(({ path, spec: l }) => [
          ...path,
          ...l.options.flatMap((o) => [o.long, o.short, ...(o.choices ?? [])].filter((x): x is string => !!x)),
        ]),
      ),
    ];
    const global = spec.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x));
    const token = fc.oneof(
      fc.constantFrom(...words),
      fc.constantFrom(...global),
      fc.constantFrom('-', '--', '-x', 'foo', '--bogus', '-h', '--tenant=a=b', '--no-pkce', '-1', 'json', ''),
      fc.string({ maxLength: 6 }),
    );
    const commands = leaves(spec).map((l) => l.path);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.array(token, { maxLength: 7 }), async (path, rest) => {
        if (await same([...path, ...rest])) answered++;
      }),
      { numRuns: 1500, seed: 22 },
    );
    assert.ok(answered > 100, `only ${answered} random command lines answered`);
  });

  test('dispatchFast runs the handler as the program does: same output, same error line, same exit code', async () => {
    const cases: string[][] = [
      ['config', 'show', '-o', 'json', '--tenant', 'contoso.onmicrosoft.com'],
      ['config', 'show', '--tenant', 'not a tenant!'],
      ['inspect', 'not-a-jwt'],
      ['authorize-url', '--tenant', 'organizations', '--http-timeout', '0'],
    ];
    for (const argv of cases) {
      const env = { HOME: '/nonexistent-home', ENTRA_TOKEN_STATE_DIR: '/nonexistent-state' };
      const a = testContext({ env });
      const b = testContext({ env });
      const fast = await dispatchFast(argv, a.ctx, spec);
      const code = await runCli(argv, b.ctx);
      assert.equal(fast, code, argv.join(' '));
      assert.equal(a.stdout(), b.stdout(), argv.join(' '));
      assert.equal(a.stderr(), b.stderr(), argv.join(' '));
    }
  });

  test('dispatchFast leaves --issuer discovery and ENTRA_TOKEN_ISSUER to commander', async () => {
    const a = testContext();
    assert.equal(await dispatchFast(['config', 'show', '--issuer', 'https://id.example'], a.ctx, spec), undefined);
    const b = testContext({ env: { ENTRA_TOKEN_ISSUER: 'https://id.example' } });
    assert.equal(await dispatchFast(['authorize-url'], b.ctx, spec), undefined);
    // a command without --issuer does not care
    const c = testContext({ env: { ENTRA_TOKEN_ISSUER: 'https://id.example' } });
    assert.equal(typeof (await dispatchFast(['trace', 'show', '/nonexistent/t.jsonl'], c.ctx, spec)), 'number');
  });
});
