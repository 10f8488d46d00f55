import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { authorizeUrl, codeFor, decode, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
let auto: Emulator;
before(async () => {
  [emu, auto] = await Promise.all([startEmulator(), startEmulator({ autoApprove: true })]);
});
after(async () => {
  await Promise.all([emu.close(), auto.close()]);
});

/** A browser of one: follows the sign-in and consent forms, keeping cookies. */
class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  private header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
  private keep(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv!.indexOf('=');
      this.cookies.set(kv!.slice(0, i), kv!.slice(i + 1));
    }
  }
  async get(url: string) {
    const r = await get(url, this.header());
    this.keep(r.headers);
    return r;
  }
  async submit(page: string, fields: Record<string, string>) {
    const action = /<form method="post" action="([^"]+)"/
      .exec(page)![1]!
      .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
    const ctx = /name="ctx" value="([^"]+)"/.exec(page)?.[1];
    const r = await post(`${this.base}${action}`, { ...(ctx ? { ctx } : {}), ...fields }, this.header());
    this.keep(r.headers);
    return r;
  }
}

test('sign-in page, then consent once, then a 302 with code, client_info, state, session_state in the observed order', async () => {
  const b = new Browser(emu.url);
  const page = await b.get(authorizeUrl(emu, { state: 'st-1', client_info: '1', nonce: 'n-1' }));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.text, /<input type="email" name="login"/);
  assert.match(page.text, /<input type="password" name="passwd"/);
  assert.match(page.text, /id="idSIButton9"/);
  const consent = await b.submit(page.text, { login: emu.info.username, passwd: emu.info.password });
  assert.equal(consent.status, 200);
  assert.match(consent.text, /id="idBtn_Accept"/);
  assert.match(consent.text, /id="idBtn_Back"/);
  const done = await b.submit(consent.text, { consent: 'accept' });
  assert.equal(done.status, 302);
  const loc = new URL(done.headers.get('location')!);
  assert.equal(`${loc.origin}${loc.pathname}`, 'http://localhost:8400/');
  assert.deepEqual([...loc.searchParams.keys()], ['code', 'client_info', 'state', 'session_state']);
  assert.match(loc.searchParams.get('code')!, /^0\.A/);
  assert.deepEqual(JSON.parse(Buffer.from(loc.searchParams.get('client_info')!, 'base64url').toString()), {
    uid: '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46',
    utid: emu.info.tenant_id,
  });
  assert.equal(loc.searchParams.get('state'), 'st-1');
  assert.match(loc.searchParams.get('session_state')!, /^[0-9a-f-]{36}$/);

  // same browser: no password, no consent, and prompt=none works
  const again = await b.get(authorizeUrl(emu, { state: 'st-2' }));
  assert.equal(again.status, 302);
  assert.equal(new URL(again.headers.get('location')!).searchParams.get('state'), 'st-2');
  const silent = await b.get(authorizeUrl(emu, { prompt: 'none', state: 'st-3' }));
  assert.equal(silent.status, 302);
  assert.ok(new URL(silent.headers.get('location')!).searchParams.get('code'));
  // prompt=login forces the page
  const forced = await b.get(authorizeUrl(emu, { prompt: 'login' }));
  assert.equal(forced.status, 200);
  assert.match(forced.text, /name="passwd"/);
});

test('a wrong password re-renders the sign-in page with an error and no redirect', async () => {
  const b = new Browser(emu.url);
  const page = await b.get(authorizeUrl(emu, {}));
  const r = await b.submit(page.text, { login: emu.info.username, passwd: 'wrong' });
  assert.equal(r.status, 200);
  assert.match(r.text, /Your account or password is incorrect\./);
});

