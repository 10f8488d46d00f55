// Claims challenges and the metadata service (`exec`, `serve`; docs/protocol.md §15): a Databricks tool cannot pass
// a 401 back, so with CP1 declared the server asks the workspace before handing a token out and answers a challenge
// with ONE new token carrying its claims; a new token that needs a sign-in stops with the command to run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { passwordSignIn, runInProcess } from '../helpers/cli.js';
import { createTokenKeeper, CHECK_EVERY_MS } from '../../src/flows/metadata-token.js';
import { EntraTokenError } from '../../src/core/errors.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => emu.close());

const tick = () => new Promise((r) => setTimeout(r, 5));
const tokenCalls = () => emu.requests().filter((q) => q.path.endsWith('/oauth2/v2.0/token'));

async function signedIn(): Promise<Record<string, string>> {
  const env = {
    PATH: process.env.PATH ?? '',
    ENTRA_TOKEN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'et-cache-')),
    ENTRA_TOKEN_STATE_DIR: mkdtempSync(join(tmpdir(), 'et-state-')),
  };
  const r = await passwordSignIn(emu.info, env);
  assert.equal(r.code, 0, r.stderr);
  return env;
}

// the child: ask the metadata service for a token as the SDKs do, call the workspace with it, print the status
const child = [
  '--',
  process.execPath,
  '-e',
  `(async()=>{const e=process.env;const t=await (await fetch(e.DATABRICKS_METADATA_SERVICE_URL,{headers:{'X-Databricks-Metadata-Version':'1','X-Databricks-Host':e.DATABRICKS_HOST}})).json();const r=await fetch(e.DATABRICKS_HOST+'/api/2.0/clusters/list',{headers:{authorization:'Bearer '+t.access_token}});console.log(r.status)})()`,
];

test('exec --client-capabilities cp1: the revoked token is checked, ONE refresh with the claims (and CP1), the tool gets a token the workspace accepts', async () => {
  const env = await signedIn();
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  const r = await runInProcess(
    ['exec', '--client-capabilities', 'cp1', '--host', String(emu.info.workspace_url), ...child],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '200');
  assert.equal(
    r.stderr,
    'entra-token: the workspace answered with a claims challenge: getting a new token with its claims\n',
  );
  const calls = tokenCalls();
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.form?.grant_type, 'refresh_token');
  assert.match(
    calls[0]!.form?.claims ?? '',
    /^\{"access_token":\{"nbf":\{"essential":true,"value":"\d+"\},"xms_cc":\{"values":\["CP1"\]\}\}\}$/,
  );
  assert.equal(
    emu.requests().filter((q) => q.path.endsWith('/scim/v2/Me')).length,
    1,
    'the new token is checked a minute later',
  );
});

test('exec without cp1 makes no check (the tool meets the 401 itself); with cp1 and revoked sessions it stops with exit 5 and the login --claims command', async () => {
  const env = await signedIn();
  emu.revokeUser(String(emu.info.username), { keepRefreshTokens: true });
  await tick();
  emu.clearRequests();
  const plain = await runInProcess(['exec', '--host', String(emu.info.workspace_url), ...child], { env });
  assert.equal(plain.stdout.trim(), '401');
  assert.equal(emu.requests().filter((q) => q.path.endsWith('/scim/v2/Me')).length, 0);

  emu.revokeUser(String(emu.info.username));
  await tick();
  emu.clearRequests();
  const r = await runInProcess(
    ['exec', '--client-capabilities', 'cp1', '--host', String(emu.info.workspace_url), ...child],
    { env },
  );
  assert.equal(r.code, 5, r.stderr);
  assert.equal(r.stdout, '', 'the tool never ran');
  assert.match(r.stderr, /^entra-token: the workspace answered with a claims challenge/);
  assert.match(r.stderr, /\nentra-token: error EINTERACTION_REQUIRED: invalid_grant AADSTS50173: /);
  assert.match(r.stderr, /\nhint: sign in again: entra-token login .* --claims '\{"access_token":\{"nbf":/);
  assert.equal(tokenCalls().length, 1, 'one refresh attempt');
});

test('the token keeper: one answered challenge per token, a second challenge is served as an error, never re-acquired', async () => {
  let now = 1_000_000;
  const acquired: Array<string | undefined> = [];
  let n = 0;
  let challenge: string | undefined = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}';
  const keeper = createTokenKeeper({
    now: () => now,
    acquire: async (claims) => {
      acquired.push(claims);
      return { access_token: `t${n++}`, expires_at: now + 3600_000, renew_at: now + 3300_000 };
    },
    check: async () => challenge,
  });
  assert.equal((await keeper.token()).access_token, 't1', 'first token challenged, answered once');
  assert.deepEqual(acquired, [undefined, challenge]);
  assert.equal((await keeper.token()).access_token, 't1', 'checked less than a minute ago: served');
  now += CHECK_EVERY_MS;
  await assert.rejects(
    keeper.token(),
    (e: EntraTokenError) => e.code === 'EAPI' && /second claims challenge/.test(e.message),
  );
  assert.equal(acquired.length, 2, 'no third acquisition');
  challenge = undefined;
  now += CHECK_EVERY_MS;
  assert.equal((await keeper.token()).access_token, 't1', 'accepted again: served');
  assert.equal(keeper.acquisitions, 2);
});
