/**
 * The oidc-provider suite again over https: the provider's self-signed certificate is trusted the way a
 * user trusts a private CA, through NODE_EXTRA_CA_CERTS (read by Node only at start, hence a child run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTlsCertificate } from '../helpers/oidc-provider.js';

test('every oidc-provider flow test passes over TLS with the certificate from NODE_EXTRA_CA_CERTS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-token-oidc-tls-'));
  try {
    const { key, cert } = makeTlsCertificate();
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.pem'), cert);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/flows/oidc-provider.test.ts'],
      {
        env: {
          ...process.env,
          OIDC_PROVIDER_TLS: '1',
          OIDC_PROVIDER_TLS_KEY_FILE: join(dir, 'key.pem'),
          OIDC_PROVIDER_TLS_CERT_FILE: join(dir, 'ca.pem'),
          NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
          NODE_TEST_CONTEXT: undefined,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /^# fail 0$/m);
    const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1]);
    assert.ok(passed >= 12, `expected the whole suite to run, ${passed} passed`);
    assert.match(out, /discovery of oidc-provider over https/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
