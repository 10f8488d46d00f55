import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  childEnvironment,
  describeRequest,
  exportLines,
  judgeMetadataRequest,
  loopbackHostHeader,
  metadataEnv,
  metadataTokenBody,
  needsRenewal,
  pathMatches,
  shellQuote,
  stillServable,
  workspaceOrigin,
  type MetadataRequest,
  type MetadataSession,
} from '../../src/core/metadata-service.js';

const HOST = 'https://adb-1234567890123456.7.azuredatabricks.net';
const SESSION: MetadataSession = { host: HOST, path: '/Qm9vbGVhbi1zZWNyZXQtcGF0aC0xMjM0NTY3ODkw', port: 40123 };

function req(over: Partial<MetadataRequest> & { headers?: MetadataRequest['headers'] } = {}): MetadataRequest {
  return {
    method: 'GET',
    target: SESSION.path,
    ...over,
    headers: {
      host: '127.0.0.1:40123',
      'x-databricks-metadata-version': '1',
      'x-databricks-host': HOST,
      ...over.headers,
    },
  };
}

describe('judgeMetadataRequest', () => {
  it('serves a request from an SDK: right Host, path, version and workspace host', () => {
    assert.deepEqual(judgeMetadataRequest(req(), SESSION), { kind: 'serve' });
    assert.deepEqual(judgeMetadataRequest(req({ headers: { host: 'localhost:40123' } }), SESSION), { kind: 'serve' });
    // the Go SDK sends the host as configured; the JS SDK as https://<hostname>
    assert.deepEqual(
      judgeMetadataRequest(
        req({ headers: { 'x-databricks-host': `${HOST.toUpperCase().replace('HTTPS', 'https')}/` } }),
        SESSION,
      ),
      { kind: 'serve' },
    );
  });

  it('refuses a foreign Host header with 421 before looking at the path (DNS rebinding)', () => {
    for (const host of ['evil.example:40123', '127.0.0.1:40124', '[::1]:40123', '127.0.0.2:40123', undefined]) {
      const v = judgeMetadataRequest(req({ headers: { host } }), SESSION);
      assert.equal(v.kind, 'refuse');
      assert.equal(v.kind === 'refuse' && v.status, 421, String(host));
      assert.equal(v.kind === 'refuse' && v.error, 'misdirected_request');
    }
  });

  it('refuses any request carrying Origin (a web page) with 403', () => {
    const v = judgeMetadataRequest(req({ headers: { origin: 'https://evil.example' } }), SESSION);
    assert.deepEqual(v, {
      kind: 'refuse',
      status: 403,
      error: 'cross_origin',
      description: 'requests from web pages are refused',
    });
    // the CORS preflight of a cross-origin fetch is refused the same way
    const pre = judgeMetadataRequest(req({ method: 'OPTIONS', headers: { origin: 'null' } }), SESSION);
    assert.equal(pre.kind === 'refuse' && pre.status, 403);
  });

  it('refuses other methods with 405 and a wrong path with 404', () => {
    assert.equal((judgeMetadataRequest(req({ method: 'POST' }), SESSION) as { status: number }).status, 405);
    for (const target of [
      '/',
      '/Qm9vbGVhbi1zZWNyZXQtcGF0aC0xMjM0NTY3ODkx',
      `${SESSION.path}/`,
      `${SESSION.path}x`,
      '',
    ]) {
      const v = judgeMetadataRequest(req({ target }), SESSION);
      assert.deepEqual(v, { kind: 'refuse', status: 404, error: 'not_found', description: 'not found' }, target);
    }
    // a query string does not change the path
    assert.deepEqual(judgeMetadataRequest(req({ target: `${SESSION.path}?x=1` }), SESSION), { kind: 'serve' });
  });

  it('refuses a missing or unknown version with 400 (the protocol asks for a 4xx)', () => {
    const missing = judgeMetadataRequest(req({ headers: { 'x-databricks-metadata-version': undefined } }), SESSION);
    assert.deepEqual(missing, {
      kind: 'refuse',
      status: 400,
      error: 'bad_version',
      description: 'the X-Databricks-Metadata-Version header is missing (this server speaks 1)',
    });
    for (const v of ['2', '0', '', '1.0', ['1', '1']]) {
      const r = judgeMetadataRequest(req({ headers: { 'x-databricks-metadata-version': v } }), SESSION);
      assert.equal(r.kind === 'refuse' && r.status, 400, JSON.stringify(v));
    }
  });

  it('refuses another workspace host with 403 and a missing one with 400', () => {
    for (const other of [
      'https://adb-999.7.azuredatabricks.net',
      'http://adb-1234567890123456.7.azuredatabricks.net',
      'https://adb-1234567890123456.7.azuredatabricks.net:8443',
      'https://adb-1234567890123456.7.azuredatabricks.net.evil.example',
      'not a url',
    ]) {
      const v = judgeMetadataRequest(req({ headers: { 'x-databricks-host': other } }), SESSION);
      assert.deepEqual(
        v,
        {
          kind: 'refuse',
          status: 403,
          error: 'host_mismatch',
          description: `this server serves tokens for ${HOST} only`,
        },
        other,
      );
    }
    const none = judgeMetadataRequest(req({ headers: { 'x-databricks-host': undefined } }), SESSION);
    assert.equal(none.kind === 'refuse' && none.status, 400);
  });
});

