import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePendingStore, PENDING_TTL_MS, type PendingAuthorization } from '../../src/io/pending.js';

const T0 = 1_800_000_000_000;
const entry = (state: string, created_at = T0): PendingAuthorization => ({
  state,
  code_verifier: 'v'.repeat(64),
  nonce: 'n',
  redirect_uri: 'http://localhost',
  client_id: 'c',
  authority: 'https://login.microsoftonline.com/t',
  tenant: 't',
  scopes: ['openid'],
  response_mode: 'query',
  created_at,
});

test('pending authorizations are 0600 files in a 0700 directory, even under a permissive umask', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'et-pending-')), 'pending');
  const old = process.umask(0o000);
  try {
    new FilePendingStore(dir).save(entry('s1'));
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
  assert.doesNotMatch(files[0]!, /s1/, 'the state is not in the file name');
});

test('several pending at once are found by state; unknown, expired and used states are refused distinctly', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'et-pending-')), 'p');
  const store = new FilePendingStore(dir);
  store.save(entry('first'));
  store.save(entry('second', T0 + 1000));
  assert.equal(store.find('first', T0 + 2000).state, 'first');
  assert.equal(store.find('second', T0 + 2000).state, 'second');
  assert.throws(() => store.find('third', T0 + 2000), {
    code: 'ESTATE_UNKNOWN',
    message: /no pending sign-in has state third \(pending: state second from 1 s ago, state first from 2 s ago\)/,
  });
  store.markUsed('first', T0 + 3000);
  assert.throws(() => store.find('first', T0 + 5000), { code: 'ESTATE_UNKNOWN', message: /already exchanged 2 s ago/ });
  const used = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .find((t) => t.includes('tombstone'))!;
  assert.doesNotMatch(used, /vvvv/, 'the tombstone keeps no code_verifier');
  assert.throws(() => store.find('second', T0 + 1000 + PENDING_TTL_MS + 1), {
    code: 'ESTATE_EXPIRED',
    message: /expire after 10 minutes/,
  });
});

test('a corrupt pending file is dropped, not fatal', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'et-pending-')), 'p');
  const store = new FilePendingStore(dir);
  store.save(entry('s'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, readdirSync(dir)[0]!), '{not json');
  assert.throws(() => store.find('s', T0), { code: 'ESTATE_UNKNOWN' });
  assert.equal(readdirSync(dir).length, 0);
});

test('a pending sign-in is written atomically but not flushed to disk; the token cache is flushed', async () => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const { mock } = await import('node:test');
  const { FileTokenStore } = await import('../../src/io/token-cache.js');
  const dir = mkdtempSync(join(tmpdir(), 'et-durable-'));
  const flushed = mock.method(fs, 'fsyncSync');
  syncBuiltinESMExports(); // the modules' `import { fsyncSync }` bindings now count too
  try {
    const store = new FilePendingStore(join(dir, 'pending'));
    store.save(entry('s1'));
    assert.equal(store.find('s1', T0 + 1000).state, 's1');
    store.markUsed('s1', T0 + 2000); // the tombstone that refuses a replayed state is written the same way
    assert.equal(flushed.mock.callCount(), 0, 'the pending store flushed a file');
    // any change is written: here an account with nothing else
    await new FileTokenStore(join(dir, 'cache')).update((d) => {
      d.accounts.push({ home_account_id: 'o.t' } as unknown as (typeof d.accounts)[number]);
    });
    assert.ok(flushed.mock.callCount() >= 1, 'the token cache did not flush its file');
  } finally {
    flushed.mock.restore();
    syncBuiltinESMExports();
  }
  // what survives is whole: a torn entry (as a crash could leave) is treated as absent and removed
  const tornDir = join(dir, 'torn');
  const torn = new FilePendingStore(tornDir);
  torn.save(entry('s2'));
  const [file] = readdirSync(tornDir);
  fs.writeFileSync(join(tornDir, file!), '{"pending":{"state":"s2","cre');
  assert.equal(torn.newest(T0 + 1000), undefined);
  assert.deepEqual(readdirSync(tornDir), []);
});
