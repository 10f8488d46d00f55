// The Azure CLI's public client id, registered in the default directory as Entra has it (issue 23): a
// first-party public client, pre-consented, loopback redirects on any port, device code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { decode, get, post, tokenUrl, DATABRICKS_SCOPE } from './helpers.js';

const AZ = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());

test('the JSON line names it, and a signed-in user gets no consent page for it (first-party, pre-consented)', async () => {
  assert.equal(emu.info.azure_cli_client_id, AZ);
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: AZ,
    response_type: 'code',
    redirect_uri: 'http://localhost:51234',
    scope: `${DATABRICKS_SCOPE} offline_access openid`,
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const page = await get(`${emu.info.authority}/oauth2/v2.0/authorize?${q}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Microsoft Azure CLI/);
  const ctx = /name="ctx" value="([^"]+)"/.exec(page.text)![1]!;
  const signed = await post(`${emu.info.authority}/login`, {
    ctx,
    login: emu.info.username,
    passwd: emu.info.password,
  });
  assert.equal(signed.status, 302, 'straight back to the app: no consent page');
  const loc = new URL(signed.headers.get('location')!);
  assert.equal(loc.origin, 'http://localhost:51234');
  const t = await post(tokenUrl(emu), {
    client_id: AZ,
    grant_type: 'authorization_code',
    code: loc.searchParams.get('code')!,
    redirect_uri: 'http://localhost:51234',
    code_verifier: verifier,
  });
  assert.equal(t.status, 200, t.text);
  const at = decode(t.json.access_token as string).payload;
  assert.equal(at.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
  assert.equal(at.appid, AZ);
  assert.equal(at.appidacr, '0');
});

test('it is a public client: device code works, a secret is refused (AADSTS700025)', async () => {
  const dc = await post(`${emu.info.authority}/oauth2/v2.0/devicecode`, { client_id: AZ, scope: DATABRICKS_SCOPE });
  assert.equal(dc.status, 200);
  emu.approveDeviceCode(dc.json.user_code as string, 'approve');
  const t = await post(tokenUrl(emu), {
    client_id: AZ,
    grant_type: 'device_code',
    device_code: dc.json.device_code as string,
  });
  assert.equal(t.status, 200, t.text);
  const s = await post(tokenUrl(emu), {
    client_id: AZ,
    client_secret: 'anything',
    grant_type: 'client_credentials',
    scope: DATABRICKS_SCOPE + '',
  });
  assert.equal((s.json.error_codes as number[])[0], 700025);
});
