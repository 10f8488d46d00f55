import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInProcess } from '../helpers/cli.js';

test('--version prints the version and exits 0', async () => {
  const r = await runInProcess(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('an unknown option is a usage error with exit code 2 and no stack trace', async () => {
  const r = await runInProcess(['--no-such-option']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--no-such-option'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
