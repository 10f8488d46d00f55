import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { runInProcess } from '../helpers/cli.js';

/** Start `entra-token emulator …` in-process; resolves with the first stdout line, and a stop() that aborts. */
async function startCli(argv: string[], cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let errText = '';
  stderr.on('data', (d) => (errText += d));
  const ac = new AbortController();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: {},
    now: () => Date.now(),
    cwd,
    signal: ac.signal,
  };
  const done = runCli(['emulator', ...argv], ctx);
  const line = await new Promise<string>((resolve, reject) => {
    stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    void done.then((code) => reject(new Error(`exited ${code}: ${errText}`)));
  });
  return {
    info: JSON.parse(line) as Record<string, string>,
    line,
    stderr: () => errText,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

test('entra-token emulator prints one JSON line, serves until aborted, then exits 0 and closes', async () => {
  const emu = await startCli(['--auto-approve']);
  assert.equal(emu.info.emulator, 'entra-token');
  assert.match(emu.info.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(emu.info.authority, `${emu.info.url}/${emu.info.tenant_id}`);
  assert.ok(!emu.line.includes('PRIVATE KEY'));
  const r = await fetch(`${emu.info.authority}/v2.0/.well-known/openid-configuration`);
  assert.equal(r.status, 200);
  assert.match(emu.stderr(), /^entra-token emulator listening on http:\/\/127\.0\.0\.1:\d+ /);
  assert.equal(await emu.stop(), 0);
  await assert.rejects(fetch(`${emu.info.url}/_emulator/info`));
});

test('--tls serves HTTPS with a certificate written to tls_ca_file that clients can trust', async () => {
  const emu = await startCli(['--tls']);
  try {
    assert.match(emu.info.url!, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(emu.info.tls_ca_file!, 'utf8');
    assert.equal(statSync(emu.info.tls_ca_file!).mode & 0o777, 0o600);
    assert.equal(new X509Certificate(ca).checkIP('127.0.0.1'), '127.0.0.1');
    const body = await new Promise<string>((resolve, reject) => {
      request(`${emu.info.authority}/v2.0/.well-known/openid-configuration`, { ca }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(JSON.parse(body).token_endpoint, `${emu.info.authority}/oauth2/v2.0/token`);
  } finally {
    await emu.stop();
  }
  assert.ok(!existsSync(emu.info.tls_ca_file!), 'the CA file is removed on close');
});

test('--config overrides the directory; --certificate-out writes the key and certificate 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
  try {
    writeFileSync(
      join(dir, 'dir.json'),
      JSON.stringify({
        users: [{ upn: 'zoe@contoso.com', password: 'Zoe-1!', object_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }],
        default_user: 'zoe@contoso.com',
      }),
    );
    const emu = await startCli(['--config', 'dir.json', '--certificate-out', 'cert.pem'], dir);
    try {
      assert.equal(emu.info.username, 'zoe@contoso.com');
      assert.equal(emu.info.certificate_file, join(dir, 'cert.pem'));
      assert.equal(statSync(join(dir, 'cert.pem')).mode & 0o777, 0o600);
      const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
      assert.match(pem, /-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    } finally {
      await emu.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad --config is a one-line EBAD_INPUT error naming the field (exit 2); a bad --port is EUSAGE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
  try {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ apps: [{ client_id: 'not-a-guid' }] }));
    const r = await runInProcess(['emulator', '--config', join(dir, 'bad.json')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `entra-token: error EBAD_INPUT: --config ${join(dir, 'bad.json')}: config.apps[0].client_id must be a GUID (got "not-a-guid")\n`,
    );
    writeFileSync(join(dir, 'notjson.json'), '{');
    const j = await runInProcess(['emulator', '--config', join(dir, 'notjson.json')]);
    assert.equal(j.code, 2);
    assert.match(j.stderr, /^entra-token: error EBAD_INPUT: --config .*notjson\.json is not valid JSON: /);
    const p = await runInProcess(['emulator', '--port', 'abc']);
    assert.equal(p.code, 2);
    assert.equal(p.stderr, 'entra-token: error EUSAGE: --port must be an integer from 0 to 65535 (got abc)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
