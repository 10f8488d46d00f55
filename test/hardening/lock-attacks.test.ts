/**
 * Issue 15, items 7 and 9 (locks): the token cache lock cannot be held past its promised release by a
 * refresh that hangs, a lock dated in the future cannot block every later command, and an empty lock
 * (a writer that hit ENOSPC) does not make others wait 5 s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '../../src/io/token-cache.js';
import { EntraTokenError } from '../../src/core/errors.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'entra-lock-attack-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('item 7: a refresh that never ends is cut at the lock hold time (ETIMEOUT), the lock is released, and a waiter never breaks it early', async () => {
  const dir = mkdtempSync(join(root, 'c-'));
  const warnings: string[] = [];
  const holder = new FileTokenStore(dir, { staleMs: 60_000, holdMs: 1_500, warn: (l) => warnings.push(l) });
  const waiter = new FileTokenStore(dir, { staleMs: 60_000, lockTimeoutMs: 10_000, warn: (l) => warnings.push(l) });
  const started = Date.now();
  const held = holder.update(
    (_d, hold) =>
      new Promise<void>((_resolve, reject) =>
        // a hostile token endpoint: the request only ends when the hold signal aborts it
        hold.signal.addEventListener('abort', () => reject(hold.signal.reason as Error), { once: true }),
      ),
  );
  await new Promise((r) => setTimeout(r, 100));
  const lock = JSON.parse(readFileSync(join(dir, 'tokens.json.lock'), 'utf8')) as { at: number; until: number };
  assert.ok(lock.until - lock.at <= 1_500 + 2_000, `the lock promises release only at +${lock.until - lock.at} ms`);
  let waiterGotItAt = 0;
  const waited = waiter.update(() => void (waiterGotItAt = Date.now()));
  await assert.rejects(held, (e: EntraTokenError) => {
    assert.equal(e.code, 'ETIMEOUT');
    assert.match(e.message, /did not finish within 2 s|did not finish within 1 s/);
    return true;
  });
  const releasedAt = Date.now();
  assert.ok(releasedAt - started < 4_000, `held for ${releasedAt - started} ms`);
  await waited;
  assert.ok(waiterGotItAt >= releasedAt - 50, 'the waiter took the lock before the holder released it');
  assert.deepEqual(warnings, [], 'a live lock was broken as stale');
  assert.equal(existsSync(join(dir, 'tokens.json.lock')), false);
});

test('item 9: a lock dated in the future (same host, live pid) is broken, not waited on forever', async () => {
  const dir = mkdtempSync(join(root, 'c-'));
  const warnings: string[] = [];
  writeFileSync(
    join(dir, 'tokens.json.lock'),
    JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() + 86_400_000, nonce: 'x' }),
  );
  const t = Date.now();
  await new FileTokenStore(dir, { lockTimeoutMs: 3_000, warn: (l) => warnings.push(l) }).update(() => {});
  assert.ok(Date.now() - t < 1_000);
  assert.match(warnings[0]!, /removed a stale lock on the token cache \(it is dated in the future\)/);
});

test('item 9: an empty lock file (a writer hit ENOSPC) is broken after a second, not five', async () => {
  const dir = mkdtempSync(join(root, 'c-'));
  const warnings: string[] = [];
  writeFileSync(join(dir, 'tokens.json.lock'), '');
  const t = Date.now();
  await new FileTokenStore(dir, { lockTimeoutMs: 8_000, warn: (l) => warnings.push(l) }).update(() => {});
  const waited = Date.now() - t;
  assert.ok(waited < 2_500, `waited ${waited} ms`);
  assert.match(warnings[0]!, /removed a stale lock on the token cache \(an empty or unreadable lock file\)/);
});
