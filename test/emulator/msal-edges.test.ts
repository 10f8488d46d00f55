// What MSAL does that the emulator must accept, as Entra does (issue 20): the short device-code grant type,
// user realm discovery for managed and federated users, and URLs without a default port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { aadsts, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());

test('grant_type=device_code (MSAL Node) is the device code grant, as the URN is', async () => {
  for (const grant of ['device_code', 'urn:ietf:params:oauth:grant-type:device_code']) {
    const dc = await post(`${emu.info.authority}/oauth2/v2.0/devicecode`, {
      client_id: emu.info.public_client_id,
      scope: `${DATABRICKS_SCOPE} offline_access`,
    });
    const poll = {
      client_id: emu.info.public_client_id,
      grant_type: grant,
      device_code: dc.json.device_code as string,
    };
    const pending = await post(tokenUrl(emu), poll);
    assert.equal(pending.json.error, 'authorization_pending', grant);
    emu.approveDeviceCode(dc.json.user_code as string, 'approve');
    const ok = await post(tokenUrl(emu), poll);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.access_token && ok.json.refresh_token);
  }
  const other = await post(tokenUrl(emu), { client_id: emu.info.public_client_id, grant_type: 'devicecode' });
  assert.equal(aadsts(other.json), 70003);
});

test('/common/userrealm/<upn>?api-version=1.0: Managed for the tenant domains, Federated (WS-Trust URLs) for fabrikam.com, Unknown otherwise', async () => {
  const realm = (upn: string) => get(`${emu.url}/common/userrealm/${encodeURIComponent(upn)}?api-version=1.0`);
  const managed = await realm(emu.info.username);
  assert.equal(managed.status, 200);
  assert.match(managed.headers.get('content-type')!, /^application\/json/);
  assert.deepEqual(managed.json, {
    ver: '1.0',
    account_type: 'Managed',
    domain_name: 'contoso.com',
    cloud_instance_name: 'microsoftonline.com',
    cloud_audience_urn: 'urn:federation:MicrosoftOnline',
  });
  assert.equal(emu.info.federated_username, 'dave@fabrikam.com');
  const fed = await realm(emu.info.federated_username);
  assert.deepEqual(fed.json, {
    ver: '1.0',
    account_type: 'Federated',
    domain_name: 'fabrikam.com',
    federation_protocol: 'WSTrust',
    federation_metadata_url: 'https://sts.fabrikam.com/adfs/services/trust/mex',
    federation_active_auth_url: 'https://sts.fabrikam.com/adfs/services/trust/2005/usernamemixed',
    cloud_instance_name: 'microsoftonline.com',
    cloud_audience_urn: 'urn:federation:MicrosoftOnline',
  });
  assert.equal((await realm('someone@elsewhere.example')).json.account_type, 'Unknown');
  assert.equal((await realm('not-an-upn')).json.account_type, 'Unknown');
});

test("a federated user's password never reaches Entra's password grant (AADSTS50126); the expired-password user is in the info", async () => {
  const r = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'password',
    username: emu.info.federated_username,
    password: 'Dave-P@ssw0rd!',
    scope: DATABRICKS_SCOPE,
  });
  assert.equal(aadsts(r.json), 50126);
  const expired = await post(tokenUrl(emu), {
    client_id: emu.info.public_client_id,
    grant_type: 'password',
    username: emu.info.expired_password_username,
    password: emu.info.expired_password_password,
    scope: DATABRICKS_SCOPE,
  });
  assert.equal(aadsts(expired.json), 50055);
});

test('on a default port (https 443) the advertised URLs carry no port, as MSAL Node requires', async (t) => {
  let tls: Emulator;
  try {
    tls = await startEmulator({ port: 443, tls: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') return t.skip(`port 443 is not available here (${code})`);
    throw e;
  }
  try {
    assert.equal(tls.info.url, 'https://127.0.0.1');
    assert.equal(tls.info.authority, `https://127.0.0.1/${tls.info.tenant_id}`);
    assert.doesNotMatch(JSON.stringify(tls.info), /127\.0\.0\.1:443(?!\d)/);
    const { request } = await import('node:https');
    const doc = await new Promise<string>((resolve, reject) => {
      request(`${tls.info.authority}/v2.0/.well-known/openid-configuration`, { ca: tls.tlsCaPem }, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c));
        res.on('end', () => resolve(s));
      })
        .on('error', reject)
        .end();
    });
    const d = JSON.parse(doc) as Record<string, string>;
    assert.equal(d.token_endpoint, `https://127.0.0.1/${tls.info.tenant_id}/oauth2/v2.0/token`);
    assert.doesNotMatch(doc, /:443(?!\d)/);
  } finally {
    await tls.close();
  }
});

test("the client-request-id comes back as the error's correlation id, whether a header (MSAL.NET, entra-token), a query parameter or a form field (MSAL Node)", async () => {
  const bad = {
    client_id: emu.info.public_client_id,
    grant_type: 'password',
    username: emu.info.username,
    password: 'wrong',
    scope: DATABRICKS_SCOPE,
  };
  const ids = [
    '0f0e0d0c-0b0a-4908-8706-050403020100',
    '1f0e0d0c-0b0a-4908-8706-050403020101',
    '2f0e0d0c-0b0a-4908-8706-050403020102',
  ];
  const viaHeader = await post(tokenUrl(emu), bad, { 'client-request-id': ids[0]! });
  const viaQuery = await post(`${tokenUrl(emu)}?client-request-id=${ids[1]}`, bad);
  const viaForm = await post(tokenUrl(emu), { ...bad, 'client-request-id': ids[2]! });
  const none = await post(tokenUrl(emu), bad);
  for (const [r, id] of [
    [viaHeader, ids[0]],
    [viaQuery, ids[1]],
    [viaForm, ids[2]],
  ] as const) {
    assert.equal(aadsts(r.json), 50126);
    assert.equal(r.json.correlation_id, id);
    assert.match(String(r.json.error_description), new RegExp(`Correlation ID: ${id} `));
  }
  assert.match(String(none.json.correlation_id), /^[0-9a-f-]{36}$/);
  assert.ok(!ids.includes(String(none.json.correlation_id)));
});
