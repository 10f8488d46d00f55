import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';

type Emu = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emu;

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.close();
});

async function token(form: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.info.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

const clientCredentials = () =>
  token({
    grant_type: 'client_credentials',
    client_id: emu.info.confidential_client_id,
    client_secret: emu.info.client_secret,
    scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
  });

test('an emulator client-credentials Databricks token verifies against the emulator JWKS', async () => {
  const t = await clientCredentials();
  const r = await runInProcess([
    'inspect',
    String(t.access_token),
    '--verify',
    '--authority',
    emu.info.authority,
    '--audience',
    '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
    '--expect',
    'databricks',
    '--strict',
    '--output',
    'json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.verification.verified, true);
  assert.equal(j.verification.issuer, `https://sts.windows.net/${emu.info.tenant_id}/`);
  assert.equal(j.verification.keys_from, `${emu.info.url}/${emu.info.tenant_id}/discovery/keys`);
  assert.match(
    j.verdict,
    new RegExp(
      `^Azure Databricks access token \\(v1\\), app-only for app ${emu.info.confidential_client_id} \\(client secret\\) in tenant ${emu.info.tenant_id}, `,
    ),
  );
});

test('the whole emulator token response on stdin: access and ID token from the password grant both verify', async () => {
  const t = await token({
    grant_type: 'password',
    client_id: emu.info.public_client_id,
    username: emu.info.username,
    password: emu.info.password,
    scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access',
  });
  const r = await runInProcess(['inspect', '-', '--verify', '--authority', emu.info.authority, '--output', 'json'], {
    stdin: JSON.stringify(t),
  });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.access_token.verification.verified, true);
  assert.match(
    j.access_token.verdict,
    new RegExp(
      `^Azure Databricks access token \\(v1\\) for ${emu.info.username} .*delegated \\(scp user_impersonation\\)`,
    ),
  );
  assert.equal(typeof t.id_token, 'string');
  {
    assert.equal(j.id_token.verification.verified, true);
    assert.equal(j.id_token.verification.issuer, `${emu.info.url}/${emu.info.tenant_id}/v2.0`);
    assert.match(j.id_token.verdict, /^ID token \(v2\) for /);
  }
});

test('an emulator token with a changed claim is rejected as a bad signature, exit 7', async () => {
  const t = String((await clientCredentials()).access_token);
  const [h, p, s] = t.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${s}`;
  const r = await runInProcess(['inspect', '--verify', '--authority', emu.info.authority], { stdin: forged });
  assert.equal(r.code, 7);
  assert.match(
    r.stderr,
    /^entra-token: error ESIGNATURE: bad signature: the token was not signed by key \S+ from http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+\/discovery\/keys, or was altered after signing\n$/,
  );
});

test('an emulator token is reported expired once the emulator and inspect clocks move past exp + skew', async () => {
  const t = String((await clientCredentials()).access_token);
  const exp = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).exp as number;
  const r = await runInProcess(['inspect', '--verify', '--authority', emu.info.authority], {
    stdin: t,
    now: () => (exp + 3600) * 1000,
  });
  assert.equal(r.code, 7);
  assert.match(r.stderr, /^entra-token: error ECLAIM: expired 1 h ago \(exp .*, clock skew allowed 300 s\)\n$/);
});
