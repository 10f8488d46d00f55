// docs/protocol.md §2.9: what every request says about the client, routing hints, and their redaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorForHomeAccount, anchorForUsername, withClientInfo } from '../../src/core/platform.js';
import { redactPiiHeader, redactPiiPath, redactUrl } from '../../src/core/redact.js';
import { toCurl } from '../../src/core/curl.js';
import { formPost } from '../../src/core/wire.js';

const P = { version: '0.1.0', os: 'darwin', cpu: 'arm64', node: '20.20.2' };
const UID = '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46';
const UTID = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';

test('§2.9 a form POST gets the User-Agent, a client-request-id asked back, and the library parameters once', () => {
  const req = withClientInfo(formPost('https://login.example/t/oauth2/v2.0/token', [['a', 'b']]), P, 'id-1');
  assert.deepEqual(req.headers, {
    'user-agent': 'entra-token/0.1.0 (Mac OS X; arm64) node/20.20.2',
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'client-request-id': 'id-1',
    'return-client-request-id': 'true',
  });
  assert.deepEqual(req.form, [
    ['a', 'b'],
    ['x-client-SKU', 'entra-token'],
    ['x-client-VER', '0.1.0'],
    ['x-client-OS', 'darwin'],
    ['x-client-CPU', 'arm64'],
  ]);
  assert.deepEqual(withClientInfo(req, P, 'id-2'), req, 'applied twice (a retry) changes nothing');
});

test('§2.9 a GET (Graph, Databricks, the realm) gets only the User-Agent; a caller-set User-Agent is kept', () => {
  const get = { method: 'GET' as const, url: 'https://graph.microsoft.com/v1.0/users', headers: {}, idempotent: true };
  assert.deepEqual(withClientInfo(get, P, 'x').headers, {
    'user-agent': 'entra-token/0.1.0 (Mac OS X; arm64) node/20.20.2',
  });
  const own = { ...get, headers: { 'user-agent': 'databricks-sdk' } };
  assert.deepEqual(withClientInfo(own, P, 'x').headers, { 'user-agent': 'databricks-sdk' });
});

test('§2.9 X-AnchorMailbox: Oid:<uid>@<utid> from a home account id, UPN:<username> for the password grant', () => {
  assert.equal(anchorForHomeAccount(`${UID}.${UTID}`), `Oid:${UID}@${UTID}`);
  assert.equal(anchorForHomeAccount('sub@issuer.example'), undefined, 'another provider: no anchor');
  assert.equal(anchorForHomeAccount(undefined), undefined);
  assert.equal(anchorForUsername('alice@contoso.com'), 'UPN:alice@contoso.com');
});

test('--redact-pii: the UPN anchor and the realm path hide who; Oid anchors and other paths stay', () => {
  // no run key installed in this process: the mark carries no hmac
  assert.equal(redactPiiHeader('X-AnchorMailbox', 'UPN:alice@contoso.com'), 'UPN:[pii]');
  assert.equal(redactPiiHeader('x-anchormailbox', `Oid:${UID}@${UTID}`), `Oid:${UID}@${UTID}`);
  assert.equal(redactPiiHeader('accept', 'alice@contoso.com'), 'alice@contoso.com');
  assert.equal(
    redactPiiPath('https://login.microsoftonline.com/common/userrealm/alice%40contoso.com'),
    'https://login.microsoftonline.com/common/userrealm/[pii]',
  );
  assert.equal(redactPiiPath('https://x/t/oauth2/v2.0/token'), 'https://x/t/oauth2/v2.0/token');
  const u = 'https://login.microsoftonline.com/common/userrealm/alice%40contoso.com?api-version=1.0';
  assert.equal(redactUrl(u), u, 'without --redact-pii the URL is kept as sent');
  assert.equal(redactUrl(u, { pii: true }), 'https://login.microsoftonline.com/common/userrealm/[pii]?api-version=1.0');
});

test('curl --redact-pii: the realm URL and the UPN anchor use $USERNAME, like the username field', () => {
  const realm = toCurl(
    {
      method: 'GET',
      url: 'https://login.microsoftonline.com/common/userrealm/alice%40contoso.com?api-version=1.0',
      headers: { accept: 'application/json' },
      idempotent: true,
    },
    { pii: true },
  );
  assert.equal(
    realm.command,
    `curl -sS -X GET "https://login.microsoftonline.com/common/userrealm/\${USERNAME}?api-version=1.0" \\\n  -H 'accept: application/json'`,
  );
  assert.deepEqual(realm.variables, ['USERNAME']);
  const post = toCurl(
    formPost('https://x/t/oauth2/v2.0/token', [['username', 'alice@contoso.com']], {
      'x-anchormailbox': 'UPN:alice@contoso.com',
    }),
    { pii: true },
  );
  assert.ok(post.command.includes(`-H "x-anchormailbox: UPN:$USERNAME"`), post.command);
  assert.equal(post.command.includes('alice@contoso.com'), false);
  assert.ok(toCurl(formPost('https://x/t', [], { 'x-anchormailbox': 'UPN:a@b.c' })).command.includes('UPN:a@b.c'));
});
