/**
 * Every audit rule on a capture built to trigger it, and the well-built capture that triggers none:
 * rule id, severity, the entry it points at and the exact message.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auditHar, RULES, type AuditReport } from '../../../src/core/har-audit/index.js';
import {
  accessToken,
  APP,
  AS,
  authorizeUrl,
  CHALLENGE,
  CLIENT,
  DATABRICKS,
  GOOD_STATE,
  har,
  idToken,
  TENANT,
  TOKEN,
  type EntrySpec,
} from './builder.js';

const good = (extra: Record<string, string> = {}) =>
  authorizeUrl({
    response_type: 'code',
    scope: `${DATABRICKS}/.default openid profile offline_access`,
    state: GOOD_STATE,
    nonce: 'n-0S6_WzA2Mj',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });

const CODE = '0.AXEAqMPxcp5bJ02cYQ6PSitt-secret-code-value-0123456789';

/** A clean sign-in of a server-side web app: authorize, redirect with code, callback that redirects away. */
function wellBuilt(extra: Record<string, string> = {}): EntrySpec[] {
  const url = good(extra);
  const state = new URL(url).searchParams.get('state') ?? '';
  return [
    { url, status: 200, resBody: '<html>sign in</html>' },
    {
      url: `${AS}/${TENANT}/login`,
      form: { login: 'alice@contoso.com', passwd: 'Alice-P@ssw0rd!' },
      resHeaders: { location: `${APP}/callback?code=${CODE}&state=${encodeURIComponent(state)}&session_state=abc` },
    },
    {
      url: `${APP}/callback?code=${CODE}&state=${encodeURIComponent(state)}&session_state=abc`,
      resHeaders: { location: `${APP}/home` },
    },
    { url: `${APP}/home`, headers: { referer: `${AS}/` }, resBody: '<html>hello</html>' },
  ];
}

function audit(specs: EntrySpec[], creator?: string): AuditReport {
  return auditHar(har(specs, creator), { name: 'test.har' });
}

const ids = (r: AuditReport) => r.findings.map((f) => `${f.severity} ${f.rule}`);
const only = (r: AuditReport, rule: string) => r.findings.filter((f) => f.rule === rule);

