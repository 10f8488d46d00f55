/**
 * Issue 15, item 5: another local user plants a symlink (or a file of their own, or a FIFO) where the victim
 * asks for --trace-file, --har or --curl-file, or the victim points ENTRA_TOKEN_CACHE_DIR at a shared
 * directory. Nothing outside the named file is written, no mode is changed, the user gets a clear refusal.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../helpers/cli.js';
import { asAttacker, attackerUnavailable, ATTACKER_UID } from '../helpers/attacker.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const noAttacker = attackerUnavailable();
let root: string;
let emu: Emulator;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'entra-file-attack-'));
  chmodSync(root, 0o755);
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

/** A client-credentials run with every file sink pointing into `shared`. */
function run(shared: string, victim: string, extra: Record<string, string> = {}) {
  return runInProcess(
    [
      '--trace-file',
      join(shared, 't.jsonl'),
      '--har',
      join(shared, 't.har'),
      '--curl-file',
      join(shared, 'replay.sh'),
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '-o',
      'token',
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: emu.info.client_secret,
        ENTRA_TOKEN_CACHE_DIR: join(victim, 'cache'),
        ENTRA_TOKEN_STATE_DIR: join(victim, 'state'),
        ...extra,
      },
    },
  );
}

test(
  'item 5: symlinks planted by another user for --trace-file, --har and --curl-file are refused; the victim files keep content and mode',
  { skip: noAttacker },
  async () => {
    const victim = mkdtempSync(join(root, 'victim-'));
    const bashrc = join(victim, '.bashrc');
    writeFileSync(bashrc, 'export PS1=victim\n', { mode: 0o644 });
    const profile = join(victim, '.profile');
    writeFileSync(profile, 'umask 022\n', { mode: 0o644 });
    const hist = join(victim, '.history');
    writeFileSync(hist, 'ls\n', { mode: 0o600 });
    // a shared project directory anyone may write into (no sticky bit)
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    for (const [name, target] of [
      ['t.jsonl', hist],
      ['t.har', profile],
      ['replay.sh', bashrc],
    ] as const) {
      const r = asAttacker('ln', ['-s', target, join(shared, name)]);
      assert.equal(r.status, 0, r.stderr);
    }
    const r = await run(shared, victim);
    assert.equal(r.code, 8, r.stderr);
    assert.match(
      r.stderr,
      /entra-token: error EINSECURE: refusing to write .*(t\.jsonl|t\.har|replay\.sh): it is a symbolic link/,
    );
    assert.equal(readFileSync(bashrc, 'utf8'), 'export PS1=victim\n');
    assert.equal(readFileSync(profile, 'utf8'), 'umask 022\n');
    assert.equal(readFileSync(hist, 'utf8'), 'ls\n');
    assert.equal(statSync(bashrc).mode & 0o777, 0o644, '.bashrc was chmod-ed');
    assert.equal(statSync(hist).mode & 0o777, 0o600);
    // refused before anything was sent: no code or refresh token is spent on a run whose trace cannot be written
    assert.equal(r.stdout, '');
  },
);

