import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { EntraTokenError } from '../../src/core/errors.js';
import { startMetadataServer, type MetadataServer } from '../../src/io/metadata-server.js';

const HOST = 'https://adb-1234567890123456.7.azuredatabricks.net';
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiIyZmY4MTRhNi0zMzA0LTRhYjgtODVjYi1jZDBlNmY4NzljMWQifQ.c2ln';
const EXPIRES = 1_900_000_000_000;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(
  server: MetadataServer,
  opts: { path?: string; headers?: Record<string, string | undefined>; method?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  const given = {
    Host: `127.0.0.1:${server.port}`,
    'X-Databricks-Metadata-Version': '1',
    'X-Databricks-Host': HOST,
    ...opts.headers,
  };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) headers[k] = v;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: opts.path ?? new URL(server.url).pathname,
        method: opts.method ?? 'GET',
        headers,
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('metadata server on loopback', () => {
  let server: MetadataServer;
  const lines: string[] = [];
  let failWith: Error | undefined;

  before(async () => {
    server = await startMetadataServer({
      host: HOST,
      token: async () => {
        if (failWith) throw failWith;
        return { access_token: TOKEN, expires_at: EXPIRES };
      },
      onRequest: (l) => lines.push(l),
    });
  });
  after(() => server.close());

  it('listens on 127.0.0.1 at a 256-bit random path and serves the token to an SDK-shaped request', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}$/);
    const r = await get(server);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(r.body), { access_token: TOKEN, token_type: 'Bearer', expires_on: 1_900_000_000 });
  });

  it('a second server gets another path', async () => {
    const other = await startMetadataServer({ host: HOST, token: async () => ({ access_token: 'x', expires_at: 0 }) });
    try {
      assert.notEqual(new URL(other.url).pathname, new URL(server.url).pathname);
    } finally {
      await other.close();
    }
  });

  const attacks: Array<[string, Parameters<typeof get>[1], number, string]> = [
    ['wrong Host header (DNS rebinding)', { headers: { Host: 'attacker.example:80' } }, 421, 'misdirected_request'],
    ['[::1] as Host', { headers: { Host: '[::1]:1' } }, 421, 'misdirected_request'],
    ['wrong path', { path: '/guess' }, 404, 'not_found'],
    ['missing version', { headers: { 'X-Databricks-Metadata-Version': undefined } }, 400, 'bad_version'],
    ['unknown version', { headers: { 'X-Databricks-Metadata-Version': '2' } }, 400, 'bad_version'],
    [
      'another workspace host',
      { headers: { 'X-Databricks-Host': 'https://adb-2.3.azuredatabricks.net' } },
      403,
      'host_mismatch',
    ],
    ['a browser Origin', { headers: { Origin: 'https://attacker.example' } }, 403, 'cross_origin'],
    ['a POST', { method: 'POST' }, 405, 'method_not_allowed'],
  ];
  for (const [name, opts, status, error] of attacks) {
    it(`refuses ${name} with ${status} and no token`, async () => {
      const r = await get(server, opts);
      assert.equal(r.status, status);
      assert.equal(JSON.parse(r.body).error, error);
      assert.ok(!r.body.includes(TOKEN));
      if (status === 405) assert.equal(r.headers.allow, 'GET');
    });
  }

  it('is not reachable on [::1] at all', async (t) => {
    const code = await new Promise<string>((resolve) => {
      const s = connect({ host: '::1', port: server.port });
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') t.diagnostic(`no IPv6 loopback here (${code})`);
    assert.notEqual(code, 'connected');
  });

  it('answers 503 with the error code when no token can be had', async () => {
    failWith = new EntraTokenError(
      'EINTERACTION_REQUIRED',
      'no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
    );
    try {
      const r = await get(server);
      assert.equal(r.status, 503);
      assert.deepEqual(JSON.parse(r.body), {
        error: 'token_unavailable',
        error_description:
          'EINTERACTION_REQUIRED: no cached sign-in for scope 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
      });
    } finally {
      failWith = undefined;
    }
  });

  it('reports every request in one line without the secret path or the token', () => {
    const secret = new URL(server.url).pathname.slice(1);
    assert.ok(lines.length >= 10);
    for (const l of lines) {
      assert.ok(!l.includes(secret), l);
      assert.ok(!l.includes(TOKEN), l);
    }
    assert.equal(
      lines[0],
      `metadata request "GET" → 200 served, X-Databricks-Host "${HOST}", token expires 2030-03-17T17:46:40.000Z`,
    );
  });

  it('answers the real Databricks JS SDK (its metadata-service credential), and refuses it for another host', async () => {
    const { Config } = await import('@databricks/sdk-experimental');
    const cfg = new Config({ host: HOST, metadataServiceUrl: server.url, authType: 'metadata-service' });
    const headers = new Headers();
    await cfg.authenticate(headers);
    assert.equal(headers.get('Authorization'), `Bearer ${TOKEN}`);
    const foreign = new Config({
      host: 'https://adb-2.3.azuredatabricks.net',
      metadataServiceUrl: server.url,
      authType: 'metadata-service',
    });
    await assert.rejects(foreign.authenticate(new Headers()), /token parse: invalid token/);
  });
});
