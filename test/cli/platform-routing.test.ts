/**
 * Issue 20 items 2–4 end to end against the emulator: the platform hints a Conditional Access device-platform
 * policy keys on (docs/protocol.md §2.9), the client-request-id quoted in every Entra error, X-AnchorMailbox,
 * and the user realm lookup that keeps a federated user's password from being sent (§2.3).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { passwordSignIn, runInProcess, type CliRun } from '../helpers/cli.js';
import { isolatedEnv } from '../helpers/env.js';
import { LIBRARY_FIELDS } from '../helpers/platform.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { createHttpClient } from '../../src/io/http.js';
import { passwordTokens } from '../../src/flows/password.js';

let emu: Emulator;
let dir: string;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'entra-platform-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function password(username: string, secret: string, extra: string[] = []): Promise<CliRun> {
  return passwordSignIn(emu.info, isolatedEnv(dir), { before: extra, username, password: `${secret}\n` });
}

async function policy(body: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${emu.url}/_emulator/policy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.text());
}

/** This machine's platform as a Conditional Access policy names it, and one that is not it. */
const OWN = process.platform === 'win32' ? 'Windows' : process.platform === 'darwin' ? 'macOS' : 'Linux';
const OTHER = OWN === 'Windows' ? 'Linux' : 'Windows';

const lastTokenPost = () =>
  emu
    .requests()
    .filter((q) => q.path.endsWith('/oauth2/v2.0/token'))
    .at(-1)!;