describe('audit rules', () => {
  it('a well-built code flow (PKCE S256, state, nonce, https redirect) has no findings at all', () => {
    const r = audit(wellBuilt());
    assert.deepEqual(ids(r), []);
    assert.equal(r.flows.length, 1);
    assert.equal(r.flows[0]!.client_id, CLIENT);
    assert.deepEqual(
      r.flows[0]!.steps.map((s) => s.kind),
      ['authorize', 'auth-response', 'callback'],
    );
  });

  it('every rule has an id, a severity, a why, a fix and at least one https source', () => {
    const seen = new Set<string>();
    for (const rule of RULES) {
      assert.match(rule.id, /^[a-z0-9-]+$/);
      assert.ok(!seen.has(rule.id), `duplicate ${rule.id}`);
      seen.add(rule.id);
      assert.ok(rule.why.length > 20 && rule.fix.length > 20, rule.id);
      assert.ok(rule.sources.length > 0 && rule.sources.every((s) => s.url.startsWith('https://')), rule.id);
    }
  });

  it('implicit-grant and token-in-url: response_type=id_token token with the access token in the fragment', () => {
    const at = accessToken({ aud: 'https://graph.microsoft.com', scp: 'User.Read' });
    const url = authorizeUrl({
      response_type: 'id_token token',
      response_mode: 'fragment',
      scope: 'openid https://graph.microsoft.com/User.Read',
      state: GOOD_STATE,
      nonce: 'n-0S6_WzA2Mj',
    });
    const r = audit([
      {
        url,
        resHeaders: {
          location: `${APP}/callback#access_token=${at}&token_type=Bearer&id_token=${idToken()}&state=${GOOD_STATE}`,
        },
      },
    ]);
    assert.deepEqual(ids(r), ['high implicit-grant', 'high token-in-url']);
    assert.equal(
      only(r, 'implicit-grant')[0]!.message,
      'response_type=id_token token asks for an access token in the authorization response (fragment)',
    );
    assert.equal(
      only(r, 'token-in-url')[0]!.message,
      `access_token in the fragment of the redirect to ${APP}/callback`,
    );
    assert.deepEqual(
      r.tokens.map((t) => [t.entry, t.field, t.kind]),
      [
        [1, 'access_token', 'access'],
        [1, 'id_token', 'id'],
      ],
    );
    assert.match(r.tokens[0]!.verdict, /^Microsoft Graph access token \(v1\) for alice@contoso\.com/);
    assert.ok(!JSON.stringify(r).includes(at), 'the access token itself is never in the report');
  });

  it('token-in-url: an access_token in the query of an API call', () => {
    const at = accessToken();
    const r = audit([{ url: `https://adb-1.azuredatabricks.net/api/2.0/clusters/list?access_token=${at}` }]);
    assert.deepEqual(ids(r), ['high token-in-url']);
    assert.match(
      only(r, 'token-in-url')[0]!.message,
      /^access_token in the query of GET https:\/\/adb-1\.azuredatabricks\.net\/api\/2\.0\/clusters\/list\?access_token=eyJ0eX…\[\d+ chars(?: (?:sha256|hmac):[0-9a-f]{8})?\]$/,
    );
  });

  it('pkce-missing is medium for a code redeemed elsewhere (a server) and high for a public client redeeming it', () => {
    const noPkce = wellBuilt({ code_challenge: '', code_challenge_method: '' }).map((s, i) =>
      i === 0 ? { ...s, url: s.url.replace(/&code_challenge=&code_challenge_method=/, '') } : s,
    );
    const r = audit(noPkce);
    assert.deepEqual(ids(r), ['medium pkce-missing']);
    assert.equal(
      only(r, 'pkce-missing')[0]!.message,
      'response_type=code without code_challenge; the code is redeemed outside this capture (a server), so it is not bound to this authorization request',
    );
    const spa = audit([
      ...noPkce,
      {
        url: TOKEN,
        headers: { origin: APP },
        form: { client_id: CLIENT, grant_type: 'authorization_code', code: CODE, redirect_uri: `${APP}/callback` },
        resBody: JSON.stringify({ access_token: accessToken(), token_type: 'Bearer', expires_in: 3600 }),
      },
    ]);
    assert.deepEqual(ids(spa), ['high pkce-missing']);
  });

  it('pkce-plain: a challenge without a method, or method plain', () => {
    const r = audit(wellBuilt({ code_challenge_method: 'plain' }));
    assert.deepEqual(ids(r), ['medium pkce-plain']);
    assert.equal(only(r, 'pkce-plain')[0]!.message, 'code_challenge_method=plain');
  });

  it('state-missing: medium without PKCE, low with PKCE S256', () => {
    const url = good().replace(`&state=${GOOD_STATE}`, '');
    assert.deepEqual(ids(audit([{ url, status: 200, resBody: '<html></html>' }])), ['low state-missing']);
    const bare = authorizeUrl({ response_type: 'code', scope: 'openid', nonce: 'n-0S6_WzA2Mj' });
    assert.deepEqual(ids(audit([{ url: bare, status: 200 }])), ['medium pkce-missing', 'medium state-missing']);
  });

  it('state-weak and state-reused: "12345" twice', () => {
    const r = audit([
      { url: good({ state: '12345' }), status: 200 },
      { url: good({ state: '12345' }), status: 200 },
    ]);
    assert.deepEqual(ids(r), ['medium state-reused', 'medium state-weak', 'medium state-weak']);
    assert.equal(only(r, 'state-weak')[0]!.message, 'state is 5 characters (about 16 bits): "12345"');
    assert.deepEqual(
      only(r, 'state-reused')[0]!.entries.map((e) => e.n),
      [1, 2],
    );
  });

  it('nonce-missing: medium for openid in a code flow, high for an ID token in the front channel', () => {
    const url = good().replace('&nonce=n-0S6_WzA2Mj', '');
    assert.deepEqual(ids(audit([{ url, status: 200 }])), ['medium nonce-missing']);
    const hybrid = authorizeUrl({
      response_type: 'code id_token',
      scope: 'openid',
      state: GOOD_STATE,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      response_mode: 'form_post',
    });
    const r = audit([{ url: hybrid, status: 200 }]);
    assert.deepEqual(ids(r), ['high nonce-missing']);
  });

  it('redirect-http off loopback is high; http://localhost is fine', () => {
    const r = audit([{ url: good({ redirect_uri: 'http://app.contoso.com/callback' }), status: 200 }]);
    assert.deepEqual(ids(r), ['high redirect-http']);
    assert.equal(only(r, 'redirect-http')[0]!.message, 'redirect_uri http://app.contoso.com/callback is plain http');
    assert.deepEqual(ids(audit([{ url: good({ redirect_uri: 'http://localhost:8400/' }), status: 200 }])), []);
    assert.deepEqual(ids(audit([{ url: good({ redirect_uri: 'http://127.0.0.1:8400/' }), status: 200 }])), []);
  });

  for (const [uri, why] of [
    ['https://*.contoso.com/callback', 'contains a wildcard (*)'],
    ['https://app.contoso.com@evil.example/callback', 'carries userinfo (user@host): the real host is after the @'],
    ['https://app.contoso.com/callback/../../evil', 'has a dot-segment (/../) in its path'],
    ['https://app.contoso.com/callback%2f..%2fevil', 'has an encoded slash or a backslash in its path'],
    [
      'https://app.contoso.com/redirect?to=https://evil.example/',
      'passes another URL in its query (an open redirector)',
    ],
  ] as const) {
    it(`redirect-uri-trick: ${uri} ${why}`, () => {
      const r = audit([{ url: good({ redirect_uri: uri }), status: 200 }]);
      assert.deepEqual(ids(r), ['high redirect-uri-trick']);
      assert.ok(only(r, 'redirect-uri-trick')[0]!.message.endsWith(why), only(r, 'redirect-uri-trick')[0]!.message);
    });
  }

  it('prompt-none-loop: three silent sign-ins answered login_required', () => {
    const specs: EntrySpec[] = [];
    for (let i = 0; i < 3; i++) {
      const state = `${GOOD_STATE}${i}`;
      specs.push({
        url: good({ prompt: 'none', state }),
        resHeaders: {
          location: `${APP}/callback?error=login_required&error_description=AADSTS50058%3a+A+silent+sign-in+request+was+sent+but+no+user+is+signed+in.&state=${state}`,
        },
      });
    }
    const r = audit(specs);
    assert.deepEqual(ids(r), [
      'medium prompt-none-loop',
      'info aadsts-error',
      'info aadsts-error',
      'info aadsts-error',
    ]);
    assert.equal(
      only(r, 'prompt-none-loop')[0]!.message,
      '3 authorize requests with prompt=none, 3 answered login_required',
    );
    assert.match(only(r, 'aadsts-error')[0]!.message, /^login_required AADSTS50058 \(/);
  });

  it('v1-endpoint: /oauth2/authorize with resource=', () => {
    const url = authorizeUrl(
      {
        response_type: 'code',
        resource: DATABRICKS,
        state: GOOD_STATE,
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      },
      `${AS}/${TENANT}/oauth2/authorize`,
    );
    const r = audit([{ url, status: 200 }]);
    assert.deepEqual(ids(r), ['low v1-endpoint']);
    assert.equal(only(r, 'v1-endpoint')[0]!.message, 'authorize request to the v1 endpoint (/oauth2/authorize)');
  });

  it('ropc: grant_type=password, the password never printed', () => {
    const r = audit([
      {
        url: TOKEN,
        headers: { 'user-agent': 'python-requests/2.31' },
        form: {
          client_id: CLIENT,
          grant_type: 'password',
          username: 'alice@contoso.com',
          password: 'Alice-P@ssw0rd!',
          scope: `${DATABRICKS}/.default`,
        },
        resBody: JSON.stringify({ access_token: accessToken(), token_type: 'Bearer', expires_in: 3600 }),
      },
    ]);
    assert.deepEqual(ids(r), ['high ropc']);
    assert.ok(!JSON.stringify(r).includes('Alice-P@ssw0rd!'));
  });

  it('client-secret-in-browser: a token request from a page with client_secret is critical; the secret is redacted', () => {
    const secret = 'emu8Q~kP0vW7nR2tY5uI9oA1sD4fG6hJ3lZ.x_-c';
    const r = audit([
      {
        url: TOKEN,
        headers: { origin: APP, 'sec-fetch-mode': 'cors' },
        form: {
          client_id: CLIENT,
          client_secret: secret,
          grant_type: 'client_credentials',
          scope: `${DATABRICKS}/.default`,
        },
        resBody: JSON.stringify({ access_token: accessToken(), token_type: 'Bearer', expires_in: 3599 }),
      },
    ]);
    assert.deepEqual(ids(r), ['critical client-secret-in-browser']);
    assert.equal(
      only(r, 'client-secret-in-browser')[0]!.message,
      `a browser page (${APP}) sent client_secret with grant_type=client_credentials`,
    );
    assert.ok(!JSON.stringify(r).includes(secret));
  });

  it('refresh-token-in-browser: low with the SPA lifetime, medium when it lives longer than a day', () => {
    const spec = (life?: number): EntrySpec => ({
      url: TOKEN,
      headers: { origin: APP },
      form: { client_id: CLIENT, grant_type: 'authorization_code', code: CODE, code_verifier: 'v'.repeat(43) },
      resBody: JSON.stringify({
        access_token: accessToken(),
        refresh_token: '0.AXEA-refresh-token-value-0123456789abcdef',
        token_type: 'Bearer',
        expires_in: 3600,
        ...(life ? { refresh_token_expires_in: life } : {}),
      }),
    });
    const r = audit([spec(86_400)]);
    assert.deepEqual(ids(r), ['low refresh-token-in-browser']);
    assert.equal(
      only(r, 'refresh-token-in-browser')[0]!.message,
      'the token response to a browser page carries a refresh_token valid for 24 h (refresh_token_expires_in 86400)',
    );
    assert.deepEqual(ids(audit([spec(7_776_000)])), ['medium refresh-token-in-browser']);
    assert.ok(!JSON.stringify(r).includes('refresh-token-value'));
  });

  it('referer-leak: the callback URL with its code sent as Referer to another origin', () => {
    const specs = wellBuilt();
    const cb = specs[2]!.url;
    specs.splice(3, 0, { url: 'https://cdn.example.net/lib.js', headers: { referer: cb }, resBody: '' });
    const r = audit(specs);
    // reported once, as a Referer leak (the third-party rule leaves Referer headers to this rule)
    assert.deepEqual(ids(r), ['high referer-leak']);
    assert.match(
      only(r, 'referer-leak')[0]!.message,
      /^GET https:\/\/cdn\.example\.net\/lib\.js was sent with Referer https:\/\/app\.contoso\.com\/callback\?code=0\.AXEA…\[\d+ chars(?: (?:sha256|hmac):[0-9a-f]{8})?\]&state=.* \(code\): a different origin \(https:\/\/cdn\.example\.net\) now has it$/,
    );
    assert.ok(!JSON.stringify(r).includes(CODE));
  });

  it('credential-to-third-party: an access token posted to an analytics host', () => {
    const at = accessToken();
    const r = audit([
      {
        url: TOKEN,
        headers: { origin: APP },
        form: { client_id: CLIENT, grant_type: 'authorization_code', code: CODE, code_verifier: 'v'.repeat(43) },
        resBody: JSON.stringify({ access_token: at, token_type: 'Bearer', expires_in: 3600 }),
      },
      { url: 'https://stats.example.org/collect', body: JSON.stringify({ event: 'login', token: at }) },
    ]);
    assert.deepEqual(ids(r), ['high credential-to-third-party']);
    assert.equal(
      only(r, 'credential-to-third-party')[0]!.message,
      'POST https://stats.example.org/collect (https://stats.example.org) carries the access_token issued in entry 1',
    );
  });

  it('insecure-transport: a bearer token over plain http to a non-loopback host', () => {
    const r = audit([
      {
        url: 'http://adb-1.azuredatabricks.net/api/2.0/clusters/list',
        headers: { authorization: `Bearer ${accessToken()}` },
      },
    ]);
    assert.deepEqual(ids(r), ['high insecure-transport']);
  });

  it('bearer-wrong-audience: a Databricks token sent to Graph, and a Graph token sent to the app backend', () => {
    const r = audit([
      {
        url: 'https://graph.microsoft.com/v1.0/me',
        headers: { authorization: `Bearer ${accessToken()}` },
        status: 401,
      },
      {
        url: 'https://api.contoso.com/orders',
        headers: {
          authorization: `Bearer ${accessToken({ aud: '00000003-0000-0000-c000-000000000000', scp: 'User.Read' })}`,
        },
      },
      {
        url: 'https://adb-1.azuredatabricks.net/api/2.0/clusters/list',
        headers: { authorization: `Bearer ${accessToken()}` },
      },
    ]);
    assert.deepEqual(ids(r), ['high bearer-wrong-audience', 'high bearer-wrong-audience']);
    assert.deepEqual(
      only(r, 'bearer-wrong-audience').map((f) => f.message),
      [
        `GET https://graph.microsoft.com/v1.0/me with a token for aud ${DATABRICKS}: a Microsoft Graph API expects aud Microsoft Graph`,
        'GET https://api.contoso.com/orders with a token for aud 00000003-0000-0000-c000-000000000000: a Microsoft Graph token sent to a host that is not Graph',
      ],
    );
  });

  it('id-token-as-access-token: the ID token sent as the bearer token', () => {
    const r = audit([{ url: 'https://api.contoso.com/orders', headers: { authorization: `Bearer ${idToken()}` } }]);
    assert.deepEqual(ids(r), ['high id-token-as-access-token']);
    assert.equal(r.flows[0]!.client_id, CLIENT, 'the ID token names its client by aud');
  });

  it('unused-scope: Graph /.default asked for, only Databricks called', () => {
    const specs = wellBuilt({ scope: `https://graph.microsoft.com/.default ${DATABRICKS}/.default openid` });
    specs.push({
      url: 'https://adb-1.azuredatabricks.net/api/2.0/clusters/list',
      headers: { authorization: `Bearer ${accessToken()}` },
    });
    const r = audit(specs);
    assert.deepEqual(ids(r), ['low unused-scope']);
    assert.equal(
      only(r, 'unused-scope')[0]!.message,
      'scope https://graph.microsoft.com/.default (Microsoft Graph) is requested, but the capture has no call to that API (calls go to Azure Databricks)',
    );
  });

  it('aadsts-error: a token error body explained with the catalogue fix; device-code polling is not an error', () => {
    const r = audit([
      {
        url: TOKEN,
        form: {
          client_id: CLIENT,
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: 'GAQABAAEAAAAm-device-code-0123456789',
        },
        status: 400,
        resBody: JSON.stringify({
          error: 'authorization_pending',
          error_description: 'AADSTS70016: pending',
          error_codes: [70016],
        }),
      },
      {
        url: TOKEN,
        form: { client_id: CLIENT, grant_type: 'authorization_code', code: CODE },
        status: 400,
        resBody: JSON.stringify({
          error: 'invalid_grant',
          error_description: 'AADSTS54005: OAuth2 Authorization code was already redeemed.',
          error_codes: [54005],
        }),
      },
    ]);
    assert.deepEqual(ids(r), ['info aadsts-error']);
    assert.match(only(r, 'aadsts-error')[0]!.message, /^invalid_grant AADSTS54005 \(/);
    assert.deepEqual(
      only(r, 'aadsts-error')[0]!.entries.map((e) => e.n),
      [2],
    );
  });

  it('a form_post authorization response is recognized and its tokens decoded, never printed', () => {
    const idt = idToken();
    const url = authorizeUrl({
      response_type: 'code id_token',
      response_mode: 'form_post',
      scope: 'openid',
      state: GOOD_STATE,
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const page = `<html><body onload="document.forms[0].submit()"><form method="POST" action="${APP}/callback"><input type="hidden" name="code" value="${CODE}"/><input type="hidden" name="id_token" value="${idt}"/><input type="hidden" name="state" value="${GOOD_STATE}"/></form></body></html>`;
    const r = audit([
      { url, status: 200, resBody: page, resMime: 'text/html; charset=utf-8' },
      {
        url: `${APP}/callback`,
        form: { code: CODE, id_token: idt, state: GOOD_STATE },
        resHeaders: { location: `${APP}/home` },
      },
    ]);
    assert.deepEqual(ids(r), []);
    assert.deepEqual(
      r.flows[0]!.steps.map((s) => `${s.kind} ${s.response}`),
      [
        'authorize 200',
        'auth-response 200: authorization response by form_post page to https://app.contoso.com/callback with code, id_token, state',
        'callback 302',
      ],
    );
    const text = JSON.stringify(r);
    assert.ok(!text.includes(CODE) && !text.includes(idt));
  });
});
