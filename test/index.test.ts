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
