import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loopbackRedirect } from '../../src/flows/login.js';
import type { EntraTokenError } from '../../src/core/errors.js';

describe('loopbackRedirect', () => {
  it('defaults to http://localhost, advertised without a path, on an ephemeral port', () => {
    assert.deepEqual(loopbackRedirect(undefined, undefined), { host: 'localhost', path: '/', port: 0, bare: true });
  });
  it('keeps the registered path and takes a fixed port from the URI or --port', () => {
    assert.deepEqual(loopbackRedirect('http://localhost:8400/callback', undefined), {
      host: 'localhost',
      path: '/callback',
      port: 8400,
      bare: false,
    });
    assert.deepEqual(loopbackRedirect('http://127.0.0.1/', 9000), {
      host: '127.0.0.1',
      path: '/',
      port: 9000,
      bare: false,
    });
    assert.deepEqual(loopbackRedirect('http://[::1]:8400', undefined), {
      host: '[::1]',
      path: '/',
      port: 8400,
      bare: true,
    });
  });
  it('refuses https, other hosts, a query, and a conflicting --port with EUSAGE', () => {
    for (const [uri, port] of [
      ['https://localhost', undefined],
      ['http://localhost.evil.example', undefined],
      ['http://localhost/?x=1', undefined],
      ['http://localhost:1', 2],
    ] as const) {
      assert.throws(
        () => loopbackRedirect(uri, port),
        (e: EntraTokenError) => e.code === 'EUSAGE',
        uri,
      );
    }
  });
});
