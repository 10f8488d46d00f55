// core/audit: a recorded trace turned into what may be shown — secrets replaced by a length and a hash prefix,
// the rest kept, and the result stable when redacted again (docs/protocol.md §17 on what a HAR holds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactTrace, type AuditEvent } from '../../src/core/audit.js';

const SECRET = 'Abc8Q~ZxSuperSecretValue0123456789';
const CODE = '0.AXEAqMPxcp5bJ02cYQ6PSittAuthorizationCode';
const REFRESH = '0.AXEArefreshTokenValue-abcdefghijklmnop';

const events: AuditEvent[] = [
  { type: 'step', at: 1, name: 'Redeem code' },
  {
    type: 'front',
    at: 2,
    direction: 'receive',
    url: `http://localhost/?code=${CODE}&state=s-123&session_state=x`,
    via: 'listener',
  },
  {
    type: 'exchange',
    at: 3,
    channel: 'back',
    request: {
      method: 'POST',
      url: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      form: [
        ['grant_type', 'authorization_code'],
        ['code', CODE],
        ['client_secret', SECRET],
      ],
    },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, refresh_token: REFRESH }),
    },
    durationMs: 5,
    attempt: 1,
  },
];

test('no secret survives in any form; what is not secret stays', () => {
  const text = JSON.stringify(redactTrace(events));
  for (const s of [SECRET, CODE, REFRESH]) assert.ok(!text.includes(s), `a secret of ${s.length} chars is left`);
  assert.match(text, /grant_type/);
  assert.match(text, /authorization_code/);
  assert.match(text, /s-123/);
  assert.match(text, /3599/);
});

test('redacting twice gives the same events, and the input is not modified', () => {
  const before = JSON.stringify(events);
  const once = redactTrace(events);
  assert.deepEqual(redactTrace(once), once);
  assert.equal(JSON.stringify(events), before);
});

test('reveal keeps the secrets (--trace-secrets)', () => {
  const text = JSON.stringify(redactTrace(events, { reveal: true }));
  assert.ok(text.includes(SECRET));
});
