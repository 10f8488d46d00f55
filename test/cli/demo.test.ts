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

test('issue 23: step 6 says and calls API 2.1, the default of `databricks clusters list`', async () => {
  const r = await runInProcess(['demo']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /Step 6: Call Databricks: GET \/api\/2\.1\/clusters\/list \(entra-token databricks clusters list\)/,
  );
  assert.doesNotMatch(r.stdout, /\/api\/2\.0\//);
});

test('issue 23: npm run demo builds only when dist is missing or older than src (scripts/demo.mjs)', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, utimesSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  // @ts-expect-error: a plain .mjs script without types
  const { distIsStale } = (await import('../../scripts/demo.mjs')) as { distIsStale: (root: string) => boolean };
  const root = mkdtempSync(join(tmpdir(), 'et-demo-'));
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), '');
  assert.equal(distIsStale(root), true, 'no dist: build');
  writeFileSync(join(root, 'dist', 'cli', 'bin.cjs'), '');
  writeFileSync(join(root, 'dist', 'cli', 'program.js'), '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'src', 'a.ts'), old, old);
  assert.equal(distIsStale(root), false, 'dist newer than src: no build');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(root, 'src', 'a.ts'), later, later);
  assert.equal(distIsStale(root), true, 'src changed after the build: build');
});
