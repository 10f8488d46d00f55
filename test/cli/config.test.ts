import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';

const TID = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
const CID = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';

let home: string;
let emu: Emulator;
const servers: Server[] = [];

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'entra-token-config-'));
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await emu.close();
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
  rmSync(home, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    ENTRA_TOKEN_STATE_DIR: join(home, 'state'),
    ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'),
    ...extra,
  };
}

function cfgFile(text: string): string {
  const p = join(home, `cfg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, text);
  return p;
}

describe('config show', () => {
  it('prints each value with its source (flag, env, profile FILE:LINE, default), the secret masked', async () => {
    writeFileSync(
      join(home, '.databrickscfg'),
      `[DEFAULT]\nhost = https://adb-1.2.azuredatabricks.net\n\n[prod]\nazure_tenant_id = ${TID}\nazure_client_secret = s3cr3t-value-that-is-long-enough\ntoken = dapi0123\n`,
    );
    const r = await runInProcess(['config', 'show', '--profile', 'prod', '--client-id', CID], {
      env: env({ ARM_ENVIRONMENT: 'AzureUSGovernment' }),
    });
    assert.equal(r.code, 0, r.stderr);
    const line = (name: string) =>
      r.stdout
        .split('\n')
        .find((l) => l.startsWith(`${name} `))!
        .replace(/\s+/g, ' ');
    assert.equal(line('tenant'), `tenant ${TID} profile prod in ~/.databrickscfg:5`);
    assert.equal(line('client_id'), `client_id ${CID} --client-id`);
    assert.match(
      line('client_secret'),
      /^client_secret s3cr3t…\[32 chars hmac:[0-9a-f]{8}\] profile prod in ~\/\.databrickscfg:6$/,
    );
    assert.equal(line('host'), 'host https://adb-1.2.azuredatabricks.net profile DEFAULT in ~/.databrickscfg:2');
    assert.equal(line('cloud'), 'cloud usgov env ARM_ENVIRONMENT');
    assert.equal(
      line('effective authority'),
      `effective authority https://login.microsoftonline.us/${TID} derived from cloud and tenant`,
    );
    assert.equal(line('profile'), 'profile prod --profile');
    assert.ok(!r.stdout.includes('s3cr3t-value') && !r.stdout.includes('dapi0123'), 'no secret printed');
    assert.match(
      r.stdout,
      /profile prod \(~\/\.databrickscfg:4\) also sets keys entra-token does not read: token \(line 7\)/,
    );
    rmSync(join(home, '.databrickscfg'));
  });

  it('-o json lists the unused profile keys by name only', async () => {
    const file = cfgFile('[p]\ncluster_id = 0103\ntoken = dapi0123\n');
    const r = await runInProcess(['config', 'show', '-o', 'json'], {
      env: env({ DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: 'p' }),
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.profile.unused_keys, [
      { key: 'cluster_id', line: 2, secret: false },
      { key: 'token', line: 3, secret: true },
    ]);
    assert.ok(!r.stdout.includes('dapi0123'));
    assert.deepEqual(
      j.settings.find((s: { name: string }) => s.name === 'profile'),
      { name: 'profile', value: 'p', source: 'env DATABRICKS_CONFIG_PROFILE' },
    );
  });

  it('refuses a malformed profile file with its line number (exit 2)', async () => {
    const file = cfgFile('[a]\nhost = x\nthis is wrong\n');
    const r = await runInProcess(['config', 'show'], { env: env({ DATABRICKS_CONFIG_FILE: file }) });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `entra-token: error EBAD_INPUT: ~/${basename(file)}:3: expected "key = value", "[profile]" or a comment, got "this is wrong"\n`,
    );
  });

  it('refuses a named profile that is not in the file, listing the ones that are', async () => {
    const file = cfgFile('[a]\n[b]\n');
    const r = await runInProcess(['authorize-url', '--profile', 'c'], { env: env({ DATABRICKS_CONFIG_FILE: file }) });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `^entra-token: error EUSAGE: profile c is not in ~/${basename(file)} \\(profiles: a, b\\)\nhint: profile names are case-sensitive\n$`,
      ),
    );
  });

  it('--http-timeout must be a number of seconds', async () => {
    const r = await runInProcess(['--http-timeout', 'soon', 'config', 'show'], { env: env() });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'entra-token: error EUSAGE: --http-timeout must be a number of seconds between 1 and 3600 (got "soon")\n',
    );
  });
});

