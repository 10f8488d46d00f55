import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeProtectedHeader } from 'jose';
import { startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { isolatedEnv } from '../helpers/env.js';
import { runInTty } from '../helpers/tty.js';
import { LIBRARY_FIELDS, LIBRARY_FORM, LIBRARY_KEYS } from '../helpers/platform.js';

type Emu = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emu;
let dir: string;
let I: Emu['info'];
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const ENV = () => isolatedEnv(dir);

before(async () => {
  emu = await startEmulator();
  I = emu.info;
  dir = mkdtempSync(join(tmpdir(), 'entra-grants-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(
  argv: string[],
  opts: { env?: Record<string, string>; stdin?: string; isTTY?: boolean; signal?: AbortSignal } = {},
): Promise<CliRun> {
  return runInProcess(argv, { ...opts, env: { ...ENV(), ...opts.env } });
}

/** The secret never shows in full, in any stream. */
function assertHidden(r: CliRun, ...secrets: string[]): void {
  for (const s of secrets) {
    assert.equal(r.stdout.includes(s), false, 'secret on stdout');
    assert.equal(r.stderr.includes(s), false, 'secret on stderr');
  }
}

function lastToken() {
  const q = emu
    .requests()
    .filter((x) => x.path.endsWith('/token'))
    .at(-1)!;
  return q;
}

const pw = (extra: string[] = []) => [
  'password',
  '--authority',
  I.authority,
  '--client-id',
  I.public_client_id,
  '--username',
  I.username,
  ...extra,
];

// ---------------------------------------------------------------- password

test('password --password-stdin: the realm lookup, then §2.3 fields sent in order, tokens printed as JSON, the password nowhere in the output (with --trace and --curl)', async () => {
  const before = emu.requests().length;
  const r = await run(['--trace', '--curl', ...pw(['--password-stdin', '-o', 'json'])], { stdin: `${I.password}\n` });
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.deepEqual(
    emu
      .requests()
      .slice(before)
      .map((x) => `${x.method} ${x.path}?${new URLSearchParams(x.query).toString()} ${x.status}`),
    [
      `GET /common/userrealm/${encodeURIComponent(I.username)}?api-version=1.0 200`,
      `POST /${I.tenant_id}/oauth2/v2.0/token? 200`,
    ],
  );
  assert.deepEqual(Object.entries(q.form!), [
    ['client_id', I.public_client_id],
    ['grant_type', 'password'],
    ['username', I.username],
    ['password', I.password],
    ['scope', `${DBX} openid profile offline_access`],
    ['client_info', '1'],
    ...LIBRARY_FIELDS,
  ]);
  assert.equal(q.headers['x-anchormailbox'], `UPN:${I.username}`);
  assert.match(
    r.stderr,
    /== Discover user realm[\s\S]*user realm: Managed \(contoso\.com\): Entra checks the password[\s\S]*== Request token/,
  );
  const j = JSON.parse(r.stdout);
  assert.equal(j.token_type, 'Bearer');
  assert.equal(typeof j.refresh_token, 'string');
  assert.match(r.stderr, /== Request token/);
  assert.match(r.stderr, /--data-urlencode password@<\(printf '%s' "\$PASSWORD"\)/);
  assertHidden(r, I.password);
});

test('password from ENTRA_TOKEN_PASSWORD; -o token prints the bare access token', async () => {
  const r = await run(pw(['-o', 'token']), { env: { ENTRA_TOKEN_PASSWORD: I.password } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  assert.equal(r.stderr, '');
});

test('password --password VALUE works but warns that other local users can read argv', async () => {
  const r = await run(pw(['--password', I.password, '-o', 'token']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    'entra-token: warning: --password puts the password on the command line, where other local users can read it (ps); use the prompt, --password-stdin or ENTRA_TOKEN_PASSWORD\n',
  );
});

function ttyRun(argv: string[], keys: string[], env: Record<string, string> = {}) {
  return runInTty(argv, keys, { env: { ...ENV(), ...env }, cwd: dir });
}

test('on a terminal the password is asked for without echo (raw mode on, then off; Backspace edits)', async () => {
  const r = await ttyRun(pw(['-o', 'token']), [`${I.password}x\u007f`, '\r']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.rawModes, [true, false]);
  assert.equal(r.stderr, `Password for ${I.username}: \n`);
  assertHidden(r, I.password);
});

test('Ctrl-C at the password prompt cancels with ECANCELLED (exit 130); only the realm lookup was sent, no password', async () => {
  const before = emu.requests().length;
  const r = await ttyRun(pw(), ['sec', '\u0003']);
  assert.equal(r.code, 130);
  assert.equal(
    r.stderr,
    `Password for ${I.username}: \nentra-token: error ECANCELLED: cancelled at the password prompt; nothing was sent\n`,
  );
  assert.deepEqual(r.rawModes, [true, false]);
  assert.deepEqual(
    emu
      .requests()
      .slice(before)
      .map((x) => `${x.method} ${x.path}`),
    [`GET /common/userrealm/${encodeURIComponent(I.username)}`],
  );
});

test('password over /common is refused before anything is sent or asked (AADSTS9001023, exit 2)', async () => {
  const before = emu.requests().length;
  const r = await run([
    'password',
    '--authority',
    `${I.url}/common`,
    '--client-id',
    I.public_client_id,
    '--username',
    I.username,
  ]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: AADSTS9001023: the password grant is not supported over the /common endpoint (this grant is not supported over /common or /consumers); nothing was sent\nhint: use --tenant organizations or your tenant id\n',
  );
  assert.equal(emu.requests().length, before);
});

test('no password source and no terminal: usage error naming the ways to give one', async () => {
  const r = await run(pw());
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: no password: standard input is not a terminal, so give --password-stdin or set ENTRA_TOKEN_PASSWORD\n',
  );
});

test('a wrong password: 400 invalid_grant AADSTS50126, exit 4, the hint about federated users, the password not echoed', async () => {
  const wrong = 'Wr0ng-Passw0rd-Value';
  const r = await run(pw(['--password-stdin']), { stdin: wrong });
  assert.equal(r.code, 4);
  assert.equal(lastToken().status, 400);
  assert.match(
    r.stderr,
    /^entra-token: error EOAUTH: invalid_grant AADSTS50126: Error validating credentials due to invalid username or password\./,
  );
  assert.match(
    r.stderr,
    /\nhint: check the credentials; federated \(ADFS\) users cannot use the password grant: use login or device-code\n$/,
  );
  assertHidden(r, wrong);
});

/** The claims challenge the emulator's 50076 carries, as Entra's does (docs/protocol.md §3.1, §15). */
const MFA_CLAIMS = '{"access_token":{"capolids":{"essential":true,"values":["5a4c3b2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"]}}}';
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('an MFA user: AADSTS50076 → EINTERACTION_REQUIRED (exit 5) pointing to device-code with the exact command, replaying the claims challenge Entra sent', async () => {
  const r = await run(
    [
      'password',
      '--authority',
      I.authority,
      '--client-id',
      I.public_client_id,
      '--username',
      I.mfa_username,
      '--password-stdin',
    ],
    { stdin: I.mfa_password },
  );
  assert.equal(r.code, 5);
  assert.match(r.stderr, /^entra-token: error EINTERACTION_REQUIRED: interaction_required AADSTS50076: /);
  assert.match(
    r.stderr,
    new RegExp(
      `\\nhint: the password grant cannot do MFA: use entra-token login or entra-token device-code \\(entra-token device-code --authority ${I.authority} --client-id ${I.public_client_id} --claims '${escapeRe(MFA_CLAIMS)}'\\)\\n$`,
    ),
  );
  assertHidden(r, I.mfa_password);
});

test('an expired password: AADSTS50055 (exit 5) with the change-password hint', async () => {
  const r = await run(
    [
      'password',
      '--authority',
      I.authority,
      '--client-id',
      I.public_client_id,
      '--username',
      'carol@contoso.com',
      '--password-stdin',
    ],
    { stdin: 'Carol-P@ssw0rd!' },
  );
  assert.equal(r.code, 5);
  assert.match(
    r.stderr,
    /^entra-token: error EINTERACTION_REQUIRED: user_password_expired AADSTS50055: Password is expired\./,
  );
  assert.match(
    r.stderr,
    /\nhint: change the password interactively \(https:\/\/portal\.microsoftonline\.com\/ChangePassword\.aspx\), then try again\n$/,
  );
});

test('AADSTS50079, 65001, 53003 (interaction_required, exit 5) are decoded with their hints; 65001 prints the admin-consent URL', async () => {
  const cases: Array<[number, number, RegExp]> = [
    [50079, 5, /\nhint: enroll in MFA in a browser, then use entra-token login or device-code\n$/],
    [
      65001,
      5,
      new RegExp(
        `\\nhint: sign in interactively with --prompt consent, or have an administrator grant consent: ${I.authority.replace(/[.]/g, '\\.')}/adminconsent\\?client_id=${I.public_client_id}\\n$`,
      ),
    ],
    [
      53003,
      5,
      /\nhint: look up the sign-in in the Entra sign-in logs; the policy may require a compliant device or block this flow\n$/,
    ],
  ];
  for (const [code, exit, hint] of cases) {
    emu.fault({ endpoint: 'token', kind: 'aadsts', code });
    const r = await run(pw(['--password-stdin']), { stdin: I.password });
    assert.equal(r.code, exit, `${code}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`AADSTS${code}: `));
    assert.match(r.stderr, hint);
    assertHidden(r, I.password);
  }
});

test('a confidential app without "Allow public client flows": AADSTS7000218 (exit 4) with its hint', async () => {
  const r = await run(
    [
      'password',
      '--authority',
      I.authority,
      '--client-id',
      I.no_public_flows_client_id,
      '--username',
      I.username,
      '--password-stdin',
    ],
    { stdin: I.password },
  );
  assert.equal(r.code, 4);
  assert.match(r.stderr, /^entra-token: error EOAUTH: invalid_client AADSTS7000218: /);
  assert.match(
    r.stderr,
    /\nhint: send a client secret or certificate \(client-credentials\), or enable "Allow public client flows" on the app registration/,
  );
});

// ---------------------------------------------------------------- refresh

async function freshTokens(): Promise<Record<string, string>> {
  const r = await run(pw(['--password-stdin', '-o', 'json']), { stdin: I.password });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const rf = (extra: string[] = []) => [
  'refresh',
  '--authority',
  I.authority,
  '--client-id',
  I.public_client_id,
  ...extra,
];

test('refresh --refresh-token-stdin with a whole token response: §2.2 fields, new tokens, the rotated refresh token printed and noted', async () => {
  const t = await freshTokens();
  const r = await run(['--trace', '--curl', ...rf(['--refresh-token-stdin', '-o', 'json'])], {
    stdin: JSON.stringify(t),
  });
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.equal(q.status, 200);
  assert.deepEqual(Object.entries(q.form!), [
    ['client_id', I.public_client_id],
    ['grant_type', 'refresh_token'],
    ['refresh_token', t.refresh_token],
    ['scope', `${DBX} openid profile offline_access`],
    ['client_info', '1'],
    ...LIBRARY_FIELDS,
  ]);
  const j = JSON.parse(r.stdout);
  assert.notEqual(j.refresh_token, t.refresh_token);
  assert.match(
    r.stderr,
    /note: Entra issued a new refresh token \(refresh_token above\); store it in place of the one from stdin\n/,
  );
  assertHidden(r, t.refresh_token!);
});

test('refresh from ENTRA_TOKEN_REFRESH_TOKEN (raw) with another resource; -o token says where the new refresh token went', async () => {
  const t = await freshTokens();
  const r = await run(
    rf(['--scope', 'https://graph.microsoft.com/.default', '--scope', 'offline_access', '-o', 'token']),
    { env: { ENTRA_TOKEN_REFRESH_TOKEN: t.refresh_token! } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastToken().form!.scope, 'https://graph.microsoft.com/.default offline_access');
  assert.equal(
    r.stderr,
    'note: Entra issued a new refresh token that replaces the one from ENTRA_TOKEN_REFRESH_TOKEN; -o token prints only the access token, so use -o json to keep it\n',
  );
  assertHidden(r, t.refresh_token!);
});

test('refresh without any source: usage error with the sign-in command', async () => {
  // an empty cache: earlier tests cached refresh tokens, which `refresh` would otherwise use
  const r = await run(rf(), { env: { ENTRA_TOKEN_CACHE_DIR: join(dir, 'empty-cache') } });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `entra-token: error EUSAGE: no refresh token: give --refresh-token-stdin or set ENTRA_TOKEN_REFRESH_TOKEN\nhint: or sign in first: entra-token login --authority ${I.authority} --client-id ${I.public_client_id}\n`,
  );
});

test('refresh with no source uses the newest cached refresh token and caches the answer', async () => {
  const r = await run(rf(['-o', 'json']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(typeof JSON.parse(r.stdout).access_token, 'string');
  const t = await run(['token', '--authority', I.authority, '--client-id', I.public_client_id, '-o', 'json']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).source, 'cache');
});

test('refresh: a JSON without refresh_token is a clear input error (exit 2)', async () => {
  const r = await run(rf(['--refresh-token-stdin']), { stdin: '{"access_token":"x"}' });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EBAD_INPUT: the JSON on standard input has no "refresh_token"\nhint: the token response must come from a request with the offline_access scope\n',
  );
});

test('refresh after a password reset (AADSTS50173) and after 90 days idle (AADSTS700082): "sign in again" with the exact command, exit 5', async () => {
  for (const code of [50173, 700082]) {
    const t = await freshTokens();
    emu.fault({ endpoint: 'token', kind: 'aadsts', code });
    const r = await run(rf(['--refresh-token-stdin']), { stdin: t.refresh_token });
    assert.equal(r.code, 5, r.stderr);
    assert.equal(lastToken().status, 400);
    assert.match(r.stderr, new RegExp(`^entra-token: error EINTERACTION_REQUIRED: invalid_grant AADSTS${code}: `));
    assert.match(
      r.stderr,
      new RegExp(
        `\\nhint: sign in again: entra-token login --authority ${I.authority.replace(/[.]/g, '\\.')} --client-id ${I.public_client_id}\\n$`,
      ),
    );
    assertHidden(r, t.refresh_token!);
  }
});

test('refresh with a revoked grant from the emulator itself (POST /_emulator/revoke) → AADSTS50173, exit 5', async () => {
  const t = await freshTokens();
  emu.revokeUser(I.username);
  const r = await run(rf(['--refresh-token-stdin']), { stdin: t.refresh_token });
  assert.equal(r.code, 5);
  assert.match(r.stderr, /AADSTS50173: /);
});

// ---------------------------------------------------------------- client credentials

const cc = (extra: string[] = []) => [
  'client-credentials',
  '--authority',
  I.authority,
  '--client-id',
  I.confidential_client_id,
  ...extra,
];

test('client-credentials with AZURE_CLIENT_SECRET: §2.4 fields, an app-only Databricks token, no refresh token, the secret hidden even with --trace --curl', async () => {
  const r = await run(['--trace', '--curl', ...cc(['-o', 'json'])], { env: { AZURE_CLIENT_SECRET: I.client_secret } });
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.equal(q.status, 200);
  assert.deepEqual(Object.entries(q.form!), [
    ['client_id', I.confidential_client_id],
    ['scope', DBX],
    ['grant_type', 'client_credentials'],
    ['client_secret', I.client_secret],
    ...LIBRARY_FIELDS,
  ]);
  const j = JSON.parse(r.stdout);
  assert.equal(j.expires_in, 3599);
  assert.equal(j.refresh_token, undefined);
  assertHidden(r, I.client_secret);
});

test('client-credentials reads ARM_CLIENT_SECRET, --client-secret-stdin and --client-secret-file (a readable file warns)', async () => {
  let r = await run(cc(['-o', 'token']), { env: { ARM_CLIENT_SECRET: I.client_secret } });
  assert.equal(r.code, 0, r.stderr);
  r = await run(cc(['--client-secret-stdin', '-o', 'token']), { stdin: `${I.client_secret}\n` });
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'secret');
  writeFileSync(file, `${I.client_secret}\n`);
  chmodSync(file, 0o644);
  r = await run(cc(['--client-secret-file', file, '-o', 'token']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `entra-token: warning: ${file} can be read by other users (mode 644); chmod 600 ${file}\n`);
  chmodSync(file, 0o600);
  r = await run(cc(['--client-secret-file', file, '-o', 'token']));
  assert.equal(r.stderr, '');
  assertHidden(r, I.client_secret);
});

test('client-credentials --client-auth basic sends the secret in an Authorization: Basic header', async () => {
  const r = await run(cc(['--client-auth', 'basic', '-o', 'token']), { env: { AZURE_CLIENT_SECRET: I.client_secret } });
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.equal(q.form!.client_secret, undefined);
  assert.equal(
    q.headers.authorization,
    `Basic ${Buffer.from(`${I.confidential_client_id}:${encodeURIComponent(I.client_secret)}`).toString('base64')}`,
  );
});

test('--client-secret VALUE is refused (exit 2) without echoing the value', async () => {
  const r = await run(cc(['--client-secret', 'S3cr3t-On-Argv-Value']));
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: --client-secret VALUE is refused: other local users can read command lines (ps)\nhint: set AZURE_CLIENT_SECRET, or use --client-secret-stdin or --client-secret-file\n',
  );
  assertHidden(r, 'S3cr3t-On-Argv-Value');
});

test('a scope without /.default is refused before sending (AADSTS1002012 text and hint, exit 2)', async () => {
  const before = emu.requests().length;
  const r = await run(cc(['--scope', 'https://graph.microsoft.com/User.Read']), {
    env: { AZURE_CLIENT_SECRET: I.client_secret },
  });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: AADSTS1002012: the provided value for scope https://graph.microsoft.com/User.Read is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI); nothing was sent\nhint: append /.default to the resource (e.g. https://graph.microsoft.com/.default) and do not double-encode it\n',
  );
  assert.equal(emu.requests().length, before);
});

test('a wrong client secret: 401 invalid_client AADSTS7000215 (exit 4) with its hint, the secret not shown', async () => {
  const wrong = 'emu8Q~not-the-right-secret-value-at-all';
  const r = await run(cc(), { env: { AZURE_CLIENT_SECRET: wrong } });
  assert.equal(r.code, 4);
  assert.equal(lastToken().status, 401);
  assert.match(r.stderr, /^entra-token: error EOAUTH: invalid_client AADSTS7000215: /);
  assert.match(r.stderr, /\nhint: use the secret's Value, not its Secret ID/);
  assertHidden(r, wrong);
});

test("client-credentials --v1: resource= on /oauth2/token like Databricks' SDKs, string numbers accepted", async () => {
  const r = await run(cc(['--v1', '-o', 'json']), { env: { AZURE_CLIENT_SECRET: I.client_secret } });
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.equal(q.path, `/${I.tenant_id}/oauth2/token`);
  assert.deepEqual(Object.entries(q.form!), [
    ['client_id', I.confidential_client_id],
    ['resource', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d'],
    ['grant_type', 'client_credentials'],
    ['client_secret', I.client_secret],
    ...LIBRARY_FIELDS,
  ]);
  const j = JSON.parse(r.stdout);
  assert.equal(j.expires_in, 3599);
  assert.equal(j.resource, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
});

test('Graph daemon: --scope https://graph.microsoft.com/.default', async () => {
  const r = await run(cc(['--scope', 'https://graph.microsoft.com/.default', '-o', 'text']), {
    env: { AZURE_CLIENT_SECRET: I.client_secret },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastToken().form!.scope, 'https://graph.microsoft.com/.default');
  assert.match(r.stdout, /^resource: +Microsoft Graph \(aud https:\/\/graph\.microsoft\.com/m);
});

function certFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

test('client-credentials --certificate: §2.5 assertion (PS256, x5t#S256, aud = the token URL), --show-assertion prints header and claims, never the key or signature', async () => {
  const pem = certFile('app.pem', emu.certificate.keyPem + emu.certificate.certPem);
  const r = await run([
    '--trace',
    '--curl',
    'client-credentials',
    '--authority',
    I.authority,
    '--client-id',
    I.certificate_client_id,
    '--certificate',
    pem,
    '--show-assertion',
    '-o',
    'token',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const q = lastToken();
  assert.equal(q.status, 200);
  assert.deepEqual(Object.keys(q.form!), [
    'client_id',
    'scope',
    'grant_type',
    'client_assertion_type',
    'client_assertion',
    ...LIBRARY_KEYS,
  ]);
  assert.equal(q.form!.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  const assertion = q.form!.client_assertion!;
  assert.deepEqual(decodeProtectedHeader(assertion), { alg: 'PS256', typ: 'JWT', 'x5t#S256': emu.certificate.x5tS256 });
  const header = /^client assertion header: (.*)$/m.exec(r.stderr)![1]!;
  const claims = JSON.parse(/^client assertion claims: (.*)$/m.exec(r.stderr)![1]!);
  assert.deepEqual(JSON.parse(header), { alg: 'PS256', typ: 'JWT', 'x5t#S256': emu.certificate.x5tS256 });
  assert.equal(claims.aud, `${I.authority}/oauth2/v2.0/token`);
  assert.equal(claims.iss, I.certificate_client_id);
  assert.equal(claims.sub, I.certificate_client_id);
  assert.equal(claims.exp - claims.iat, 600);
  assert.equal(claims.nbf, claims.iat);
  assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assertHidden(r, assertion, assertion.split('.')[2]!, emu.certificate.keyPem.split('\n')[1]!);
});

test('--certificate --rs256 --send-x5c: RS256 with the SHA-1 x5t and x5c; each request gets a new jti', async () => {
  const pem = certFile('app2.pem', emu.certificate.certPem + emu.certificate.keyPem);
  const jtis: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await run([
      'client-credentials',
      '--authority',
      I.authority,
      '--client-id',
      I.certificate_client_id,
      '--certificate',
      pem,
      '--rs256',
      '--send-x5c',
      '-o',
      'token',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const a = lastToken().form!.client_assertion!;
    const h = decodeProtectedHeader(a);
    assert.equal(h.alg, 'RS256');
    assert.equal(h.x5t, emu.certificate.x5t);
    assert.equal((h.x5c as string[]).length, 1);
    jtis.push(JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString()).jti);
  }
  assert.notEqual(jtis[0], jtis[1]);
});

test('a certificate the app does not know: 401 AADSTS700027 (exit 4) with the thumbprint hint', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { createSelfSignedCertificate } = await import('../../src/emulator/index.js');
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = createSelfSignedCertificate({ keyPair: kp, subject: 'stranger' } as never);
  const pem = certFile('other.pem', (kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string) + other.pem);
  const r = await run([
    'client-credentials',
    '--authority',
    I.authority,
    '--client-id',
    I.certificate_client_id,
    '--certificate',
    pem,
  ]);
  assert.equal(r.code, 4);
  assert.equal(lastToken().status, 401);
  assert.match(r.stderr, /^entra-token: error EOAUTH: invalid_client AADSTS700027: /);
  assert.match(r.stderr, /\nhint: upload the certificate to the app registration/);
});

test('a .pfx file is refused with the openssl conversion command (exit 2)', async () => {
  const pfx = certFile('app.pfx', '');
  writeFileSync(pfx, Buffer.from([0x30, 0x82, 0x09, 0x99, 0x02, 0x01, 0x03]));
  const r = await run([
    'client-credentials',
    '--authority',
    I.authority,
    '--client-id',
    I.certificate_client_id,
    '--certificate',
    pfx,
  ]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `entra-token: error EBAD_INPUT: ${pfx} is PKCS#12 (.pfx/.p12), which entra-token does not read (Node's crypto has no PKCS#12 parser)\nhint: convert it to PEM: openssl pkcs12 -in ${pfx} -out app.pem -nodes && chmod 600 app.pem (then --certificate app.pem)\n`,
  );
});

test('client-credentials over /organizations is refused before sending (exit 2)', async () => {
  const r = await run(
    ['client-credentials', '--authority', `${I.url}/organizations`, '--client-id', I.confidential_client_id],
    { env: { AZURE_CLIENT_SECRET: I.client_secret } },
  );
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: client credentials need a tenant-specific authority, not /organizations (AADSTS50059); nothing was sent\nhint: use a tenant-specific authority (--tenant <tenant id>) for client credentials\n',
  );
});

test('no credential at all: a usage error listing the ways to give one', async () => {
  const r = await run(cc());
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: no client credential: set AZURE_CLIENT_SECRET, or give --client-secret-stdin, --client-secret-file or --certificate\n',
  );
});

// ---------------------------------------------------------------- device code and admin consent

function liveRun(argv: string[], signal?: AbortSignal): { done: Promise<CliRun>; stderrNow: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let so = '';
  let se = '';
  stdout.on('data', (d) => (so += d));
  stderr.on('data', (d) => (se += d));
  const ctx: CliContext = {
    stdout: Object.assign(stdout, { isTTY: false }),
    stderr: Object.assign(stderr, { isTTY: false }),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: ENV(),
    now: Date.now,
    cwd: dir,
    signal: signal ?? new AbortController().signal,
  };
  const done = runCli(argv, ctx).then(async (code) => {
    await new Promise((r) => setImmediate(r));
    return { code, stdout: so, stderr: se };
  });
  return { done, stderrNow: () => se };
}

async function userCodeFrom(stderrNow: () => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = /enter the code ([A-Z0-9]+) to authenticate/.exec(stderrNow());
    if (m) return m[1]!;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no user code on stderr: ${stderrNow()}`);
}

test("device-code: Entra's message on stderr, tokens on stdout once the code is approved (one real 5 s poll)", async () => {
  const live = liveRun(['device-code', '--authority', I.authority, '--client-id', I.public_client_id, '-o', 'json']);
  const code = await userCodeFrom(live.stderrNow);
  emu.approveDeviceCode(code, 'approve');
  const r = await live.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    `To sign in, use a web browser to open the page ${I.url}/devicelogin and enter the code ${code} to authenticate.\nWaiting for the sign-in (code ${code}, expires in 15 min; Ctrl-C to stop)…\nSigned in.\n`,
  );
  const j = JSON.parse(r.stdout);
  assert.equal(typeof j.access_token, 'string');
  const dc = emu
    .requests()
    .filter((q) => q.path.endsWith('/devicecode'))
    .at(-1)!;
  assert.deepEqual(dc.form, {
    client_id: I.public_client_id,
    scope: `${DBX} openid profile offline_access`,
    ...LIBRARY_FORM,
  });
  assert.equal(lastToken().form!.client_info, '1');
  assert.equal(lastToken().form!.grant_type, 'urn:ietf:params:oauth:grant-type:device_code');
  assertHidden(r, lastToken().form!.device_code!);
});

test('device-code: Ctrl-C while waiting exits 130 with one line', async () => {
  const ac = new AbortController();
  const live = liveRun(['device-code', '--authority', I.authority, '--client-id', I.public_client_id], ac.signal);
  await userCodeFrom(live.stderrNow);
  ac.abort();
  const r = await live.done;
  assert.equal(r.code, 130);
  assert.match(r.stderr, /\nentra-token: error ECANCELLED: device code sign-in cancelled; nothing was stored\n$/);
});

test('admin-consent-url: the v2 URL on stdout (default Databricks scope), the legacy one with --v1', async () => {
  let r = await run([
    'admin-consent-url',
    '--tenant',
    I.tenant_id,
    '--client-id',
    I.confidential_client_id,
    '--state',
    'st-12345',
    '--redirect-uri',
    'http://localhost/myapp/permissions',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `https://login.microsoftonline.com/${I.tenant_id}/v2.0/adminconsent?client_id=${I.confidential_client_id}&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default&redirect_uri=http%3A%2F%2Flocalhost%2Fmyapp%2Fpermissions&state=st-12345\n`,
  );
  assert.match(r.stderr, /admin_consent=True&tenant=…&state=st-12345\n/);
  r = await run([
    'admin-consent-url',
    '--authority',
    I.authority,
    '--client-id',
    I.confidential_client_id,
    '--v1',
    '--state',
    'st-12345',
  ]);
  assert.equal(
    r.stdout,
    `${I.authority}/adminconsent?client_id=${I.confidential_client_id}&redirect_uri=http%3A%2F%2Flocalhost&state=st-12345\n`,
  );
  r = await run([
    'admin-consent-url',
    '--tenant',
    I.tenant_id,
    '--client-id',
    I.confidential_client_id,
    '--scope',
    'https://graph.microsoft.com/.default',
  ]);
  assert.match(
    r.stdout,
    /&scope=https%3A%2F%2Fgraph\.microsoft\.com%2F\.default&redirect_uri=http%3A%2F%2Flocalhost&state=[\w-]{43}\n$/,
  );
});

test('admin-consent-url: the emulator answers the v2 URL with its sign-in page (no error)', async () => {
  const r = await run([
    'admin-consent-url',
    '--authority',
    I.authority,
    '--client-id',
    I.confidential_client_id,
    '--scope',
    'https://graph.microsoft.com/.default',
    '--state',
    'abcdefgh',
  ]);
  const res = await fetch(r.stdout.trim(), { redirect: 'manual' });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /id="idSIButton9"/, 'the sign-in page, not an error page');
});
