import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { adminConsentUrl, listUsers, MAX_PAGES, MAX_USERS } from '../../src/apis/graph.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { closeServer, listenLoopback } from '../../src/emulator/databricks.js';
import { createGraphServer, seedGraphUsers } from '../../src/emulator/graph.js';
import { createHttpClient, NO_RETRY, type HttpClient } from '../../src/io/http.js';
import { CONF_CLIENT, createMinter, TENANT, type Minter } from '../helpers/mint.js';

let minter: Minter;
let server: Server;
let graphUrl: string;
let rogue: Server;
let rogueUrl: string;
let rogueHits = 0;
let http: HttpClient;
const send = (req: Parameters<HttpClient['send']>[0]) => http.send(req, { retry: NO_RETRY });

before(async () => {
  minter = await createMinter();
  server = createGraphServer({ tenantId: TENANT, keys: { getKey: minter.getKey } });
  graphUrl = await listenLoopback(server);
  // a "Graph" whose nextLink points at another host: the token must never be sent there
  rogue = createServer((_req, res) => {
    rogueHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        value: [{ id: '1' }],
        '@odata.nextLink': `${graphUrl.replace('127.0.0.1', 'localhost')}/v1.0/users?$skiptoken=x`,
      }),
    );
  });
  rogueUrl = await listenLoopback(rogue);
  http = createHttpClient({ env: {} });
});
after(async () => {
  await http.close();
  await closeServer(server);
  await closeServer(rogue);
});

describe('Graph listUsers', () => {
  test('follows @odata.nextLink through every page', async () => {
    const users = await listUsers({ token: await minter.graph(), send, graphUrl, top: 2 });
    assert.deepEqual(users, seedGraphUsers());
  });

  test('max stops early', async () => {
    const users = await listUsers({ token: await minter.graph(), send, graphUrl, top: 2, max: 3 });
    assert.equal(users.length, 3);
  });

  test('paging is bounded: endless empty pages stop at maxPages with one clear message', async () => {
    let hits = 0;
    const endless = createServer((req, res) => {
      hits++;
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('$skiptoken') ?? '0');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: [], '@odata.nextLink': `${endlessUrl}/v1.0/users?$skiptoken=${n + 1}` }));
    });
    const endlessUrl = await listenLoopback(endless);
    try {
      await assert.rejects(listUsers({ token: 't', send, graphUrl: endlessUrl, maxPages: 30 }), (e: unknown) => {
        assert.ok(e instanceof EntraTokenError);
        assert.equal(e.code, 'EBAD_RESPONSE');
        assert.equal(e.message, 'Graph kept paging past 30 pages (@odata.nextLink); stopping');
        return true;
      });
      assert.equal(hits, 30);
      assert.equal(MAX_PAGES, 5_000);
      assert.equal(MAX_USERS, 100_000);
    } finally {
      await closeServer(endless);
    }
  });

  test('a nextLink to another host is refused before the token is sent there', async () => {
    await assert.rejects(listUsers({ token: 't', send, graphUrl: rogueUrl }), (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(e.code, 'EBAD_RESPONSE');
      assert.match(
        e.message,
        /nextLink points to localhost:\d+, not 127\.0\.0\.1:\d+; refusing to send the token there/,
      );
      return true;
    });
    assert.equal(rogueHits, 1);
  });

  test('403 Authorization_RequestDenied hints at User.Read.All and the admin-consent URL', async () => {
    const token = await minter.graph({ roles: undefined });
    await assert.rejects(listUsers({ token, send, graphUrl }), (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(e.code, 'EAPI');
      assert.equal(
        e.message,
        'Microsoft Graph refused GET /v1.0/users (403): Authorization_RequestDenied: Insufficient privileges to complete the operation.',
      );
      assert.equal(
        e.hint,
        `grant the app the User.Read.All application permission (Microsoft Graph) and have an admin consent: https://login.microsoftonline.com/${TENANT}/adminconsent?client_id=${CONF_CLIENT}; then get a new token`,
      );
      return true;
    });
  });

  test('the consent URL uses a given authority', () => {
    assert.equal(adminConsentUrl('http://127.0.0.1:5/t/', 'c'), 'http://127.0.0.1:5/t/adminconsent?client_id=c');
  });

  test('401 for an expired token says to get a new one', async () => {
    const token = await minter.graph({}, { nowSec: 1000 });
    await assert.rejects(listUsers({ token, send, graphUrl }), (e: unknown) => {
      assert.ok(e instanceof EntraTokenError);
      assert.equal(
        e.message,
        'Microsoft Graph refused GET /v1.0/users (401): InvalidAuthenticationToken: Access token has expired or is not yet valid.',
      );
      assert.equal(e.hint, 'the access token has expired: get a new one');
      return true;
    });
  });

  test('an out-of-range top is a usage error naming the parameter (the library has no --top)', async () => {
    await assert.rejects(
      listUsers({ token: 't', send, graphUrl, top: 1000 }),
      /^EntraTokenError: `top` must be an integer from 1 to 999, got 1000$/,
    );
  });
});
