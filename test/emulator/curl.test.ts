/**
 * The documentation's own steps, done with curl against the emulator: GET the authorize URL (auto-approved),
 * take the code from the Location header, POST it with the doc's form fields, verify the token.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

const run = promisify(execFile);
let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(() => emu.close());

test('the documented browser + curl flow yields a v1 Azure Databricks token that verifies against the emulator JWKS', async () => {
  const authorize =
    `${emu.info.authority}/oauth2/v2.0/authorize?client_id=${emu.info.public_client_id}&response_type=code` +
    `&redirect_uri=http%3A%2F%2Flocalhost&response_mode=query&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default&state=12345`;
  const head = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', authorize]);
  const [status, location] = head.stdout.split(' ');
  assert.equal(status, '302');
  const cb = new URL(location!);
  assert.equal(cb.origin, 'http://localhost');
  assert.equal(cb.searchParams.get('state'), '12345');
  assert.deepEqual([...cb.searchParams.keys()], ['code', 'state', 'session_state']);
  const code = cb.searchParams.get('code')!;

  const { stdout } = await run('curl', [
    '-s',
    '-X',
    'POST',
    `${emu.info.authority}/oauth2/v2.0/token`,
    '-H',
    'Content-Type: application/x-www-form-urlencoded',
    '-d',
    `client_id=${emu.info.public_client_id}`,
    '-d',
    'scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default',
    '-d',
    `code=${code}`,
    '-d',
    'redirect_uri=http%3A%2F%2Flocalhost',
    '-d',
    'grant_type=authorization_code',
    '-d',
    'state=12345',
  ]);
  const body = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['token_type', 'scope', 'expires_in', 'ext_expires_in', 'access_token']);
  assert.equal(body.scope, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation');
  const jwks = createRemoteJWKSet(new URL(emu.info.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
    issuer: `https://sts.windows.net/${emu.info.tenant_id}/`,
    audience: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  });
  assert.deepEqual(Object.keys(protectedHeader), ['typ', 'alg', 'x5t', 'kid']);
  assert.deepEqual(Object.keys(payload), [
    'aud',
    'iss',
    'iat',
    'nbf',
    'exp',
    'acr',
    'aio',
    'amr',
    'appid',
    'appidacr',
    'family_name',
    'given_name',
    'ipaddr',
    'name',
    'oid',
    'rh',
    'scp',
    'sub',
    'tid',
    'unique_name',
    'upn',
    'uti',
    'ver',
  ]);
  assert.equal(payload.ver, '1.0');
  assert.equal(payload.scp, 'user_impersonation');
  assert.equal(payload.appidacr, '0');
  assert.equal(payload.upn, emu.info.username);
});

test('curl client credentials with -u (HTTP Basic) against the v1 endpoint, as the Databricks SDK does', async () => {
  const { stdout } = await run('curl', [
    '-s',
    '-X',
    'POST',
    `${emu.info.authority}/oauth2/token`,
    '-u',
    `${emu.info.confidential_client_id}:${emu.info.client_secret}`,
    '-d',
    'grant_type=client_credentials',
    '-d',
    'resource=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
  ]);
  const body = JSON.parse(stdout) as Record<string, string>;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, '3599');
  assert.equal(body.resource, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
});
