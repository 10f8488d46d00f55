import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from '../src/index.js';

test('the library exports the documented flow and every grant', () => {
  for (const name of [
    'buildAuthorizeUrl',
    'parseRedirect',
    'exchangeCode',
    'startAuthorization',
    'login',
    'passwordTokens',
    'refreshTokens',
    'clientCredentialsTokens',
    'deviceCodeTokens',
    'createTokenProvider',
    'inspectToken',
    'verifyEntraJwt',
    'createHttpClient',
    'EntraTokenError',
    'EntraOAuthError',
    'WorkspaceClient',
    'listUsers',
    'createCredential',
    'getChainToken',
    'planCredential',
    'CredentialUnavailableError',
  ]) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
});

test('issue 23: the library names the default public client of a user sign-in (the Azure CLI on Entra)', () => {
  assert.equal(lib.AZURE_CLI_CLIENT_ID, '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
  assert.equal(lib.defaultPublicClientId({ kind: 'entra' }), '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
  assert.equal(
    lib.defaultPublicClientId({ kind: 'oidc', issuer: 'https://adb-1.2.azuredatabricks.net/oidc' }),
    'databricks-cli',
  );
  assert.equal(lib.defaultPublicClientId({ kind: 'oidc', issuer: 'https://idp.example' }), undefined);
});
