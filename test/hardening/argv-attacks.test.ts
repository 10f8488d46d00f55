/**
 * Issue 15, item 6 (part): a secret passed as an argument is readable by every local user (`ps`,
 * /proc/<pid>/cmdline). The documented way reads it from stdin or a file; an argument still works but warns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../helpers/cli.js';

test('item 6: exchange with the redirect as an argument warns (its code is on argv); pasted on stdin it does not', async () => {
  const d = mkdtempSync(join(tmpdir(), 'entra-argv-'));
  const env = { ENTRA_TOKEN_STATE_DIR: join(d, 's'), ENTRA_TOKEN_CACHE_DIR: join(d, 'c') };
  const redirect = 'http://localhost/?code=0.AXEA-code-on-argv&state=no-such-state';
  const arg = await runInProcess(['exchange', redirect], { env });
  assert.match(
    arg.stderr,
    /warning: the redirect \(its code\) given as an argument can be read by other local users \(ps\)/,
  );
  const pasted = await runInProcess(['exchange', '-'], { env, stdin: `${redirect}\n` });
  assert.doesNotMatch(pasted.stderr, /warning: the redirect/);
  assert.equal(arg.code, pasted.code);
});
