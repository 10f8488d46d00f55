import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runInProcess } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'entra-token-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const r = await runInProcess(['completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Complete `words` (the last one being typed) with the generated bash function. */
function complete(file: string, words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source ${file}; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _entra_token; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: commands, nested subcommands, options and option choices, all from the program', async () => {
    const file = join(dir, 'c.bash');
    writeFileSync(file, await script('bash'));
    assert.equal(spawnSync('bash', ['-n', file]).status, 0);
    const top = complete(file, ['entra-token', '']);
    for (const c of ['login', 'authorize-url', 'exchange', 'config', 'doctor', 'completion', 'databricks', 'emulator'])
      assert.ok(top.includes(c), `${c} in ${top.join(' ')}`);
    assert.deepEqual(complete(file, ['entra-token', 'databricks', 'clusters', '']), ['list']);
    assert.deepEqual(complete(file, ['entra-token', 'databricks', 'clusters', 'list', '--api-version', '']), [
      '2.0',
      '2.1',
    ]);
    assert.deepEqual(complete(file, ['entra-token', 'login', '--cloud', 'u']), ['usgov']);
    assert.deepEqual(complete(file, ['entra-token', 'config', 'show', '--prof']), ['--profile']);
    assert.deepEqual(
      complete(file, ['entra-token', 'login', '--trace-f']),
      ['--trace-file'],
      'global options after a command',
    );
    assert.deepEqual(complete(file, ['entra-token', 'completion', '--he']), ['--help']);
  });

  it('zsh: a #compdef file that reuses the bash generator through bashcompinit', async () => {
    const s = await script('zsh');
    assert.ok(s.startsWith('#compdef entra-token\n'));
    assert.match(s, /autoload -U \+X bashcompinit && bashcompinit/);
    assert.match(s, /complete -o default -F _entra_token entra-token/);
  });

  it('fish: one complete line per subcommand and option, conditioned on the command path', async () => {
    const s = await script('fish');
    assert.match(
      s,
      /^complete -c entra-token -n 'test "\(__entra_token_path\)" = '\\''databricks clusters'\\''' -a 'list' -d /m,
    );
    assert.match(
      s,
      /^complete -c entra-token -n 'test "\(__entra_token_path\)" = '\\''login'\\''' -l cloud -x -a 'public usgov china' -d /m,
    );
    assert.match(s, /^complete -c entra-token -l trace -d /m);
  });

  it('refuses an unknown shell (exit 2)', async () => {
    const r = await runInProcess(['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });
});

describe('completion from the built bin', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.cjs');
  it("prints, for each shell, the script rendered at build time: the program's own, byte for byte", async (t) => {
    if (!(await import('node:fs')).existsSync(BIN)) return t.skip('run npm run build first');
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8', env: { PATH: '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, await script(shell), shell);
    }
  });
});
