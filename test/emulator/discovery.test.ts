import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { get, aadsts } from './helpers.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());

test('v2 discovery for the tenant GUID has the observed field set, GUID-resolved endpoints on the emulator URL and discovery headers', async () => {
  const r = await get(`${emu.info.authority}/v2.0/.well-known/openid-configuration`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'max-age=86400, private');
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
  const a = emu.info.authority;
  assert.deepEqual(Object.keys(r.json), [
    'token_endpoint',
    'token_endpoint_auth_methods_supported',
    'jwks_uri',
    'response_modes_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
    'response_types_supported',
    'scopes_supported',
    'issuer',
    'request_uri_parameter_supported',
    'userinfo_endpoint',
    'authorization_endpoint',
    'device_authorization_endpoint',
    'http_logout_supported',
    'frontchannel_logout_supported',
    'end_session_endpoint',
    'claims_supported',
    'kerberos_endpoint',
    'tenant_region_scope',
    'cloud_instance_name',
    'cloud_graph_host_name',
    'msgraph_host',
    'rbac_url',
  ]);
  assert.equal(r.json.token_endpoint, `${a}/oauth2/v2.0/token`);
  assert.equal(r.json.authorization_endpoint, `${a}/oauth2/v2.0/authorize`);
  assert.equal(r.json.device_authorization_endpoint, `${a}/oauth2/v2.0/devicecode`);
  assert.equal(r.json.jwks_uri, `${a}/discovery/v2.0/keys`);
  assert.equal(r.json.issuer, `${a}/v2.0`);
  assert.deepEqual(r.json.token_endpoint_auth_methods_supported, [
    'client_secret_post',
    'private_key_jwt',
    'client_secret_basic',
  ]);
});

test('discovery by verified domain resolves to the tenant GUID', async () => {
  const r = await get(`${emu.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
  assert.equal(r.status, 200);
  assert.equal(r.json.issuer, `${emu.info.authority}/v2.0`);
  assert.equal(r.json.token_endpoint, `${emu.info.authority}/oauth2/v2.0/token`);
});

test('common and organizations keep their segment in endpoints and use the {tenantid} issuer template', async () => {
  for (const seg of ['common', 'organizations']) {
    const r = await get(`${emu.url}/${seg}/v2.0/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    assert.equal(r.json.issuer, `${emu.url}/{tenantid}/v2.0`);
    assert.equal(r.json.token_endpoint, `${emu.url}/${seg}/oauth2/v2.0/token`);
  }
});

test('v1 discovery has the sts.windows.net issuer and v1 endpoints', async () => {
  const r = await get(`${emu.info.authority}/.well-known/openid-configuration`);
  assert.equal(r.status, 200);
  assert.equal(r.json.issuer, `https://sts.windows.net/${emu.info.tenant_id}/`);
  assert.equal(r.json.token_endpoint, `${emu.info.authority}/oauth2/token`);
  assert.equal(r.json.authorization_endpoint, undefined);
  assert.equal(r.json.jwks_uri, `${emu.info.authority}/discovery/keys`);
  assert.equal(r.json.microsoft_multi_refresh_token, true);
});

test('unknown tenant GUID or domain answers 400 invalid_tenant AADSTS90002 in Entra error shape', async () => {
  for (const t of ['0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e', 'fabrikam.onmicrosoft.com']) {
    const r = await get(`${emu.url}/${t}/v2.0/.well-known/openid-configuration`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_tenant');
    assert.equal(aadsts(r.json), 90002);
    assert.match(
      String(r.json.error_description),
      new RegExp(
        `^AADSTS90002: Tenant '${t}' not found\\. Check to make sure you have the correct tenant ID and are signing into the correct cloud\\. .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    );
    assert.deepEqual(Object.keys(r.json), [
      'error',
      'error_description',
      'error_codes',
      'timestamp',
      'trace_id',
      'correlation_id',
      'error_uri',
    ]);
    assert.equal(r.json.error_uri, 'https://login.microsoftonline.com/error?code=90002');
    assert.equal(r.headers.get('x-ms-request-id'), r.json.trace_id);
  }
});

test('a malformed tenant segment answers AADSTS900023', async () => {
  const r = await get(`${emu.url}/not_a_tenant!/v2.0/.well-known/openid-configuration`);
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_request');
  assert.equal(aadsts(r.json), 900023);
  assert.match(
    String(r.json.error_description),
    /^AADSTS900023: Specified tenant identifier 'not_a_tenant!' is neither a valid DNS name, nor a valid external domain\./,
  );
});

test('JWKS v2 and v1 publish the signing key with kid == x5t == SHA-1 of the x5c certificate; v2 keys carry issuer', async () => {
  const v2 = await get(`${emu.info.authority}/discovery/v2.0/keys`);
  const v1 = await get(`${emu.info.authority}/discovery/keys`);
  for (const [r, v] of [
    [v2, 2],
    [v1, 1],
  ] as const) {
    assert.equal(r.status, 200);
    const keys = r.json.keys as Array<Record<string, unknown>>;
    assert.equal(keys.length, 1);
    const k = keys[0]!;
    assert.deepEqual(
      Object.keys(k),
      v === 2 ? ['kty', 'use', 'kid', 'x5t', 'n', 'e', 'x5c', 'issuer'] : ['kty', 'use', 'kid', 'x5t', 'n', 'e', 'x5c'],
    );
    assert.equal(k.kty, 'RSA');
    assert.equal(k.use, 'sig');
    assert.equal(k.e, 'AQAB');
    assert.equal(k.kid, k.x5t);
    assert.equal(String(k.kid).length, 27);
    const der = Buffer.from((k.x5c as string[])[0]!, 'base64');
    assert.equal(createHash('sha1').update(der).digest('base64url'), k.x5t);
    const cert = new X509Certificate(der);
    assert.equal((cert.publicKey.export({ format: 'jwk' }) as { n: string }).n, k.n);
    if (v === 2) assert.equal(k.issuer, `${emu.url}/{tenantid}/v2.0`);
  }
  assert.doesNotThrow(() => createLocalJWKSet(v2.json as never));
});

test('instance discovery points at the emulator tenant discovery document', async () => {
  const r = await get(
    `${emu.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${emu.info.authority}/oauth2/v2.0/authorize`)}`,
  );
  assert.equal(r.status, 200);
  assert.equal(r.json.tenant_discovery_endpoint, `${emu.info.authority}/v2.0/.well-known/openid-configuration`);
});