test('cancel on consent redirects access_denied AADSTS65004 with Entra encoding (+, %3a, %0d%0a), error_uri and state', async () => {
  const local = await startEmulator();
  try {
    const b = new Browser(local.url);
    const page = await b.get(authorizeUrl(local, { state: 'xyz' }));
    const consent = await b.submit(page.text, { login: local.info.username, passwd: local.info.password });
    const r = await b.submit(consent.text, { consent: 'cancel' });
    assert.equal(r.status, 302);
    const location = r.headers.get('location')!;
    assert.match(
      location,
      /^http:\/\/localhost:8400\/\?error=access_denied&error_description=AADSTS65004%3a\+User\+declined\+to\+consent\+to\+access\+the\+app\.%0d%0aTrace\+ID%3a\+[0-9a-f-]{36}%0d%0aCorrelation\+ID%3a\+[0-9a-f-]{36}%0d%0aTimestamp%3a\+\d{4}-\d\d-\d\d\+\d\d%3a\d\d%3a\d\dZ&error_uri=https%3a%2f%2flogin\.microsoftonline\.com%2ferror%3fcode%3d65004&state=xyz$/,
    );
  } finally {
    await local.close();
  }
});

test('an unregistered redirect URI gets an HTML page with AADSTS50011 and no redirect', async () => {
  const r = await get(authorizeUrl(auto, { redirect_uri: 'https://evil.example/cb' }));
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('location'), null);
  assert.match(
    r.text,
    /AADSTS50011: The redirect URI &#39;https:\/\/evil\.example\/cb&#39; specified in the request does not match the redirect URIs configured for the application &#39;6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&#39;\./,
  );
});

test('loopback redirect URIs match any port for the public client, but not another path', async () => {
  assert.equal((await get(authorizeUrl(auto, { redirect_uri: 'http://localhost:53100' }))).status, 302);
  assert.equal((await get(authorizeUrl(auto, { redirect_uri: 'http://127.0.0.1:1234/' }))).status, 302);
  assert.equal((await get(authorizeUrl(auto, { redirect_uri: 'http://localhost:53100/other' }))).status, 400);
});

test('unknown client answers a page with AADSTS700016; missing client_id a page with AADSTS900144', async () => {
  const unknown = await get(authorizeUrl(auto, { client_id: '11111111-2222-3333-4444-555555555555' }));
  assert.equal(unknown.status, 400);
  assert.match(
    unknown.text,
    /AADSTS700016: Application with identifier &#39;11111111-2222-3333-4444-555555555555&#39; was not found in the directory &#39;contoso\.onmicrosoft\.com&#39;/,
  );
  const missing = await get(`${auto.info.authority}/oauth2/v2.0/authorize?response_type=code`);
  assert.equal(missing.status, 400);
  assert.match(
    missing.text,
    /AADSTS900144: The request body must contain the following parameter: &#39;client_id&#39;\./,
  );
});

test('prompt=none without a session redirects login_required AADSTS50058', async () => {
  const r = await get(authorizeUrl(emu, { prompt: 'none', state: 's' }));
  assert.equal(r.status, 302);
  const q = new URL(r.headers.get('location')!).searchParams;
  assert.equal(q.get('error'), 'login_required');
  assert.match(
    q.get('error_description')!,
    /^AADSTS50058: A silent sign-in request was sent but no user is signed in\.\r\nTrace ID: /,
  );
  assert.equal(q.get('state'), 's');
});

