import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCurl } from '../../src/core/curl.js';

test('toCurl: secret form fields and headers come from <(printf …), never inline; other fields stay inline', () => {
  const { command, variables } = toCurl({
    method: 'POST',
    idempotent: false,
    url: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic aWQ6c2VjcmV0' },
    form: [
      ['client_id', 'c1'],
      ['code', '0.AXEA-code'],
    ],
  });
  assert.equal(
    command,
    [
      'curl -sS -X POST https://login.microsoftonline.com/t/oauth2/v2.0/token',
      "  -H 'content-type: application/x-www-form-urlencoded'",
      `  -H @<(printf 'authorization: Basic %s\\n' "$AUTHORIZATION")`,
      '  --data-urlencode client_id=c1',
      `  --data-urlencode code@<(printf '%s' "$CODE")`,
    ].join(' \\\n'),
  );
  assert.deepEqual(variables, ['AUTHORIZATION', 'CODE']);
});

test('toCurl: a secret query parameter leaves the URL: -G without a body, --url-query with one', () => {
  const get = toCurl({ method: 'GET', idempotent: true, url: 'https://h/api?page_token=abc&x=1', headers: {} });
  assert.equal(
    get.command,
    ["curl -sS -X GET 'https://h/api?x=1'", '  -G', `  --data-urlencode page_token@<(printf '%s' "$PAGE_TOKEN")`].join(
      ' \\\n',
    ),
  );
  const post = toCurl({ method: 'POST', idempotent: false, url: 'https://h/api?token=abc', headers: {}, body: '{}' });
  assert.equal(
    post.command,
    ['curl -sS -X POST https://h/api', `  --url-query token@<(printf '%s' "$TOKEN")`, "  --data '{}'"].join(' \\\n'),
  );
  assert.ok(!get.command.includes('abc') && !post.command.includes('abc'));
});
