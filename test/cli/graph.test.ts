import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { closeServer, listenLoopback } from '../../src/emulator/databricks.js';
import { createGraphServer, seedGraphUsers } from '../../src/emulator/graph.js';
import { runInProcess } from '../helpers/cli.js';
import { CONF_CLIENT, createMinter, DATABRICKS, type Minter, TENANT } from '../helpers/mint.js';

let minter: Minter;
let server: Server;
let graphUrl: string;

before(async () => {
  minter = await createMinter();
  server = createGraphServer({ tenantId: TENANT, keys: { getKey: minter.getKey } });
  graphUrl = await listenLoopback(server);
});
after(() => closeServer(server));

describe('entra-token graph users list', () => {
  test('prints a table of users', async () => {
    const r = await runInProcess(['graph', 'users', 'list', '--graph-url', graphUrl], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.graph() },
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +DISPLAY NAME +USER PRINCIPAL NAME +MAIL +JOB TITLE$/);
    assert.equal(lines.length, 1 + seedGraphUsers().length);
    assert.match(
      lines[3]!,
      /^3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46 +Alice Smith +alice@contoso\.com +alice@contoso\.com +Data Engineer$/,
    );
  });

  test('--page-size pages, --top stops, --output json; the Graph URL may come from ENTRA_TOKEN_GRAPH_URL', async () => {
    const r = await runInProcess(
      ['graph', 'users', 'list', '--page-size', '2', '--top', '5', '--output', 'json', '--token-stdin'],
      {
        env: { ENTRA_TOKEN_GRAPH_URL: graphUrl },
        stdin: `${await minter.graph()}\n`,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), seedGraphUsers().slice(0, 5));
  });

  test('an app without User.Read.All gets exit 9 and the admin-consent link', async () => {
    const r = await runInProcess(
      ['graph', 'users', 'list', '--graph-url', graphUrl, '--authority', `http://127.0.0.1:1/${TENANT}`],
      {
        env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.graph({ roles: undefined }) },
      },
    );
    assert.equal(r.code, 9);
    assert.equal(
      r.stderr,
      'entra-token: error EAPI: Microsoft Graph refused GET /v1.0/users (403): Authorization_RequestDenied: Insufficient privileges to complete the operation.\n' +
        `hint: grant the app the User.Read.All application permission (Microsoft Graph) and have an admin consent: http://127.0.0.1:1/${TENANT}/adminconsent?client_id=${CONF_CLIENT}; then get a new token\n`,
    );
  });

  test('a Databricks token is caught before sending (exit 7)', async () => {
    const r = await runInProcess(['graph', 'users', 'list', '--graph-url', graphUrl], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: await minter.app(DATABRICKS) },
    });
    assert.equal(r.code, 7);
    assert.match(
      r.stderr,
      /ECLAIM: the token's audience is "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", not Microsoft Graph\nhint: request a token with scope https:\/\/graph\.microsoft\.com\/\.default\n/,
    );
  });

  test('a bad --top or --page-size is a usage error', async () => {
    const r = await runInProcess(['graph', 'users', 'list', '--top', '0'], { env: { ENTRA_TOKEN_ACCESS_TOKEN: 'x' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--top must be a positive integer, got "0"/);
    const p = await runInProcess(['graph', 'users', 'list', '--page-size', '1000'], {
      env: { ENTRA_TOKEN_ACCESS_TOKEN: 'x' },
    });
    assert.equal(p.code, 2);
    assert.match(p.stderr, /--page-size must be an integer from 1 to 999, got "1000"/);
  });

  test('issue 23: --top 3 lists 3 users in one request ($top=3), not every user', async () => {
    const r = await runInProcess(
      ['graph', 'users', 'list', '--top', '3', '--output', 'json', '--token-stdin', '--trace'],
      {
        env: { ENTRA_TOKEN_GRAPH_URL: graphUrl },
        stdin: `${await minter.graph()}\n`,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), seedGraphUsers().slice(0, 3));
    assert.equal(r.stderr.match(/→ GET \S+\/v1\.0\/users/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /→ GET \S+\/v1\.0\/users\?\$top=3/);
  });
});
