import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInProcess } from '../helpers/cli.js';

test('demo runs the documented flow end to end on the embedded emulator and shows no secret in clear', async () => {
  const r = await runInProcess(['demo']);
  assert.equal(r.code, 0, r.stderr);
  for (const step of [
    'Step 1: Build the authorize URL',
    'Step 2: Sign in',
    'Step 3: The redirect',
    'Step 4: Exchange the code',
    'Step 5: The access token',
    'Step 6: Call Databricks',
  ]) {
    assert.ok(r.stdout.includes(step), step);
  }
  assert.match(r.stdout, /Azure Databricks access token \(v1\) for alice@contoso\.com/);
  assert.match(r.stdout, /→ \d+ clusters/);
  // no JWT and no code in clear: only their redacted forms
  assert.doesNotMatch(r.stdout, /eyJ[\w-]{20,}\.[\w-]{20,}\./);
  assert.match(r.stdout, /code=0\.AXEA…\[\d+ chars hmac:[0-9a-f]{8}\]/);
  assert.match(r.stdout, /code_verifier=.{0,6}…\[64 chars hmac:[0-9a-f]{8}\]/);
});
