/**
 * Issue 23: `account use NAME` (the default account, like `az account set`) and `whoami` (which identity the next
 * command uses, and from where), against the emulator, in-process; the `token` fast path reads the default too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { fastToken } from '../../src/cli/token-fast.js';
import { passwordSignIn, runInProcess } from '../helpers/cli.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => emu.close());

const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

function freshEnv(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'et-account-'));
  return { HOME: home, ENTRA_TOKEN_CACHE_DIR: join(home, 'cache'), ENTRA_TOKEN_STATE_DIR: join(home, 'state') };
}

/** alice signed in (refresh token) and the confidential app with a fresh Databricks token: two accounts can answer. */
async function twoAccounts(env: Record<string, string>): Promise<{ user: string; app: string }> {
  const u = await passwordSignIn(emu.info, env);
  assert.equal(u.code, 0, u.stderr);
  const a = await runInProcess(
    [
      'client-credentials',
      '--authority',
      emu.info.authority,
      '--client-id',
      emu.info.confidential_client_id,
      '-o',
      'token',
    ],
    { env: { ...env, AZURE_CLIENT_SECRET: String(emu.info.client_secret) } },
  );
  assert.equal(a.code, 0, a.stderr);
  return { user: u.stdout.trim(), app: a.stdout.trim() };
}

test('account use NAME: token answers with that account without --account; whoami says why; --none forgets it', async () => {
  const env = freshEnv();
  const { user, app } = await twoAccounts(env);
  const ask = await runInProcess(['token'], { env });
  assert.equal(ask.code, 2, 'two accounts can answer: the question is asked');

  const use = await runInProcess(['account', 'use', 'ALICE@contoso.com'], { env });
  assert.equal(use.code, 0, use.stderr);
  assert.equal(
    use.stderr,
    'The default account is now alice@contoso.com (3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46.72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13), kept in ' +
      `~/state/default-account.json.\n`,
  );
  const file = join(env.ENTRA_TOKEN_STATE_DIR!, 'default-account.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(env.ENTRA_TOKEN_STATE_DIR!).mode & 0o777, 0o700);

  const t = await runInProcess(['token'], { env });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout.trim(), user);
  // the fast path of bin.ts agrees with the full program
  let fast = '';
  const code = await fastToken([], { env, now: Date.now(), stdout: { write: (s: string) => (fast += s) } });
  assert.equal(code, 0);
  assert.equal(fast.trim(), user);
  // --account and ENTRA_TOKEN_ACCOUNT still win over the default
  const flag = await runInProcess(['token', '--account', emu.info.confidential_client_id], { env });
  assert.equal(flag.stdout.trim(), app);
  const viaEnv = await runInProcess(['token'], {
    env: { ...env, ENTRA_TOKEN_ACCOUNT: emu.info.confidential_client_id },
  });
  assert.equal(viaEnv.stdout.trim(), app);

  const who = await runInProcess(['whoami'], { env });
  assert.equal(who.code, 0, who.stderr);
  const lines = who.stdout.split('\n');
  assert.equal(lines[0], 'alice@contoso.com (Alice Smith)');
  assert.equal(lines[1], '  source     cached sign-in: the token cache (alice@contoso.com)');
  assert.equal(
    lines[2],
    `  account    chosen by the default account alice@contoso.com (entra-token account use; ~/state/default-account.json)`,
  );
  assert.equal(lines[3], '  tenant     72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13');
  assert.equal(lines[4], '  client     6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90');
  assert.equal(lines[5], `  authority  ${emu.info.authority}`);
  assert.match(
    lines[6]!,
    new RegExp(`^  token      ${DATABRICKS.replace(/[./]/g, '\\$&')}: valid \\d+ min more; refresh token: yes$`),
  );

  const json = JSON.parse(
    (
      await runInProcess(['whoami', '-o', 'json'], {
        env: { ...env, ENTRA_TOKEN_ACCOUNT: emu.info.confidential_client_id },
      })
    ).stdout,
  );
  assert.equal(json.source, 'cached-sign-in');
  assert.equal(json.identity.kind, 'app');
  assert.equal(json.identity.client_id, emu.info.confidential_client_id);
  assert.equal(json.account_from, 'env ENTRA_TOKEN_ACCOUNT');
  assert.equal(json.default_account.username, 'alice@contoso.com');

  const none = await runInProcess(['account', 'use', '--none'], { env });
  assert.equal(none.stderr, 'The default account is forgotten.\n');
  assert.equal((await runInProcess(['token'], { env })).code, 2);
});

test('account use refuses an account that is not cached (exit 2, naming the cached ones); whoami with nothing exits 5', async () => {
  const env = freshEnv();
  const empty = await runInProcess(['account', 'use', 'bob@contoso.com'], { env });
  assert.equal(empty.code, 2);
  assert.equal(
    empty.stderr,
    'entra-token: error EUSAGE: no cached account is named bob@contoso.com\n' +
      'hint: sign in first: entra-token login --host <workspace URL> (or --tenant <tenant>)\n',
  );
  await twoAccounts(env);
  const other = await runInProcess(['account', 'use', 'bob@contoso.com'], { env });
  assert.equal(other.code, 2);
  assert.match(
    other.stderr,
    /^entra-token: error EUSAGE: no cached account is named bob@contoso\.com\nhint: sign in as that account first, or choose one of: /,
  );

  const nobody = await runInProcess(['whoami', '--no-interactive'], { env: freshEnv() });
  assert.equal(nobody.code, 5);
  assert.equal(
    nobody.stderr,
    'entra-token: error EINTERACTION_REQUIRED: nobody: no credential is configured and no cached sign-in matches\n' +
      'hint: sign in: entra-token login --host <workspace URL> (entra-token auth describe shows why each source was skipped)\n',
  );
});

test('whoami names an app from the environment, and an interactive sign-in to come with the Azure CLI client', async () => {
  const env = freshEnv();
  const app = await runInProcess(
    ['whoami', '--authority', emu.info.authority, '--client-id', emu.info.confidential_client_id],
    {
      env: { ...env, AZURE_CLIENT_SECRET: 'x' },
    },
  );
  assert.equal(app.code, 0, app.stderr);
  assert.equal(
    app.stdout,
    `app ${emu.info.confidential_client_id}\n` +
      '  source     client secret: env AZURE_CLIENT_SECRET\n' +
      `  client     ${emu.info.confidential_client_id} (--client-id)\n` +
      `  authority  ${emu.info.authority}\n`,
  );
  const tty = await runInProcess(['whoami', '--tenant', String(emu.info.tenant_id), '-o', 'json'], {
    env: { ...env, DISPLAY: ':0' },
    isTTY: true,
  });
  assert.equal(tty.code, 0, tty.stderr);
  const j = JSON.parse(tty.stdout);
  assert.equal(j.source, 'interactive');
  assert.deepEqual(j.client_id, {
    value: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
    source: "default: the Azure CLI's public client",
  });
});