describe('identity from the profile and the environment', () => {
  it('authorize-url takes tenant and client id from the DEFAULT profile', async () => {
    const file = cfgFile(`[DEFAULT]\nazure_tenant_id = ${TID}\nazure_client_id = ${CID}\n`);
    const r = await runInProcess(['authorize-url'], { env: env({ DATABRICKS_CONFIG_FILE: file }) });
    assert.equal(r.code, 0, r.stderr);
    const url = new URL(r.stdout.trim());
    assert.equal(`${url.origin}${url.pathname}`, `https://login.microsoftonline.com/${TID}/oauth2/v2.0/authorize`);
    assert.equal(url.searchParams.get('client_id'), CID);
  });

  it('AZURE_TENANT_ID beats the profile, and --tenant beats both', async () => {
    const file = cfgFile(`[DEFAULT]\nazure_tenant_id = profile.onmicrosoft.com\nazure_client_id = ${CID}\n`);
    const r1 = await runInProcess(['authorize-url'], {
      env: env({ DATABRICKS_CONFIG_FILE: file, AZURE_TENANT_ID: 'env.onmicrosoft.com' }),
    });
    assert.equal(new URL(r1.stdout.trim()).pathname, '/env.onmicrosoft.com/oauth2/v2.0/authorize');
    const r2 = await runInProcess(['authorize-url', '--tenant', 'flag.onmicrosoft.com'], {
      env: env({ DATABRICKS_CONFIG_FILE: file, AZURE_TENANT_ID: 'env.onmicrosoft.com' }),
    });
    assert.equal(new URL(r2.stdout.trim()).pathname, '/flag.onmicrosoft.com/oauth2/v2.0/authorize');
  });

  it('AZURE_AUTHORITY_HOST selects the US Government cloud, and a host outside the clouds (the emulator) is used as is', async () => {
    const gov = await runInProcess(['authorize-url'], {
      env: env({
        AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
        AZURE_TENANT_ID: TID,
        AZURE_CLIENT_ID: CID,
      }),
    });
    assert.equal(new URL(gov.stdout.trim()).origin, 'https://login.microsoftonline.us');
    const local = await runInProcess(['authorize-url'], {
      env: env({ AZURE_AUTHORITY_HOST: `${emu.info.url}/`, AZURE_TENANT_ID: TID, AZURE_CLIENT_ID: CID }),
    });
    assert.equal(local.code, 0, local.stderr);
    assert.ok(local.stdout.startsWith(`${emu.info.url}/${TID}/oauth2/v2.0/authorize?`), local.stdout);
  });
});

/** Run the CLI as a child (async: the emulator lives in this process's event loop). */
function run(
  args: string[],
  childEnv: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Sign in with auto-approve: GET the authorize URL, return the redirect it answers with. */
async function follow(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  assert.ok(location, `no redirect from ${url}: ${res.status}`);
  return location;
}

describe('--issuer: any OpenID provider through its discovery document', () => {
  it('signs in against the emulator found by its v2 issuer, redeeming at the discovered token endpoint', async () => {
    const info = emu.info as Record<string, string>;
    const issuer = `${info.url}/${info.tenant_id}/v2.0`;
    const e = env();
    const a = await runInProcess(['authorize-url', '--issuer', issuer, '--client-id', info.public_client_id!], {
      env: e,
    });
    assert.equal(a.code, 0, a.stderr);
    assert.ok(a.stdout.startsWith(`${info.url}/${info.tenant_id}/oauth2/v2.0/authorize?`));
    const redirect = await follow(a.stdout.trim());
    const x = await runInProcess(['exchange', redirect, '-o', 'json', '--no-cache'], { env: e });
    assert.equal(x.code, 0, x.stderr);
    assert.equal(typeof JSON.parse(x.stdout).access_token, 'string');
    const paths = (await emu.requests()).map((r) => `${r.method} ${r.path}`);
    assert.ok(paths.includes(`GET /${info.tenant_id}/v2.0/.well-known/openid-configuration`), paths.join('\n'));
  });

  it('works with a non-Entra provider at a sub-path (Databricks-style {workspace}/oidc, client databricks-cli)', async () => {
    const seen: string[] = [];
    let base = '';
    const port = await listen(
      createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.setHeader('content-type', 'application/json');
        if (req.url === '/oidc/.well-known/openid-configuration') {
          res.end(
            JSON.stringify({
              issuer: `${base}/oidc`,
              authorization_endpoint: `${base}/oidc/v1/authorize`,
              token_endpoint: `${base}/oidc/v1/token`,
              jwks_uri: `${base}/oidc/jwks.json`,
            }),
          );
        } else if (req.url === '/oidc/v1/token' && req.method === 'POST') {
          res.end(
            JSON.stringify({
              access_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
              token_type: 'Bearer',
              expires_in: 3600,
              scope: 'all-apis',
            }),
          );
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      }),
    );
    base = `http://127.0.0.1:${port}`;
    const e = env();
    const a = await runInProcess(
      [
        'authorize-url',
        '--issuer',
        `${base}/oidc`,
        '--client-id',
        'databricks-cli',
        '--scope',
        'all-apis',
        '--redirect-uri',
        'http://localhost:8020',
      ],
      { env: e },
    );
    assert.equal(a.code, 0, a.stderr);
    const url = new URL(a.stdout.trim());
    assert.equal(`${url.origin}${url.pathname}`, `${base}/oidc/v1/authorize`);
    const x = await runInProcess(
      [
        'exchange',
        `http://localhost:8020/?code=abc&state=${url.searchParams.get('state')}`,
        '-o',
        'json',
        '--no-cache',
      ],
      { env: e },
    );
    assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(seen, ['GET /oidc/.well-known/openid-configuration', 'POST /oidc/v1/token']);
  });

  it('refuses a discovery document whose issuer differs from the one asked for (ECLAIM, exit 7)', async () => {
    const port = await listen(
      createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: 'https://evil.example/oidc', token_endpoint: 'https://evil.example/token' }));
      }),
    );
    const r = await runInProcess(['authorize-url', '--issuer', `http://127.0.0.1:${port}/oidc`, '--client-id', 'x'], {
      env: env(),
    });
    assert.equal(r.code, 7);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `^entra-token: error ECLAIM: the discovery document's issuer is "https://evil.example/oidc", not the "http://127.0.0.1:${port}/oidc" asked for\n`,
      ),
    );
  });

  it('refuses --authority and --issuer together', async () => {
    const r = await runInProcess(
      [
        'authorize-url',
        '--issuer',
        'https://a.example/x',
        '--authority',
        `https://login.microsoftonline.com/${TID}`,
        '--client-id',
        'x',
      ],
      { env: env() },
    );
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n')[0], 'entra-token: error EUSAGE: give either --authority or --issuer, not both');
  });
});

