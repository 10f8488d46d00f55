// core/provider, core/sign-in-hint and RFC 9207: what depends on the provider rather than on the grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAuthority } from '../../src/core/authority.js';
import { authorityFromMetadata } from '../../src/core/discovery.js';
import {
  defaultClientId,
  defaultUserScopes,
  isDatabricksOidc,
  issuerExpectation,
  providerName,
} from '../../src/core/provider.js';
import { checkAuthorizationResponseIssuer } from '../../src/core/redirect.js';
import { signInAgainCommand } from '../../src/core/sign-in-hint.js';

const WS = 'https://adb-1234567890123456.7.azuredatabricks.net/oidc';
const databricks = authorityFromMetadata({ issuer: WS, token_endpoint: `${WS}/v1/token` });
const generic = (scopes?: string[]) =>
  authorityFromMetadata({
    issuer: 'https://id.example.com',
    token_endpoint: 'https://id.example.com/token',
    scopes_supported: scopes,
  });

test('default scopes come from the provider: Databricks for Entra, all-apis for a workspace, openid (+ offline_access if advertised) elsewhere', () => {
  assert.deepEqual(defaultUserScopes(resolveAuthority({ tenant: 'contoso.com' })), [
    '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
    'openid',
    'profile',
    'offline_access',
  ]);
  assert.equal(isDatabricksOidc(databricks), true);
  assert.deepEqual(defaultUserScopes(databricks), ['all-apis', 'offline_access']);
  assert.equal(defaultClientId(databricks), 'databricks-cli');
  assert.deepEqual(defaultUserScopes(generic(['openid', 'offline_access', 'email'])), ['openid', 'offline_access']);
  assert.deepEqual(defaultUserScopes(generic(['openid', 'email'])), ['openid']);
  assert.deepEqual(defaultUserScopes(generic()), ['openid']);
  assert.equal(defaultClientId(generic()), undefined);
});

test('a discovered Entra issuer is an Entra authority; any other issuer is oidc', () => {
  const tid = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
  const entra = authorityFromMetadata({
    issuer: `https://login.microsoftonline.com/${tid}/v2.0`,
    token_endpoint: `https://login.microsoftonline.com/${tid}/oauth2/v2.0/token`,
  });
  assert.equal(entra.kind, 'entra');
  assert.equal(entra.tenant, tid);
  const emulator = authorityFromMetadata({
    issuer: `http://127.0.0.1:4000/${tid}/v2.0`,
    token_endpoint: `http://127.0.0.1:4000/${tid}/oauth2/v2.0/token`,
    cloud_instance_name: 'microsoftonline.com',
  });
  assert.equal(emulator.kind, 'entra');
  const lookalike = authorityFromMetadata({
    issuer: `https://id.example.com/${tid}/v2.0`,
    token_endpoint: 'https://id.example.com/t',
  });
  assert.equal(lookalike.kind, 'oidc');
  assert.equal(databricks.kind, 'oidc');
  assert.deepEqual(issuerExpectation(databricks), { issuer: WS });
  assert.equal(providerName(databricks), 'the provider at adb-1234567890123456.7.azuredatabricks.net');
  assert.equal(providerName(entra), 'Entra ID');
});

test('RFC 9207: a received iss must be the issuer; a missing one is refused only when the provider promises it', () => {
  assert.doesNotThrow(() => checkAuthorizationResponseIssuer(WS, { issuer: WS, required: true }));
  assert.doesNotThrow(() => checkAuthorizationResponseIssuer(undefined, { issuer: WS, required: false }));
  assert.doesNotThrow(() => checkAuthorizationResponseIssuer('https://x', { issuer: undefined, required: false }));
  assert.throws(() => checkAuthorizationResponseIssuer('https://evil.example', { issuer: WS, required: false }), {
    code: 'ECLAIM',
    message: `unexpected authorization response "iss" parameter value: expected "${WS}", got "https://evil.example" (RFC 9207); nothing was sent to the token endpoint`,
  });
  assert.throws(() => checkAuthorizationResponseIssuer(undefined, { issuer: WS, required: true }), {
    code: 'ECLAIM',
    message: `the authorization response has no "iss" parameter, which the provider promises (authorization_response_iss_parameter_supported); expected ${WS}`,
  });
});

test('one sign-in-again builder: --issuer for a discovered provider, --authority for Entra, placeholders otherwise', () => {
  assert.equal(
    signInAgainCommand({
      authority: WS,
      issuer: WS,
      client_id: 'databricks-cli',
      scopes: ['all-apis', 'offline_access'],
    }),
    `entra-token login --issuer ${WS} --client-id databricks-cli --scope all-apis`,
  );
  assert.equal(
    signInAgainCommand({ command: 'device-code', authority: 'https://login.microsoftonline.com/t', client_id: 'c' }),
    'entra-token device-code --authority https://login.microsoftonline.com/t --client-id c',
  );
  assert.equal(signInAgainCommand({}), 'entra-token login --tenant <tenant> --client-id <client-id>');
});
