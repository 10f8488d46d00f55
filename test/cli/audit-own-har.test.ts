/**
 * entra-token's own `--har` of every flow, audited: each sign-in the tool does is clean (no finding at
 * all), except the password grant, which is reported as exactly what it is (ROPC, high) and nothing else.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { auditHar, type AuditReport } from '../../src/core/har-audit/index.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
let n = 0;
const env = () => ({
  ENTRA_TOKEN_STATE_DIR: join(dir, 'state'),
  ENTRA_TOKEN_CACHE_DIR: join(dir, 'cache'),
  XDG_STATE_HOME: join(dir, 'xdg'),
});

function live(argv: string[]): { done: Promise<CliRun>; stderrNow: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let so = '';
  let se = '';
  stdout.on('data', (d) => (so += d));
  stderr.on('data', (d) => (se += d));
  const ctx: CliContext = {
    stdout: Object.assign(stdout, { isTTY: false }),
    stderr: Object.assign(stderr, { isTTY: false }),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: env(),
    now: Date.now,
    cwd: dir,
    signal: new AbortController().signal,
  };
  const done = runCli(argv, ctx).then(async (code) => {
    await new Promise((r) => setImmediate(r));
    return { code, stdout: so, stderr: se };
  });
  return { done, stderrNow: () => se };
}

async function waitFor(re: RegExp, text: () => string): Promise<RegExpExecArray> {
  for (let i = 0; i < 500; i++) {
    const m = re.exec(text());
    if (m) return m;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not seen: ${re} in ${text()}`);
}

/** Run a command with --har into a fresh file and audit that file. */
async function withHar(
  argv: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<AuditReport> {
  const har = join(dir, `run-${++n}.har`);
  const r = await runInProcess(['--har', har, ...argv], { env: { ...env(), ...opts.env }, stdin: opts.stdin });
  assert.equal(r.code, 0, r.stderr);
  return auditHar(readFileSync(har, 'utf8'), { name: har });
}

const findings = (r: AuditReport) => r.findings.map((f) => `${f.severity} ${f.rule}`);
const kinds = (r: AuditReport) => r.flows.flatMap((f) => f.steps.map((s) => s.kind));

describe("audit of entra-token's own --har", () => {
  before(async () => {
    emu = await startEmulator({ autoApprove: true });
    dir = mkdtempSync(join(tmpdir(), 'entra-token-own-har-'));
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const I = () => emu.info;

  it('login (loopback listener, PKCE, state, nonce): no findings', async () => {
    const har = join(dir, 'login.har');
    const run = live([
      '--har',
      har,
      'login',
      '--no-browser',
      '--authority',
      I().authority,
      '--client-id',
      I().public_client_id,
      '-o',
      'json',
    ]);
    const url = (await waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+)/, run.stderrNow))[1]!;
    const port = Number((await waitFor(/Listening on 127\.0\.0\.1:(\d+)/, run.stderrNow))[1]);
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location')!;
    assert.match(location, new RegExp(`^http://localhost:${port}/?\\?code=`));
    await new Promise<void>((resolve, reject) => {
      const u = new URL(location);
      request({ host: '127.0.0.1', port, path: `${u.pathname || '/'}${u.search}`, headers: { host: u.host } }, (r) => {
        r.resume();
        r.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const report = auditHar(readFileSync(har, 'utf8'), { name: har });
    assert.deepEqual(findings(report), []);
    assert.deepEqual(kinds(report), ['authorize', 'callback', 'token']);
    assert.deepEqual(report.flows[0]!.users, [I().username]);
  });

  it('authorize-url, then exchange of the pasted redirect: no findings', async () => {
    const har = join(dir, 'paste.har');
    const a = await runInProcess(
      ['--har', har, 'authorize-url', '--authority', I().authority, '--client-id', I().public_client_id],
      { env: env() },
    );
    assert.equal(a.code, 0, a.stderr);
    const url = /http\S+authorize\?\S+/.exec(a.stdout)![0];
    const location = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    const x = await runInProcess(['--har', har, 'exchange', location, '-o', 'json'], { env: env() });
    assert.equal(x.code, 0, x.stderr);
    const report = auditHar(readFileSync(har, 'utf8'), { name: har });
    assert.deepEqual(findings(report), []);
    assert.deepEqual(kinds(report), ['authorize', 'callback', 'token']);
  });

  it('device code: no findings', async () => {
    const har = join(dir, 'device.har');
    const run = live([
      '--har',
      har,
      'device-code',
      '--authority',
      I().authority,
      '--client-id',
      I().public_client_id,
      '-o',
      'json',
    ]);
    const code = (await waitFor(/enter the code ([A-Z0-9]+) to authenticate/, run.stderrNow))[1]!;
    emu.approveDeviceCode(code, 'approve');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const report = auditHar(readFileSync(har, 'utf8'), { name: har });
    assert.deepEqual(findings(report), []);
    assert.equal(kinds(report)[0], 'devicecode');
    assert.ok(kinds(report).includes('token'));
  });

  it('client credentials with a secret and with a certificate, then Databricks and Graph calls: no findings', async () => {
    const cc = await withHar(
      ['client-credentials', '--authority', I().authority, '--client-id', I().confidential_client_id, '-o', 'json'],
      {
        env: { AZURE_CLIENT_SECRET: I().client_secret },
      },
    );
    assert.deepEqual(findings(cc), []);
    const keyFile = join(dir, 'cert.pem');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(keyFile, `${emu.certificate.keyPem}\n${emu.certificate.certPem}`, { mode: 0o600 });
    const cert = await withHar([
      'client-credentials',
      '--authority',
      I().authority,
      '--client-id',
      I().certificate_client_id,
      '--certificate',
      keyFile,
      '-o',
      'json',
    ]);
    assert.deepEqual(findings(cert), []);
    const token = async (scope: string) => {
      const r = await runInProcess(
        [
          'client-credentials',
          '--authority',
          I().authority,
          '--client-id',
          I().confidential_client_id,
          '--scope',
          scope,
          '-o',
          'token',
        ],
        {
          env: { ...env(), AZURE_CLIENT_SECRET: I().client_secret },
        },
      );
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    // a workspace user's token: the app's service principal is not a member of the emulated workspace
    const userToken = async () => {
      const r = await runInProcess(
        [
          'password',
          '--authority',
          I().authority,
          '--client-id',
          I().public_client_id,
          '--username',
          I().username,
          '--password-stdin',
          '-o',
          'token',
        ],
        { env: env(), stdin: I().password },
      );
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    const dbx = await withHar(
      ['databricks', 'clusters', 'list', '--host', String(I().workspace_url), '--output', 'json'],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await userToken() },
      },
    );
    assert.deepEqual(findings(dbx), []);
    assert.deepEqual(kinds(dbx), ['api']);
    const graph = await withHar(['graph', 'users', 'list', '--output', 'json'], {
      env: {
        ENTRA_TOKEN_ACCESS_TOKEN: await token('https://graph.microsoft.com/.default'),
        ENTRA_TOKEN_GRAPH_URL: String(I().graph_url),
      },
    });
    assert.deepEqual(findings(graph), []);
  });

  it('refresh: no findings; password (ROPC): exactly the ropc finding', async () => {
    const pw = await withHar(
      [
        'password',
        '--authority',
        I().authority,
        '--client-id',
        I().public_client_id,
        '--username',
        I().username,
        '--password-stdin',
        '-o',
        'json',
      ],
      {
        stdin: I().password,
      },
    );
    assert.deepEqual(findings(pw), ['high ropc']);
    const tokens = JSON.parse(
      (
        await runInProcess(
          [
            'password',
            '--authority',
            I().authority,
            '--client-id',
            I().public_client_id,
            '--username',
            I().username,
            '--password-stdin',
            '-o',
            'json',
          ],
          { env: env(), stdin: I().password },
        )
      ).stdout,
    );
    const rf = await withHar(
      [
        'refresh',
        '--authority',
        I().authority,
        '--client-id',
        I().public_client_id,
        '--refresh-token-stdin',
        '-o',
        'json',
      ],
      {
        stdin: JSON.stringify(tokens),
      },
    );
    assert.deepEqual(findings(rf), []);
    assert.deepEqual(kinds(rf), ['token']);
  });
});
