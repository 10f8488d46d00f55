import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeServer,
  createWorkspaceServer,
  defaultPrincipals,
  DEFAULT_RESOURCE_ID,
  listenLoopback,
  seedClusters,
} from '../../src/emulator/databricks.js';
import { runInProcess } from '../helpers/cli.js';
import { CONF_CLIENT, createMinter, DATABRICKS, MANAGEMENT, type Minter, TENANT } from '../helpers/mint.js';

let minter: Minter;
let server: Server;
let host: string;
let dir: string;

before(async () => {
  minter = await createMinter();
  server = createWorkspaceServer({
    tenantId: TENANT,
    keys: { getKey: minter.getKey },
    principals: defaultPrincipals({ confidentialClientId: CONF_CLIENT }),
  });
  host = await listenLoopback(server);
  dir = await mkdtemp(join(tmpdir(), 'entra-token-dbx-'));
});
after(async () => {
  await closeServer(server);
  await rm(dir, { recursive: true, force: true });
});

describe('entra-token databricks clusters list', () => {
  test('prints a table of id, name, state, runtime, node type and creator', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', `${host}/`], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[0]!, /^CLUSTER ID +NAME +STATE +RUNTIME +NODE TYPE +CREATOR$/);
    assert.match(
      lines[1]!,
      /^0103-141523-abcd1234 +etl-shared +RUNNING +15\.4\.x-scala2\.12 +Standard_DS3_v2 +alice@contoso\.com$/,
    );
    assert.equal(r.stderr, '');
  });

  test('--output json prints every cluster of every 2.1 page; the token may come as a token response on stdin', async () => {
    const stdin = JSON.stringify({
      token_type: 'Bearer',
      access_token: await minter.user(DATABRICKS),
      expires_in: 3599,
    });
    const r = await runInProcess(
      ['databricks', 'clusters', 'list', '--host', host, '--output', 'json', '--page-size', '2', '--token-stdin'],
      { stdin },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), seedClusters());
  });

  test('--api-version 2.0 uses the unpaged API', async () => {
    const r = await runInProcess(
      ['databricks', 'clusters', 'list', '--host', host, '--api-version', '2.0', '--output', 'json'],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).length, 5);
  });

  test('DATABRICKS_HOST is used when --host is absent', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--output', 'json'], {
      env: { DATABRICKS_HOST: host, ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
    });
    assert.equal(r.code, 0, r.stderr);
  });

  test('no token anywhere (stdin, environment, cache) is interaction required (exit 5) naming the sign-in command', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', host], {
      env: { ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')) },
    });
    assert.equal(r.code, 5);
    assert.match(
      r.stderr,
      /^entra-token: error EINTERACTION_REQUIRED: no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default\nhint: sign in first: entra-token login /,
    );
  });

  test('no host is a usage error', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list'], { env: { ENTRA_TOKEN_ACCESS_TOKEN: 'x' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^entra-token: error EUSAGE: no workspace host\n/);
  });

  test('plain http to a non-loopback workspace is refused (exit 8) before anything is sent', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', 'http://adb-1.2.azuredatabricks.net'], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: 'x' },
    });
    assert.equal(r.code, 8);
    assert.match(r.stderr, /EINSECURE: refusing plain http to non-loopback host adb-1\.2\.azuredatabricks\.net/);
  });

  test('an expired token is caught before sending (exit 7 ECLAIM)', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', host], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS, {}, { nowSec: 1000 }) },
    });
    assert.equal(r.code, 7);
    assert.match(
      r.stderr,
      /^entra-token: error ECLAIM: the token expired \d+ s ago\nhint: get a new access token \(refresh, or sign in again\)\n$/,
    );
  });

  test('a Graph token is caught before sending with the Databricks scope as the fix', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', host], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.graph() },
    });
    assert.equal(r.code, 7);
    assert.match(r.stderr, /audience is "00000003-0000-0000-c000-000000000000", not Azure Databricks/);
    assert.match(r.stderr, /hint: request a token with scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d\/\.default/);
  });

  test('with --skip-token-checks the workspace refusal is reported as EAPI (exit 9)', async () => {
    const r = await runInProcess(['databricks', 'clusters', 'list', '--host', host, '--skip-token-checks'], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS, {}, { nowSec: 1000 }) },
    });
    assert.equal(r.code, 9);
    assert.equal(
      r.stderr,
      'entra-token: warning: --skip-token-checks: sending the token without checking its audience, lifetime or tenant\n' +
        'entra-token: error EAPI: Databricks refused GET /api/2.1/clusters/list (403): JWT has expired\n' +
        'hint: the access token has expired (or has less than 30 s left): get a new token and try again\n',
    );
  });

  test('the service principal is told to pass --resource-id and --sp-management-token, and succeeds with them', async () => {
    const env = { ENTRA_TOKEN_ACCESS_TOKEN: await minter.app(DATABRICKS) };
    const refused = await runInProcess(['databricks', 'clusters', 'list', '--host', host], { env });
    assert.equal(refused.code, 9);
    assert.match(
      refused.stderr,
      /EAPI: Databricks refused GET \/api\/2\.1\/clusters\/list \(403\): User not authorized\.\nhint: .*pass --resource-id and --sp-management-token/,
    );
    const mgmtFile = join(dir, 'mgmt.jwt');
    await writeFile(mgmtFile, `${await minter.app(MANAGEMENT)}\n`, { mode: 0o600 });
    const ok = await runInProcess(
      [
        'databricks',
        'clusters',
        'list',
        '--host',
        host,
        '--output',
        'json',
        '--subscription',
        '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
        '--resource-group',
        'RG-DATA',
        '--workspace',
        'dbw-prod',
        '--sp-management-token',
        `@${mgmtFile}`,
      ],
      { env },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).length, 5);
  });

  test('a malformed --resource-id is a usage error', async () => {
    const r = await runInProcess(
      ['databricks', 'clusters', 'list', '--host', host, '--resource-id', '/subscriptions/x'],
      { env: { ENTRA_TOKEN_ACCESS_TOKEN: 'x' } },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: not a Databricks workspace resource id: "\/subscriptions\/x"/);
  });
});