test('a device-platform policy (allowed_platforms) blocks a request without x-client-OS, passes ours, and blocks ours on another platform (53003)', async () => {
  const I = emu.info;
  await policy({ allowed_platforms: [OWN] });
  try {
    // what a client that does not name its OS gets (entra-token before issue 20)
    const bare = await fetch(`${I.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: I.public_client_id,
        grant_type: 'password',
        username: I.username,
        password: I.password,
        scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
      }),
    });
    const body = (await bare.json()) as { error: string; error_codes: number[] };
    assert.deepEqual([bare.status, body.error, body.error_codes], [400, 'interaction_required', [53003]]);

    const ok = await password(I.username, I.password);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^eyJ/);
    const sent = lastTokenPost();
    assert.equal(sent.status, 200);
    assert.deepEqual(
      Object.entries(sent.form!).filter(([k]) => k.startsWith('x-client-')),
      LIBRARY_FIELDS,
    );
    assert.equal(sent.form!['x-client-OS'], process.platform);

    await policy({ allowed_platforms: [OTHER] });
    const blocked = await password(I.username, I.password);
    const crid = String(lastTokenPost().headers['client-request-id']);
    assert.match(crid, UUID);
    assert.equal(blocked.code, 5);
    assert.match(
      blocked.stderr,
      new RegExp(
        `^entra-token: error EINTERACTION_REQUIRED: interaction_required AADSTS53003: Access has been blocked by Conditional Access policies\\. \\(client-request-id ${crid}, trace id [0-9a-f-]{36}, at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\)\\nhint: `,
      ),
    );
  } finally {
    await policy({ allowed_platforms: null });
  }
});

test('every Entra error names the client-request-id that was sent (Entra echoes it as the correlation id), a fresh one per request', async () => {
  const I = emu.info;
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const file = join(dir, `error-${i}.jsonl`);
    const r = await password(I.username, 'not-the-password', ['--trace-file', file]);
    assert.equal(r.code, 4);
    const q = lastTokenPost();
    const crid = String(q.headers['client-request-id']);
    assert.match(crid, UUID);
    assert.equal(q.headers['return-client-request-id'], 'true');
    const exchange = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; response?: { body: string } })
      .filter((e) => e.type === 'exchange')
      .at(-1)!;
    const answer = JSON.parse(exchange.response!.body) as {
      trace_id: string;
      correlation_id: string;
      timestamp: string;
    };
    assert.equal(answer.correlation_id, crid, 'Entra records our client-request-id as the correlation id');
    assert.equal(
      r.stderr,
      `entra-token: error EOAUTH: invalid_grant AADSTS50126: Error validating credentials due to invalid username or password. (client-request-id ${crid}, trace id ${answer.trace_id}, at ${answer.timestamp})\nhint: check the credentials; federated (ADFS) users cannot use the password grant: use login or device-code\n`,
    );
    ids.push(crid);
  }
  assert.notEqual(ids[0], ids[1]);
});

test('a federated user: the realm lookup says Federated, and the password is never sent (exit 5, naming device-code)', async () => {
  const I = emu.info;
  assert.equal(I.federated_username, 'dave@fabrikam.com');
  const before = emu.requests().length;
  const r = await password(I.federated_username, 'whatever-the-adfs-password-is');
  assert.equal(r.code, 5);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `entra-token: error EINTERACTION_REQUIRED: dave@fabrikam.com belongs to a federated domain (fabrikam.com, WSTrust): its password is checked by another identity provider, so the password grant cannot work; nothing was sent\nhint: sign in interactively instead: entra-token device-code --authority ${I.authority} --client-id ${I.public_client_id} (or entra-token login, with a browser)\n`,
  );
  assert.deepEqual(
    emu
      .requests()
      .slice(before)
      .map((q) => `${q.method} ${q.path} ${q.status}`),
    ['GET /common/userrealm/dave%40fabrikam.com 200'],
  );
});

test('the library: passwordTokens asks the realm first and refuses a federated user; a managed user gets tokens with X-AnchorMailbox UPN:', async () => {
  const I = emu.info;
  const http = createHttpClient();
  try {
    const authority = resolveAuthority({ authority: I.authority });
    const base = {
      authority,
      client_id: I.public_client_id,
      scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
    };
    const before = emu.requests().length;
    await assert.rejects(
      passwordTokens({ ...base, username: I.federated_username, password: 'x' }, { http, now: Date.now }),
      (e: EntraTokenError) => e.code === 'EINTERACTION_REQUIRED' && /federated domain \(fabrikam\.com/.test(e.message),
    );
    assert.equal(emu.requests().length, before + 1);
    const r = await passwordTokens({ ...base, username: I.username, password: I.password }, { http, now: Date.now });
    assert.deepEqual(
      r.trace.events.filter((e) => e.type === 'step').map((e) => (e as { name: string }).name),
      ['Check authority', 'Discover user realm', 'Request token', 'Check tokens'],
    );
    assert.equal(r.request.headers['x-anchormailbox'], `UPN:${I.username}`);
    assert.equal(lastTokenPost().headers['x-anchormailbox'], `UPN:${I.username}`);
    assert.equal(lastTokenPost().form!.client_info, '1');
  } finally {
    await http.close();
  }
});

test('--trace shows the User-Agent naming the OS, the library parameters and the client-request-id; --redact-pii masks the username in the realm URL and X-AnchorMailbox', async () => {
  const I = emu.info;
  const r = await password(I.username, I.password, ['--trace', '--redact-pii']);
  assert.equal(r.code, 0, r.stderr);
  const crid = String(lastTokenPost().headers['client-request-id']);
  assert.ok(r.stderr.includes(`client-request-id: ${crid}`), r.stderr);
  assert.match(
    r.stderr,
    /user-agent: entra-token\/0\.1\.0 \((Linux|Mac OS X|Windows NT|\w+); \w+\) node\/\d+\.\d+\.\d+/,
  );
  assert.ok(r.stderr.includes(`x-client-OS=${process.platform}`), 'x-client-OS in the traced form');
  assert.ok(r.stderr.includes('x-client-SKU=entra-token'));
  assert.match(r.stderr, /x-anchormailbox: UPN:\[pii hmac:[0-9a-f]{8}\]/);
  assert.match(r.stderr, /\/common\/userrealm\/\[pii hmac:[0-9a-f]{8}\]\?api-version=1\.0/);
  assert.equal(r.stderr.includes(I.username), false, 'the username nowhere under --redact-pii');
});

test('the cache keys the account by client_info uid.utid, and refresh from the cache sends X-AnchorMailbox Oid:<uid>@<utid>', async () => {
  const I = emu.info;
  const env = isolatedEnv(join(dir, 'anchor'));
  const signIn = await passwordSignIn(I, env, { output: 'json', password: `${I.password}\n` });
  assert.equal(signIn.code, 0, signIn.stderr);
  const tokens = JSON.parse(signIn.stdout) as { access_token: string; client_info?: string };
  assert.equal(lastTokenPost().form!.client_info, '1');
  const ci = JSON.parse(Buffer.from(tokens.client_info!, 'base64url').toString()) as { uid: string; utid: string };
  const oid = (JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { oid: string })
    .oid;
  assert.deepEqual([ci.uid, ci.utid], [oid, I.tenant_id], 'client_info came back with the home ids');
  const cache = JSON.parse(readFileSync(join(dir, 'anchor', 'cache', 'tokens.json'), 'utf8')) as {
    accounts: Array<{ account: string }>;
  };
  assert.deepEqual(
    cache.accounts.map((a) => a.account),
    [`${oid}.${I.tenant_id}`],
  );
  const r = await runInProcess(
    ['refresh', '--authority', I.authority, '--client-id', I.public_client_id, '-o', 'token'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const q = lastTokenPost();
  assert.equal(q.form!.grant_type, 'refresh_token');
  assert.equal(q.headers['x-anchormailbox'], `Oid:${oid}@${I.tenant_id}`);
});

test('the HAR and the curl script carry what was sent: User-Agent, client-request-id, X-AnchorMailbox and the library parameters', async () => {
  const I = emu.info;
  const har = join(dir, 'password.har');
  const sh = join(dir, 'password.sh');
  const r = await password(I.username, I.password, ['--har', har, '--curl-file', sh]);
  assert.equal(r.code, 0, r.stderr);
  const sent = lastTokenPost();
  const crid = String(sent.headers['client-request-id']);
  type Entry = {
    request: {
      method: string;
      url: string;
      headers: Array<{ name: string; value: string }>;
      postData?: { params: Array<{ name: string; value: string }> };
    };
  };
  const entries = (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: Entry[] } }).log.entries;
  assert.deepEqual(
    entries.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`),
    [`GET /common/userrealm/${encodeURIComponent(I.username)}`, `POST /${I.tenant_id}/oauth2/v2.0/token`],
  );
  const post = entries[1]!.request;
  const header = (n: string) => post.headers.find((h) => h.name.toLowerCase() === n)?.value;
  assert.equal(header('client-request-id'), crid);
  assert.equal(header('return-client-request-id'), 'true');
  assert.equal(header('x-anchormailbox'), `UPN:${I.username}`);
  assert.equal(header('user-agent'), String(sent.headers['user-agent']));
  assert.deepEqual(
    post.postData!.params.filter((p) => p.name.startsWith('x-client-')).map((p) => [p.name, p.value]),
    LIBRARY_FIELDS,
  );
  const script = readFileSync(sh, 'utf8');
  assert.ok(script.includes(`  -H 'client-request-id: ${crid}' \\\n`), script);
  assert.ok(script.includes(`  -H 'x-anchormailbox: UPN:${I.username}' \\\n`));
  assert.ok(script.includes(`  --data-urlencode x-client-OS=${process.platform} \\\n`));
  assert.ok(
    script.includes(
      `curl -sS -X GET '${I.url}/common/userrealm/${encodeURIComponent(I.username)}?api-version=1.0' \\\n`,
    ),
    script,
  );
});

