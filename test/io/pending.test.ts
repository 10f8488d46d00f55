import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
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

test('a pending sign-in is flushed to disk before it is renamed into place; its tombstone is not (it needs no durability)', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'et-pending-')), 'p');
  const store = new FilePendingStore(dir);
  const real = fs.fsyncSync;
  let flushes = 0;
  fs.fsyncSync = (fd: number) => {
    flushes++;
    real(fd);
  };
  syncBuiltinESMExports();
  try {
    store.save(entry('durable'));
    assert.equal(flushes, 1, 'the pending sign-in (pasted later, maybe after a reboot) is flushed');
    store.markUsed('durable', T0 + 1000);
    assert.equal(flushes, 1, 'the tombstone is written without a flush');
  } finally {
    fs.fsyncSync = real;
    syncBuiltinESMExports();
  }
  assert.throws(() => store.find('durable', T0 + 2000), { code: 'ESTATE_UNKNOWN', message: /already exchanged/ });
  const files = readdirSync(dir);
  assert.equal(files.length, 1, 'no temporary file left behind');
  assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
});