describe('pieces', () => {
  it('pathMatches compares exactly (any length, any first difference)', () => {
    assert.equal(pathMatches('/abc', '/abc'), true);
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => pathMatches(a, b) === (a === b)),
      { numRuns: 500 },
    );
  });

  it('loopbackHostHeader accepts only 127.0.0.1 and localhost on the port', () => {
    assert.equal(loopbackHostHeader('LOCALHOST:80', 80), true);
    assert.equal(loopbackHostHeader('127.0.0.1', 80), false);
    assert.equal(loopbackHostHeader('localhost.:80', 80), false);
  });

  it('workspaceOrigin normalizes what SDKs and users write', () => {
    assert.equal(workspaceOrigin('adb-1.2.azuredatabricks.net'), 'https://adb-1.2.azuredatabricks.net');
    assert.equal(workspaceOrigin('https://ADB-1.2.azuredatabricks.net/?o=1#x'), 'https://adb-1.2.azuredatabricks.net');
    assert.equal(workspaceOrigin('https://adb-1.2.azuredatabricks.net:443'), 'https://adb-1.2.azuredatabricks.net');
    assert.equal(workspaceOrigin('ftp://x'), undefined);
    assert.equal(workspaceOrigin('https://u:p@x'), undefined);
    assert.equal(workspaceOrigin(''), undefined);
  });

  it('the token body has expires_on in epoch seconds as a JSON number', () => {
    assert.equal(
      metadataTokenBody('eyJ.a.b', 1_780_000_000_999),
      '{"access_token":"eyJ.a.b","token_type":"Bearer","expires_on":1780000000}',
    );
  });

  it('renews when the source says, else 5 minutes ahead, and serves a token that has more than a minute left', () => {
    const now = 1_000_000_000_000;
    assert.equal(needsRenewal({ access_token: 't', expires_at: now + 5 * 60_000 + 1 }, now), false);
    assert.equal(needsRenewal({ access_token: 't', expires_at: now + 5 * 60_000 }, now), true);
    assert.equal(needsRenewal({ access_token: 't', expires_at: now + 60 * 60_000, renew_at: now }, now), true);
    assert.equal(needsRenewal({ access_token: 't', expires_at: now + 60 * 60_000, renew_at: now + 1 }, now), false);
    assert.equal(stillServable(now + 60_001, now), true);
    assert.equal(stillServable(now + 60_000, now), false);
  });

  it('export lines quote every value for a POSIX shell', () => {
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
    const env = metadataEnv(
      { ...SESSION, resourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Databricks/workspaces/w' },
      'http://127.0.0.1:40123/p',
    );
    assert.deepEqual(exportLines(env), [
      `export DATABRICKS_HOST='${HOST}'`,
      `export DATABRICKS_AUTH_TYPE='metadata-service'`,
      `export DATABRICKS_METADATA_SERVICE_URL='http://127.0.0.1:40123/p'`,
      `export DATABRICKS_AZURE_RESOURCE_ID='/subscriptions/s/resourceGroups/r/providers/Microsoft.Databricks/workspaces/w'`,
    ]);
  });

  it('childEnvironment removes competing credentials, keeps ARM_*, and names what it changed', () => {
    const r = childEnvironment(
      {
        PATH: '/bin',
        DATABRICKS_TOKEN: 'dapi0123',
        DATABRICKS_CLIENT_SECRET: 's',
        ARM_CLIENT_SECRET: 'kept',
        DATABRICKS_HOST: 'https://other.azuredatabricks.net',
        DATABRICKS_AUTH_TYPE: 'metadata-service',
        UNSET: undefined,
      },
      metadataEnv(SESSION, 'http://127.0.0.1:40123/p'),
    );
    assert.deepEqual(r.removed, ['DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_SECRET']);
    assert.deepEqual(r.replaced, ['DATABRICKS_HOST']);
    assert.deepEqual(r.env, {
      PATH: '/bin',
      ARM_CLIENT_SECRET: 'kept',
      DATABRICKS_HOST: HOST,
      DATABRICKS_AUTH_TYPE: 'metadata-service',
      DATABRICKS_METADATA_SERVICE_URL: 'http://127.0.0.1:40123/p',
    });
  });

  it('describeRequest never contains the path and escapes what the client sent', () => {
    const line = describeRequest(
      req({ headers: { 'x-databricks-host': 'https://x\nforged line', host: 'evil:1' } }),
      421,
      'misdirected_request',
    );
    assert.equal(
      line,
      'metadata request "GET" → 421 misdirected_request, Host "evil:1", X-Databricks-Host "https://x\\nforged line"',
    );
    assert.ok(!line.includes(SESSION.path.slice(1)));
  });
});
