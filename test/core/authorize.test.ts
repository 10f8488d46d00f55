import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuthorizeUrl } from '../../src/core/authorize.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { s256Challenge } from '../../src/core/pkce.js';

const authority = resolveAuthority({ tenant: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' });

test('RFC 7636 Appendix B: S256 of dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk is E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', () => {
  assert.equal(
    s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
});

test('a code_verifier outside RFC 7636 §4.1 is refused', () => {
  assert.throws(() => s256Challenge('short'), { code: 'EUSAGE' });
  assert.throws(() => s256Challenge('é'.repeat(43)), { code: 'EUSAGE' });
});

test("without PKCE the URL is the documentation's request byte for byte", () => {
  const url = buildAuthorizeUrl({
    authority,
    client_id: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    redirect_uri: 'http://localhost',
    scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
    state: '12345',
  });
  assert.equal(
    url,
    'https://login.microsoftonline.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/v2.0/authorize?client_id=6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&response_type=code&redirect_uri=http%3A%2F%2Flocalhost&response_mode=query&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default&state=12345',
  );
});

test('with PKCE and openid the URL carries code_challenge (S256) and the nonce after the documented parameters', () => {
  const url = new URL(
    buildAuthorizeUrl({
      authority,
      client_id: 'c',
      redirect_uri: 'http://localhost:8400/',
      scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'profile', 'offline_access'],
      state: 'Xy4Jm0pQe2sQ1tW7',
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      nonce: '8c1f5a2e93',
      prompt: 'select_account',
    }),
  );
  assert.deepEqual(
    [...url.searchParams.keys()],
    [
      'client_id',
      'response_type',
      'redirect_uri',
      'response_mode',
      'scope',
      'state',
      'code_challenge',
      'code_challenge_method',
      'nonce',
      'prompt',
    ],
  );
  assert.equal(url.searchParams.get('code_challenge'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(
    url.searchParams.get('scope'),
    '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access',
  );
  assert.match(
    url.search,
    /scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F\.default%20openid%20profile%20offline_access/,
  );
});

test('§2.9 with the platform the URL ends with client-request-id, client_info=1 and the library parameters, as MSAL Node sends them; claims stay last', () => {
  const url = buildAuthorizeUrl({
    authority,
    client_id: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
    redirect_uri: 'http://localhost',
    scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
    state: '12345',
    platform: { version: '0.1.0', os: 'darwin', cpu: 'arm64', node: '20.20.2' },
    client_request_id: '7bfed6f1-bce2-4188-bb0b-9fceb18c8939',
    extra: [['claims', '{}']],
  });
  assert.equal(
    url,
    'https://login.microsoftonline.com/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/v2.0/authorize?client_id=6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90&response_type=code&redirect_uri=http%3A%2F%2Flocalhost&response_mode=query&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default&state=12345&client-request-id=7bfed6f1-bce2-4188-bb0b-9fceb18c8939&client_info=1&x-client-SKU=entra-token&x-client-VER=0.1.0&x-client-OS=darwin&x-client-CPU=arm64&claims=%7B%7D',
  );
});

test('login_hint with prompt=select_account is refused, as Entra refuses it', () => {
  assert.throws(
    () =>
      buildAuthorizeUrl({
        authority,
        client_id: 'c',
        redirect_uri: 'http://localhost',
        scopes: ['openid'],
        state: 'abcdefgh',
        prompt: 'select_account',
        login_hint: 'a@b.c',
      }),
    { code: 'EUSAGE' },
  );
});

test('authorities: emulator-style URL, verified domain, and refusals', () => {
  const emu = resolveAuthority({ authority: 'http://127.0.0.1:4567/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' });
  assert.equal(emu.tokenEndpoint, 'http://127.0.0.1:4567/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/oauth2/v2.0/token');
  assert.equal(emu.jwksV1('t'), 'http://127.0.0.1:4567/t/discovery/keys');
  const dom = resolveAuthority({ tenant: 'contoso.onmicrosoft.com', cloud: 'china' });
  assert.equal(dom.authorizeEndpoint, 'https://login.chinacloudapi.cn/contoso.onmicrosoft.com/oauth2/v2.0/authorize');
  assert.equal(dom.issuerV2('tid'), 'https://login.partner.microsoftonline.cn/tid/v2.0');
  assert.throws(() => resolveAuthority({ authority: 'http://login.example.com/t' }), { code: 'EINSECURE' });
  assert.throws(() => resolveAuthority({ tenant: 'not a tenant' }), { code: 'EUSAGE' });
  assert.throws(() => resolveAuthority({}), { code: 'EUSAGE', message: /no tenant/ });
  assert.throws(() => resolveAuthority({ authority: 'https://login.microsoftonline.com/t1/oauth2' }), {
    code: 'EUSAGE',
    message: /extra path/,
  });
});

test('the sign-in-again command names --issuer for a provider found by discovery, --authority otherwise', async () => {
  const { signInCommand } = await import('../../src/flows/auth-code.js');
  assert.equal(
    signInCommand({
      authority: 'https://login.microsoftonline.com/t',
      client_id: 'c',
      token_endpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    }),
    'entra-token login --authority https://login.microsoftonline.com/t --client-id c',
  );
  assert.equal(
    signInCommand({ authority: 'https://login.microsoftonline.com/t', client_id: 'c' }),
    'entra-token login --authority https://login.microsoftonline.com/t --client-id c',
  );
  assert.equal(
    signInCommand({
      authority: 'https://adb-1.2.azuredatabricks.net/oidc',
      client_id: 'databricks-cli',
      token_endpoint: 'https://adb-1.2.azuredatabricks.net/oidc/v1/token',
    }),
    'entra-token login --issuer https://adb-1.2.azuredatabricks.net/oidc --client-id databricks-cli',
  );
});