test(
  'item 5: a file owned by another user, a FIFO or a group-writable file is refused and left as it was',
  { skip: noAttacker },
  async () => {
    const victim = mkdtempSync(join(root, 'victim-'));
    const shared = join(root, 'shared2');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const planted = join(shared, 't.jsonl');
    assert.equal(asAttacker('sh', ['-c', `umask 022; echo attacker > ${planted}`]).status, 0);
    assert.equal(statSync(planted).uid, ATTACKER_UID);
    const r1 = await run(shared, victim);
    assert.equal(r1.code, 8, r1.stderr);
    assert.match(r1.stderr, /refusing to write .*t\.jsonl: it belongs to uid 4242, not to you/);
    assert.equal(readFileSync(planted, 'utf8'), 'attacker\n');
    assert.equal(statSync(planted).mode & 0o777, 0o644);

    const shared3 = mkdtempSync(join(root, 'fifo-'));
    execFileSync('mkfifo', [join(shared3, 't.har')]);
    const r2 = await runInProcess(
      [
        '--har',
        join(shared3, 't.har'),
        'client-credentials',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.confidential_client_id,
      ],
      {
        env: {
          AZURE_CLIENT_SECRET: emu.info.client_secret,
          ENTRA_TOKEN_CACHE_DIR: join(victim, 'c2'),
          ENTRA_TOKEN_STATE_DIR: join(victim, 's2'),
        },
      },
    );
    assert.equal(r2.code, 8, r2.stderr);
    assert.match(r2.stderr, /refusing to write .*t\.har: it is not a regular file/);

    const own = join(shared3, 'own.jsonl');
    writeFileSync(own, '', { mode: 0o666 });
    chmodSync(own, 0o666);
    const r3 = await runInProcess(
      [
        '--trace-file',
        own,
        'client-credentials',
        '--authority',
        emu.info.authority,
        '--client-id',
        emu.info.confidential_client_id,
      ],
      {
        env: {
          AZURE_CLIENT_SECRET: emu.info.client_secret,
          ENTRA_TOKEN_CACHE_DIR: join(victim, 'c3'),
          ENTRA_TOKEN_STATE_DIR: join(victim, 's3'),
        },
      },
    );
    assert.equal(r3.code, 8, r3.stderr);
    assert.match(r3.stderr, /refusing to write .*own\.jsonl: others may write to it \(mode 666\)/);
    assert.equal(statSync(own).mode & 0o777, 0o666, 'a file we did not create was chmod-ed');
  },
);

test('item 5: an existing file of ours keeps its mode (no chmod of a file we did not create); a new one is created 0600/0700', async () => {
  const d = mkdtempSync(join(root, 'own-'));
  const existing = join(d, 'keep.jsonl');
  writeFileSync(existing, '', { mode: 0o640 });
  chmodSync(existing, 0o640);
  const r = await runInProcess(
    [
      '--trace-file',
      existing,
      '--curl-file',
      join(d, 'new.sh'),
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: emu.info.client_secret,
        ENTRA_TOKEN_CACHE_DIR: join(d, 'c'),
        ENTRA_TOKEN_STATE_DIR: join(d, 's'),
      },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(existing).mode & 0o777, 0o640);
  assert.match(readFileSync(existing, 'utf8'), /"type":"run"/);
  assert.equal(statSync(join(d, 'new.sh')).mode & 0o777, 0o700);
});

test('item 5: ENTRA_TOKEN_CACHE_DIR pointing at an existing shared 1777 directory is refused (the token is printed, not cached, with a warning) and never chmod-ed', async () => {
  const d = mkdtempSync(join(root, 'cachedir-'));
  const shared = join(d, 'tmp');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const r = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '-o',
      'token',
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: emu.info.client_secret,
        ENTRA_TOKEN_CACHE_DIR: shared,
        ENTRA_TOKEN_STATE_DIR: join(d, 's'),
      },
    },
  );
  assert.equal(statSync(shared).mode & 0o7777, 0o1777, 'the shared directory was chmod-ed');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^eyJ/);
  assert.match(
    r.stderr,
    /entra-token: warning: the tokens were not cached \(ECACHE: .*tmp is accessible to other users \(mode 1777\); refusing to keep secrets in it or to change its mode\)/,
  );
  assert.ok(!existsSync(join(shared, 'tokens.json')), 'tokens were written into the shared directory');
  // a path that does not exist yet is created 0700 and used
  const fresh = join(d, 'fresh', 'cache');
  const ok = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '-o',
      'token',
    ],
    {
      env: {
        AZURE_CLIENT_SECRET: emu.info.client_secret,
        ENTRA_TOKEN_CACHE_DIR: fresh,
        ENTRA_TOKEN_STATE_DIR: join(d, 's2'),
      },
    },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(statSync(fresh).mode & 0o777, 0o700);
});
