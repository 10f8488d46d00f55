/**
 * A real Azure-SDK-style consumer: @microsoft/microsoft-graph-client's TokenCredentialAuthenticationProvider
 * takes entra-token's createCredential() as its TokenCredential, without a wrapper, and lists the
 * emulator's Graph users with an app-only token from the client secret in the environment. The second
 * request is a cache hit (one token request for two Graph calls).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'graph-client-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

test('microsoft-graph-client lists the emulator users with createCredential (secret from the environment)', async () => {
  const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    // async spawn: the emulator answers from this process meanwhile
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'graph-client-child.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        NODE_EXTRA_CA_CERTS: String(emu.info.tls_ca_file),
        ENTRA_TOKEN_CACHE_DIR: join(dir, 'cache'),
        AZURE_AUTHORITY_HOST: emu.info.url,
        AZURE_TENANT_ID: emu.info.tenant_id,
        AZURE_CLIENT_ID: emu.info.confidential_client_id,
        AZURE_CLIENT_SECRET: emu.info.client_secret,
        TEST_GRAPH_URL: String(emu.info.graph_url),
      },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (status: number | null) => done({ status, stdout, stderr }));
  });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout) as { users: string[]; second: number; source: string; from: string[] };
  assert.equal(r.users.length, 3);
  assert.ok(r.users.every((u) => u.includes('@')));
  assert.equal(r.second, 1);
  assert.equal(r.source, 'client-secret');
  assert.deepEqual(r.from, ['new', 'cache']);
  const tokenCalls = emu.requests().filter((q) => /oauth2\/v2\.0\/token$/.test(q.path));
  assert.equal(tokenCalls.length, 1, 'one token request for two Graph calls');
  assert.equal(tokenCalls[0]!.form?.grant_type, 'client_credentials');
});
