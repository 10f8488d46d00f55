// Regression: a Location header that does not resolve against the request URL (`/\`, found by the property test
// "HAR-shaped documents with arbitrary entries always give a report", seed -1810023787) threw a TypeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditHar } from '../../../src/core/har-audit/index.js';

test('a Location of /\\ on an authorize request is not read as a redirect (no TypeError: Invalid URL)', () => {
  const entries = [
    {
      request: {
        url: 'https://login.microsoftonline.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/v2.0/authorize?client_id=6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&response_type=token',
      },
      response: { headers: [{ name: 'location', value: '/\\' }] },
    },
  ];
  const r = auditHar(JSON.stringify({ log: { version: '1.2', entries } }), { name: 'x.har' });
  assert.ok(Array.isArray(r.findings));
});
