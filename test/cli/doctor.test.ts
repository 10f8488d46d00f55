import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { runChecks, type Check, type Probes } from '../../src/cli/doctor.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';

const NOW = Date.parse('2025-01-15T10:00:00Z');
const URL_ = 'https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration';

function probes(over: Partial<Probes> = {}): Probes {
  return {
    env: { DISPLAY: ':0' },
    platform: 'linux',
    now: () => NOW,
    get: async () => ({ status: 200, date: new Date(NOW).toUTCString(), rttMs: 12 }),
    lookupLocalhost: async () => ['127.0.0.1', '::1'],
    canListen: async () => true,
    statDir: () => ({ exists: true, isDir: true, mode: 0o40700, ownedByMe: true }),
    readText: () => ({ error: 'ENOENT' }),
    inContainer: () => false,
    osRelease: '6.1.0',
    ...over,
  };
}

async function check(
  name: string,
  over: Partial<Probes>,
  input: Partial<Parameters<typeof runChecks>[1]> = {},
): Promise<Check[]> {
  const all = await runChecks(probes(over), { probeUrl: URL_, stateDir: '/s', cacheDir: '/c', ...input });
  return all.filter((c) => c.name === name);
}

describe('doctor checks, each condition simulated', () => {
  it('all well: every check ok', async () => {
    const all = await runChecks(probes(), { probeUrl: URL_, stateDir: '/s', cacheDir: '/c' });
    assert.deepEqual(
      all.filter((c) => c.status !== 'ok'),
      [],
    );
    assert.deepEqual(
      all.map((c) => c.name),
      [
        'configuration',
        'proxy',
        'extra CAs',
        'authority reachable',
        'clock',
        'localhost',
        'listener port',
        'session',
        'state dir',
        'cache dir',
      ],
    );
  });

  it('clock: 7 minutes ahead is a failure (ECLAIM), 2 minutes a warning, with the fix', async () => {
    const [fail] = await check('clock', {
      get: async () => ({ status: 200, date: new Date(NOW - 420_000).toUTCString() }),
    });
    assert.equal(fail!.status, 'failure');
    assert.equal(fail!.code, 'ECLAIM');
    assert.equal(
      fail!.message,
      "this machine's clock is 420 s ahead of login.microsoftonline.com: tokens will look expired or not yet valid (5 min tolerance)",
    );
    assert.match(fail!.fix!, /timedatectl set-ntp true/);
    const [warn] = await check('clock', {
      get: async () => ({ status: 200, date: new Date(NOW + 120_000).toUTCString() }),
    });
    assert.equal(warn!.status, 'warning');
    assert.equal(warn!.message, "this machine's clock is 120 s behind login.microsoftonline.com");
  });

  it('TLS interception: an untrusted certificate fails with the NODE_EXTRA_CA_CERTS fix', async () => {
    const [c] = await check('authority TLS', { get: async () => ({ error: 'SELF_SIGNED_CERT_IN_CHAIN' }) });
    assert.equal(c!.status, 'failure');
    assert.equal(
      c!.message,
      'TLS to login.microsoftonline.com failed (SELF_SIGNED_CERT_IN_CHAIN): the certificate is not trusted',
    );
    assert.match(c!.fix!, /NODE_EXTRA_CA_CERTS=/);
  });

  it('unreachable authority fails with ENETWORK and a proxy hint', async () => {
    const [c] = await check('authority reachable', { get: async () => ({ error: 'ENOTFOUND' }) });
    assert.deepEqual(
      [c!.status, c!.code, c!.message],
      ['failure', 'ENETWORK', 'cannot reach login.microsoftonline.com (ENOTFOUND)'],
    );
  });

  it('proxy: reports the proxy with its password masked, and whether NO_PROXY covers the authority; a bad URL fails', async () => {
    const [c] = await check('proxy', {
      env: { HTTPS_PROXY: 'http://bob:hunter2@proxy:3128', NO_PROXY: '.microsoftonline.com' },
    });
    assert.equal(
      c!.message,
      'through HTTPS_PROXY=http://bob:***@proxy:3128, NO_PROXY=.microsoftonline.com; login.microsoftonline.com is in NO_PROXY (direct)',
    );
    const [bad] = await check('proxy', { env: { https_proxy: 'proxy:3128' } });
    assert.equal(bad!.status, 'failure');
  });

  it('NODE_EXTRA_CA_CERTS: counts certificates; an unreadable or non-PEM file fails', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const [ok] = await check('extra CAs', { env: { NODE_EXTRA_CA_CERTS: '/ca.pem' }, readText: () => pem + pem });
    assert.equal(ok!.message, 'NODE_EXTRA_CA_CERTS=/ca.pem: 2 certificates, added by Node to its CA list at start');
    const [missing] = await check('extra CAs', { env: { NODE_EXTRA_CA_CERTS: '/nope.pem' } });
    assert.equal(missing!.status, 'failure');
    const [der] = await check('extra CAs', { env: { NODE_EXTRA_CA_CERTS: '/ca.cer' }, readText: () => '0\x82\x03' });
    assert.equal(der!.message, 'NODE_EXTRA_CA_CERTS=/ca.cer holds no PEM certificate');
  });

  it('localhost: IPv6-only is fine (both stacks are bound), a non-loopback address fails', async () => {
    const [v6] = await check('localhost', { lookupLocalhost: async () => ['::1'] });
    assert.equal(v6!.status, 'ok');
    assert.match(v6!.message, /IPv6 only/);
    const [bad] = await check('localhost', { lookupLocalhost: async () => ['10.0.0.5'] });
    assert.equal(bad!.status, 'failure');
  });

  it('listener port: a busy --port fails with lsof as the fix', async () => {
    const [c] = await check('listener port', { canListen: async () => 'EADDRINUSE' }, { port: 8400 });
    assert.equal(c!.message, 'port 8400 on 127.0.0.1 is not free (EADDRINUSE)');
    assert.match(c!.fix!, /lsof -i :8400/);
  });

  it('SSH: suggests the exact ssh -L command, paste-back and device code', async () => {
    const [c] = await check('session', { env: { SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' } }, { port: 8765 });
    assert.equal(c!.status, 'warning');
    assert.match(c!.fix!, /ssh -L 8765:localhost:8765 <this host>, then entra-token login --no-browser --port 8765/);
    assert.match(c!.fix!, /device-code/);
  });

  it('WSL, container and no display each get their way forward', async () => {
    const [wsl] = await check('session', { env: { WSL_DISTRO_NAME: 'Ubuntu', DISPLAY: ':0' } });
    assert.match(wsl!.message, /^WSL: the Windows browser is opened/);
    const [box] = await check('session', { inContainer: () => true });
    assert.match(box!.fix!, /docker run -p 8400:8400/);
    const [headless] = await check('session', { env: {} });
    assert.equal(
      headless!.message,
      'no graphical display (DISPLAY and WAYLAND_DISPLAY unset): no browser can open here',
    );
  });

  it("directories: group-readable is a warning, someone else's a failure (ECACHE), a file a failure", async () => {
    const [w] = await check('state dir', {
      statDir: () => ({ exists: true, isDir: true, mode: 0o40755, ownedByMe: true }),
    });
    assert.deepEqual([w!.status, w!.fix], ['warning', 'chmod 700 /s']);
    const [f] = await check('cache dir', {
      statDir: () => ({ exists: true, isDir: true, mode: 0o40777, ownedByMe: false }),
    });
    assert.deepEqual([f!.status, f!.code], ['failure', 'ECACHE']);
    const [file] = await check('cache dir', {
      statDir: () => ({ exists: true, isDir: false, mode: 0o100600, ownedByMe: true }),
    });
    assert.equal(file!.message, '/c exists and is not a directory');
  });
});

describe('entra-token doctor', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it('checks the emulator authority and exits 0 when nothing failed', async () => {
    const info = emu.info as Record<string, string>;
    const r = await runInProcess(['doctor', '--authority', info.authority!], {
      env: { DISPLAY: ':0', ENTRA_TOKEN_STATE_DIR: '/nonexistent/s', ENTRA_TOKEN_CACHE_DIR: '/nonexistent/c' },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^ok +authority reachable +GET ${info.authority}/v2\\.0/\\.well-known/openid-configuration answered HTTP 200`,
        'm',
      ),
    );
    assert.match(
      r.stdout,
      /^ok +clock +this machine's clock is \d+ s (ahead of|behind) 127\.0\.0\.1:\d+ \(within 60 s\)$/m,
    );
  });

  it("exits with the failure's code when the authority is unreachable (6)", async () => {
    const r = await runInProcess(
      ['doctor', '--authority', 'http://127.0.0.1:1/contoso.onmicrosoft.com', '-o', 'json'],
      { env: { DISPLAY: ':0' } },
    );
    assert.equal(r.code, 6);
    const checks = JSON.parse(r.stdout).checks as Check[];
    assert.equal(
      checks.find((c) => c.name === 'authority reachable')!.message,
      'cannot reach 127.0.0.1:1 (ECONNREFUSED)',
    );
    assert.match(r.stderr, /^entra-token: error ENETWORK: doctor found 1 failure: authority reachable\n/);
  });
});
