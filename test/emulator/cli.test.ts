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

test('--auto-approve also approves device codes: the first poll gets tokens (the README device-code example no longer hangs)', async () => {
  const emu = await startCli(['--auto-approve']);
  try {
    const dc = (await (
      await fetch(`${emu.info.authority}/oauth2/v2.0/devicecode`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: emu.info.public_client_id!,
          scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
        }),
      })
    ).json()) as Record<string, string>;
    const t = await fetch(`${emu.info.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: emu.info.public_client_id!,
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: dc.device_code!,
      }),
    });
    assert.equal(t.status, 200);
    assert.ok(((await t.json()) as Record<string, string>).access_token);
  } finally {
    await emu.stop();
  }
});

/** The built CLI (the package's bin) as a child process, for real signals. */
async function spawnBuilt(argv: string[]) {
  const { spawn } = await import('node:child_process');
  const bin = join(process.cwd(), 'dist', 'cli', 'bin.cjs');
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  child.stderr.on('data', (d) => (errText += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    void exited.then((e) => reject(new Error(`exited ${e.code ?? e.signal}: ${errText}`)));
  });
  return { info: JSON.parse(line) as Record<string, string>, child, exited, stderr: () => errText };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the built CLI's emulator --tls on ${signal}: exits 0 and removes its CA file`, async () => {
    const emu = await spawnBuilt(['emulator', '--tls']);
    assert.ok(existsSync(emu.info.tls_ca_file!));
    emu.child.kill(signal);
    const e = await emu.exited;
    assert.deepEqual(e, { code: 0, signal: null }, emu.stderr());
    assert.ok(!existsSync(emu.info.tls_ca_file!), 'the CA file is removed');
    assert.match(emu.stderr(), /entra-token emulator stopped/);
  });
}