describe('network: proxies and corporate CAs', () => {
  it('sends requests through HTTP_PROXY (a loopback proxy that tunnels CONNECT and forwards absolute-form requests), and not when NO_PROXY matches', async () => {
    const log: string[] = [];
    const proxy = createServer((req, res) => {
      log.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode!, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    proxy.on('connect', (req, socket, head) => {
      log.push(`CONNECT ${req.url}`);
      const [host, p] = req.url!.split(':');
      const up = connect(Number(p), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    const port = await listen(proxy);
    const info = emu.info as Record<string, string>;
    const issuer = `${info.url}/${info.tenant_id}/v2.0`;
    const through = await runInProcess(['authorize-url', '--issuer', issuer, '--client-id', 'x'], {
      env: env({ HTTP_PROXY: `http://127.0.0.1:${port}` }),
    });
    assert.equal(through.code, 0, through.stderr);
    const emuHost = new URL(info.url!).host;
    assert.ok(
      log.some((l) => l === `CONNECT ${emuHost}` || l === `GET ${issuer}/.well-known/openid-configuration`),
      log.join('\n'),
    );
    log.length = 0;
    const bypass = await runInProcess(['authorize-url', '--issuer', issuer, '--client-id', 'x'], {
      env: env({ HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '127.0.0.1' }),
    });
    assert.equal(bypass.code, 0, bypass.stderr);
    assert.deepEqual(log, []);
  });

  it('trusts a TLS authority only through NODE_EXTRA_CA_CERTS (Node reads it at start: a child process)', async (t) => {
    const tls = await startEmulator({ tls: true });
    t.after(() => tls.close());
    const info = tls.info as Record<string, string>;
    assert.ok(info.url!.startsWith('https://'));
    const args = [
      '--import',
      'tsx',
      'src/cli/bin.ts',
      'authorize-url',
      '--issuer',
      `${info.url}/${info.tenant_id}/v2.0`,
      '--client-id',
      'x',
    ];
    const base = { ...env(), PATH: process.env.PATH ?? '' };
    const without = await run(args, base);
    assert.equal(without.status, 6, without.stderr);
    assert.match(
      without.stderr,
      /^entra-token: error ENETWORK: connection to 127\.0\.0\.1:\d+ failed \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
    );
    const withCa = await run(args, { ...base, NODE_EXTRA_CA_CERTS: info.tls_ca_file! });
    assert.equal(withCa.status, 0, withCa.stderr);
    assert.ok(withCa.stdout.startsWith(`${info.url}/${info.tenant_id}/oauth2/v2.0/authorize?`));
  });
});
