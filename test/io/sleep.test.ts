import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/io/sleep.js';

test('sleep resolves after the delay and leaves no abort listener behind', async () => {
  const ac = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = ac.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
  signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
  const t0 = performance.now();
  await sleep(20, signal);
  assert.ok(performance.now() - t0 >= 15);
  assert.equal(added, 1);
  assert.equal(removed, 1);
});

test('an abort before or during the wait rejects with ECANCELLED, or with the error the caller chose', async () => {
  const before = new AbortController();
  before.abort();
  await assert.rejects(sleep(10_000, before.signal), { code: 'ECANCELLED', message: 'cancelled' });
  const during = new AbortController();
  const p = sleep(10_000, during.signal, () => new Error('device code sign-in cancelled'));
  during.abort();
  await assert.rejects(p, /device code sign-in cancelled/);
});