test('response_mode fragment puts the fields after #, form_post returns an auto-submitting form', async () => {
  const frag = await get(authorizeUrl(auto, { response_mode: 'fragment', state: 'f' }));
  assert.equal(frag.status, 302);
  const loc = frag.headers.get('location')!;
  assert.match(loc, /^http:\/\/localhost:8400\/#code=0\.A[^&]+&state=f&session_state=/);
  const fp = await get(authorizeUrl(auto, { response_mode: 'form_post', state: 'a"<b' }));
  assert.equal(fp.status, 200);
  assert.match(fp.text, /<form method="POST" name="hiddenform" action="http:\/\/localhost:8400\/">/);
  assert.match(fp.text, /<input type="hidden" name="code" value="0\.A/);
  assert.match(fp.text, /<input type="hidden" name="state" value="a&#34;&#60;b" \/>/);
  assert.match(fp.text, /document\.forms\[0\]\.submit\(\)/);
});

test('values reflected into pages are HTML-escaped', async () => {
  const r = await get(authorizeUrl(emu, { login_hint: '"><script>alert(1)</script>' }));
  assert.equal(r.status, 200);
  assert.ok(!r.text.includes('<script>alert(1)'));
  assert.match(r.text, /value="&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;"/);
});

test('the nonce of the authorize request is carried into the id token, whose aud is the client id', async () => {
  const q = await codeFor(auto, { nonce: 'nonce-42' });
  const r = await post(tokenUrl(auto), {
    client_id: auto.info.public_client_id,
    grant_type: 'authorization_code',
    code: q.get('code')!,
    redirect_uri: 'http://localhost:8400/',
    scope: `${DATABRICKS_SCOPE} openid profile`,
  });
  assert.equal(r.status, 200);
  const id = decode(String(r.json.id_token));
  assert.equal(id.payload.nonce, 'nonce-42');
  assert.equal(id.payload.aud, auto.info.public_client_id);
  assert.equal(id.payload.iss, `${auto.info.authority}/v2.0`);
  assert.equal(id.payload.ver, '2.0');
  assert.equal(id.payload.preferred_username, 'alice@contoso.com');
  assert.deepEqual(id.header, { typ: 'JWT', alg: 'RS256', kid: auto.signing.kid });
});

test('admin consent v1 and v2 redirect with tenant, state and admin_consent=True', async () => {
  const v1 = await get(
    `${auto.info.authority}/adminconsent?client_id=${auto.info.confidential_client_id}&state=12345&redirect_uri=${encodeURIComponent('http://localhost/callback')}`,
  );
  assert.equal(v1.status, 302);
  assert.equal(
    v1.headers.get('location'),
    `http://localhost/callback?tenant=${auto.info.tenant_id}&state=12345&admin_consent=True`,
  );
  const v2 = await get(
    `${auto.info.authority}/v2.0/adminconsent?client_id=${auto.info.confidential_client_id}&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}&state=12345&redirect_uri=${encodeURIComponent('http://localhost/callback')}`,
  );
  assert.equal(v2.status, 302);
  assert.equal(
    v2.headers.get('location'),
    `http://localhost/callback?admin_consent=True&tenant=${auto.info.tenant_id}&scope=https%3a%2f%2fgraph.microsoft.com%2f.default&state=12345`,
  );
});

test('admin consent cancelled redirects access_denied 65004 with admin_consent=True and no tenant', async () => {
  const local = await startEmulator();
  try {
    const b = new Browser(local.url);
    const page = await b.get(
      `${local.info.authority}/adminconsent?client_id=${local.info.confidential_client_id}&state=s1&redirect_uri=${encodeURIComponent('http://localhost/callback')}`,
    );
    const consent = await b.submit(page.text, { login: local.info.username, passwd: local.info.password });
    const r = await b.submit(consent.text, { consent: 'cancel' });
    const loc = r.headers.get('location')!;
    assert.match(
      loc,
      /^http:\/\/localhost\/callback\?error=access_denied&error_description=AADSTS65004%3a\+User\+declined.*&error_uri=https%3a%2f%2flogin\.microsoftonline\.com%2ferror%3fcode%3d65004&admin_consent=True&state=s1$/,
    );
    assert.ok(!loc.includes('tenant='));
  } finally {
    await local.close();
  }
});

test('v1 authorize with resource= issues a code redeemable at the v1 token endpoint', async () => {
  const r = await get(
    `${auto.info.authority}/oauth2/authorize?client_id=${auto.info.public_client_id}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost')}&resource=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d`,
  );
  assert.equal(r.status, 302);
  const code = new URL(r.headers.get('location')!).searchParams.get('code')!;
  const t = await post(`${auto.info.authority}/oauth2/token`, {
    client_id: auto.info.public_client_id,
    grant_type: 'authorization_code',
    code,
    redirect_uri: 'http://localhost',
    resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.equal(t.status, 200);
  assert.equal(t.json.resource, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
  assert.equal(typeof t.json.expires_in, 'string');
  assert.equal(decode(String(t.json.access_token)).payload.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
});
