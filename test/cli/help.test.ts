/**
 * Issue 23 (README mismatches): typos are usage errors in the documented one-line form, every command's --help
 * has examples, and --help text wraps at 80 columns without leaving a word alone on a line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess, testContext } from '../helpers/cli.js';

function leaves(c: Command, path: string[] = []): string[][] {
  if (c.commands.length === 0) return [path];
  return c.commands.flatMap((s) => leaves(s, [...path, s.name()]));
}
const commands = leaves(buildProgram(testContext().ctx)).filter((p) => p.length > 0);

test("issue 23: a typo is one documented error line and one hint line (exit 2), not commander's raw text", async () => {
  const cases: Array<[string[], string, string]> = [
    [['tokne'], "unknown command 'tokne'", 'did you mean token? (run with --help for usage)'],
    [['token', '--scoep', 'x'], "unknown option '--scoep'", 'did you mean --scope? (run with --help for usage)'],
    [['login', '--timeout'], "option '--timeout <seconds>' argument missing", 'run with --help for usage'],
    [
      ['token', '-o', 'bad'],
      "option '-o, --output <format>' argument 'bad' is invalid. Allowed choices are token, json, az, databricks.",
      'run with --help for usage',
    ],
  ];
  for (const [argv, message, hint] of cases) {
    const r = await runInProcess(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `entra-token: error EUSAGE: ${message}\nhint: ${hint}\n`, argv.join(' '));
  }
});

test(`issue 23: every command's --help has examples (${commands.length} commands)`, async () => {
  assert.ok(commands.length >= 25, `only ${commands.length} commands`);
  const missing: string[] = [];
  for (const path of commands) {
    const r = await runInProcess([...path, '--help']);
    assert.equal(r.code, 0, path.join(' '));
    if (!/^Examples?\b.*:$/m.test(r.stdout) || !/^ {2}entra-token /m.test(r.stdout)) missing.push(path.join(' '));
  }
  assert.deepEqual(missing, []);
});

test('issue 23: --help wraps at 80 columns with no word left alone on a line (examples excepted)', async () => {
  const problems: string[] = [];
  for (const path of commands) {
    const text = (await runInProcess([...path, '--help'])).stdout;
    const body = text.split(/^Examples?\b/m)[0]!.split('\n');
    body.forEach((line, i) => {
      // a command to copy (indented, naming entra-token) cannot be wrapped
      if (line.length > 80 && !/^ +.*entra-token /.test(line))
        problems.push(`${path.join(' ')}: ${line.length} columns: ${line}`);
      const next = body[i + 1] ?? '';
      // a wrapped line is a short tail only at the end of its paragraph (the next line blank or a new item)
      const words = line.trim().split(/\s+/).filter(Boolean);
      const prev = body[i - 1] ?? '';
      if (words.length === 1 && prev.length > 60 && /^\S/.test(line) && next.trim() !== '' && /^\S/.test(next))
        problems.push(`${path.join(' ')}: a word alone on line ${i + 1}: ${line}`);
    });
  }
  assert.deepEqual(problems, []);
});

test('issue 23: every warning on stderr has one form, "entra-token: warning: …"', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = join(import.meta.dirname, '../../src/cli');
  const files = readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'));
  const bare = files.flatMap((f) =>
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ where: `src/cli/${f}:${i + 1}`, line }))
      .filter(({ line }) => /[`'"]warning: /.test(line)),
  );
  assert.deepEqual(bare, []);
  const r = await runInProcess(
    ['authorize-url', '--tenant', 'contoso.onmicrosoft.com', '--client-id', 'x', '--no-pkce'],
    {
      env: {
        ENTRA_TOKEN_STATE_DIR: (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'et-w-')),
      },
    },
  );
  assert.match(r.stderr, /^entra-token: warning: --no-pkce: no code_challenge is sent/m);
});
