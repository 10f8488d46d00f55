/** `databricks` and `graph` without a token flag use the token cache, as `entra-token token` does. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { passwordSignIn, runInProcess } from '../helpers/cli.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => emu.close());

const freshEnv = () => ({
  ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')),
  ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')),
});

test('databricks clusters list uses the Azure Databricks token cached by a sign-in, and --trace shows the call', async () => {
  const env = freshEnv();
  const signIn = await passwordSignIn(emu.info, env);
  assert.equal(signIn.code, 0, signIn.stderr);
  const r = await runInProcess(
    ['--trace', 'databricks', 'clusters', 'list', '--host', String(emu.info.workspace_url), '--output', 'json'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const clusters = JSON.parse(r.stdout) as Array<{ cluster_id: string }>;
  assert.ok(clusters.length >= 2);
  assert.match(r.stderr, /== Call Azure Databricks/);
  assert.match(r.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/api\/2\.1\/clusters\/list/);
  assert.match(r.stderr, /authorization: Bearer eyJ0eX…\[\d+ chars hmac:[0-9a-f]{8}\]/);
  assert.ok(!r.stderr.includes(signIn.stdout.trim()), 'the token is redacted in the trace');
});

test('graph users list uses the app-only Graph token cached by client-credentials', async () => {
  const env = freshEnv();
  const cc = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '--scope',
      'https://graph.microsoft.com/.default',
      '-o',
      'token',
    ],
    { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret) } },
  );
  assert.equal(cc.code, 0, cc.stderr);
  const r = await runInProcess(
    ['graph', 'users', 'list', '--graph-url', String(emu.info.graph_url), '--output', 'json'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const users = JSON.parse(r.stdout) as Array<{ userPrincipalName: string }>;
  assert.ok(users.some((u) => u.userPrincipalName === 'alice@contoso.com'));
});