describe('entra-token databricks api', () => {
  test('GET with --data sends query parameters and prints the JSON answer', async () => {
    const r = await runInProcess(
      ['databricks', 'api', 'get', '/api/2.1/clusters/list', '--host', host, '--data', '{"page_size":1}'],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.clusters.length, 1);
    assert.notEqual(body.next_page_token, '');
  });

  test('--data @file is read relative to the working directory', async () => {
    const f = join(dir, 'q.json');
    await writeFile(f, '{"page_size": 4}');
    const r = await runInProcess(
      ['databricks', 'api', 'GET', '/api/2.1/clusters/list', '--host', host, '--data', `@${f}`],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).clusters.length, 4);
  });

  test('an unknown endpoint is EAPI ENDPOINT_NOT_FOUND with a hint', async () => {
    const r = await runInProcess(
      ['databricks', 'api', 'POST', '/api/2.0/clusters/explode', '--host', host, '--data', '{"cluster_id":"x"}'],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.user(DATABRICKS) },
      },
    );
    assert.equal(r.code, 9);
    assert.equal(
      r.stderr,
      "entra-token: error EAPI: Databricks refused POST /api/2.0/clusters/explode (404): ENDPOINT_NOT_FOUND: No API found for 'POST /clusters/explode'\n" +
        'hint: check the API path and version, e.g. /api/2.1/clusters/list\n',
    );
  });

  test('a bad method and non-JSON --data are usage errors', async () => {
    const env = { ENTRA_TOKEN_ACCESS_TOKEN: 'x' };
    const a = await runInProcess(['databricks', 'api', 'TRACE', '/api/2.0/x', '--host', host], { env });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unsupported method "TRACE"/);
    const b = await runInProcess(['databricks', 'api', 'POST', '/api/2.0/x', '--host', host, '--data', '{nope'], {
      env,
    });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /EBAD_INPUT: --data is not JSON/);
  });

  test('the workspace admin passes the resource id from DATABRICKS_AZURE_RESOURCE_ID', async () => {
    const token = await minter.user(DATABRICKS, {
      upn: 'admin@contoso.com',
      unique_name: 'admin@contoso.com',
      oid: 'adm',
    });
    const without = await runInProcess(['databricks', 'api', 'GET', '/api/2.0/clusters/list', '--host', host], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: token },
    });
    assert.equal(without.code, 9);
    assert.match(without.stderr, /hint: this identity is not a user of the workspace: .*pass --resource-id/);
    const withEnv = await runInProcess(['databricks', 'api', 'GET', '/api/2.0/clusters/list', '--host', host], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: token, DATABRICKS_AZURE_RESOURCE_ID: DEFAULT_RESOURCE_ID },
    });
    assert.equal(withEnv.code, 0, withEnv.stderr);
  });
});