test("an error redirect quotes the authorize URL's client-request-id, which Entra records as the sign-in's correlation id", async () => {
  const I = emu.info;
  const env = isolatedEnv(join(dir, 'authorize-error'));
  const a = await runInProcess(['authorize-url', '--authority', I.authority, '--client-id', I.public_client_id], {
    env,
  });
  assert.equal(a.code, 0, a.stderr);
  const crid = new URL(a.stdout.trim()).searchParams.get('client-request-id')!;
  assert.match(crid, UUID);
  emu.fault({ endpoint: 'authorize', kind: 'aadsts', code: 65004 });
  const res = await fetch(a.stdout.trim(), { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = res.headers.get('location')!;
  const description = new URL(location).searchParams.get('error_description')!;
  assert.match(description, new RegExp(`Correlation ID: ${crid}`));
  const traceId = /Trace ID: ([0-9a-f-]{36})/.exec(description)![1]!;
  const x = await runInProcess(['exchange', location], { env });
  assert.equal(x.code, 4);
  assert.match(
    x.stderr,
    new RegExp(
      `^entra-token: error EAUTHORIZE: access_denied AADSTS65004: User declined to consent to access the app\\. \\(client-request-id ${crid}, trace id ${traceId}, at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\)\\n`,
    ),
  );
});
