import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  FileTokenStore,
  MemoryTokenStore,
  lookup,
  putTokens,
  removeAccounts,
  type CacheData,
  type StoreInput,
} from '../../src/io/token-cache.js';
import { normalizeScopes, parseScope, scopesMatch } from '../../src/core/cache-keys.js';
import { EntraTokenError } from '../../src/core/errors.js';

const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OID = '00000000-0000-0000-0000-0000000000a1';
const AUTHORITY = `https://login.microsoftonline.com/${TID}`;
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'RS256', typ: 'JWT' })}.${b(claims)}.c2ln`;
}

function input(over: Partial<StoreInput> = {}, tokens: Partial<StoreInput['tokens']> = {}): StoreInput {
  return {
    authority: AUTHORITY,
    client_id: 'client-1',
    scopes: [`${DBX}/.default`, 'openid', 'offline_access'],
    tokens: {
      token_type: 'Bearer',
      access_token: jwt({ aud: DBX, tid: TID, oid: OID, upn: 'alice@contoso.com', scp: 'user_impersonation' }),
      expires_on: new Date(NOW + 3600_000).toISOString(),
      scope: `${DBX}/user_impersonation openid profile`,
      refresh_token: 'rt-1',
      client_info: Buffer.from(JSON.stringify({ uid: OID, utid: TID })).toString('base64url'),
      ...tokens,
    },
    idToken: { oid: OID, tid: TID, preferred_username: 'alice@contoso.com', name: 'Alice' },
    now: NOW,
    ...over,
  };
}

describe('scope matching', () => {
  test('the Databricks .default scope matches an entry granted user_impersonation', () => {
    assert.equal(
      scopesMatch([`${DBX}/.default`], {
        resource: DBX,
        scopes: [],
        granted: normalizeScopes([`${DBX}/user_impersonation openid`]),
      }),
      true,
    );
  });
  test('a Graph URI scope and the Graph app id are the same resource; bare permissions are Graph', () => {
    assert.deepEqual(
      parseScope('https://graph.microsoft.com/User.Read'),
      parseScope('00000003-0000-0000-c000-000000000000/user.read'),
    );
    assert.deepEqual(parseScope('User.Read'), {
      resource: '00000003-0000-0000-c000-000000000000',
      permission: 'user.read',
    });
    assert.deepEqual(parseScope('https://management.core.windows.net//.default'), {
      resource: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
      permission: '.default',
    });
  });
  test('a permission that was neither requested nor granted does not match', () => {
    const entry = {
      resource: '00000003-0000-0000-c000-000000000000',
      scopes: ['user.read'],
      granted: ['https://graph.microsoft.com/user.read'],
    };
    assert.equal(scopesMatch(['User.Read'], entry), true);
    assert.equal(scopesMatch(['User.Read.All'], entry), false);
    assert.equal(scopesMatch([`${DBX}/.default`], entry), false);
  });
  test('normalized scopes are sorted, lower case, de-duplicated and without OIDC scopes', () => {
    assert.deepEqual(normalizeScopes(['b/X a/Y', 'openid', 'B/x', 'offline_access profile email']), ['a/y', 'b/x']);
  });
});

describe('entries', () => {
  test('putTokens keys the account by client_info oid.tid and keeps an id token summary, not the id token', () => {
    const d: CacheData = { version: 1, accounts: [], tokens: [] };
    const { account, token } = putTokens(d, input());
    assert.equal(account.account, `${OID}.${TID}`);
    assert.equal(account.username, 'alice@contoso.com');
    assert.equal(account.refresh_token, 'rt-1');
    assert.equal(token.resource, DBX);
    assert.deepEqual(token.scopes, [`${DBX}/.default`]);
    assert.equal(JSON.stringify(d).includes('id_token'), false);
  });
  test('a newer refresh token replaces the old one; an answer without one keeps it', () => {
    const d: CacheData = { version: 1, accounts: [], tokens: [] };
    putTokens(d, input());
    putTokens(d, input({}, { refresh_token: 'rt-2' }));
    assert.equal(d.accounts[0]!.refresh_token, 'rt-2');
    putTokens(d, input({}, { refresh_token: undefined }));
    assert.equal(d.accounts[0]!.refresh_token, 'rt-2');
    assert.equal(d.tokens.length, 1);
  });
  test('app-only tokens are keyed by the client id', () => {
    const d: CacheData = { version: 1, accounts: [], tokens: [] };
    const { account } = putTokens(
      d,
      input({ appOnly: true, idToken: undefined }, { refresh_token: undefined, client_info: undefined }),
    );
    assert.equal(account.account, 'client-1');
    assert.equal(account.kind, 'app');
  });
  test('lookup answers with ≥ 5 min left, not with less; --account picks by username', () => {
    const d: CacheData = { version: 1, accounts: [], tokens: [] };
    putTokens(d, input());
    const q = { scopes: [`${DBX}/.default`] };
    const hit = lookup(d, q, NOW + 3600_000 - 5 * 60_000);
    assert.equal(hit.account !== undefined && hit.fresh, true);
    const stale = lookup(d, q, NOW + 3600_000 - 5 * 60_000 + 1);
    assert.equal(stale.account !== undefined && stale.fresh, false);
    assert.equal(lookup(d, { ...q, account: 'ALICE@contoso.com' }, NOW).account?.username, 'alice@contoso.com');
    assert.equal(lookup(d, { ...q, account: 'bob@contoso.com' }, NOW).account, undefined);
    assert.equal(
      lookup(d, { ...q, authority: 'https://login.microsoftonline.com/organizations' }, NOW).account?.tid,
      TID,
    );
    assert.equal(
      lookup(d, { ...q, authority: 'https://login.microsoftonline.us/organizations' }, NOW).account,
      undefined,
    );
  });
  test('removeAccounts removes the account and its tokens', () => {
    const d: CacheData = { version: 1, accounts: [], tokens: [] };
    putTokens(d, input());
    assert.equal(removeAccounts(d, 'nobody'), 0);
    assert.equal(removeAccounts(d, 'alice@contoso.com'), 1);
    assert.deepEqual(d, { version: 1, accounts: [], tokens: [] });
  });
});

describe('FileTokenStore', () => {
  let dir: string;
  let warnings: string[];
  const store = (opts: ConstructorParameters<typeof FileTokenStore>[1] = {}) =>
    new FileTokenStore(dir, { warn: (l) => warnings.push(l), ...opts });
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'et-cache-')), 'cache');
    warnings = [];
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  test('writes tokens.json 0600 in a 0700 directory and leaves no temp or lock file', async () => {
    await store().update((d) => void putTokens(d, input()));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'tokens.json')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['tokens.json']);
    assert.equal((await store().read()).accounts[0]!.refresh_token, 'rt-1');
  });

  test('concurrent updates from two stores lose nothing', async () => {
    const a = store();
    const b = store();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).update((d) => void putTokens(d, input({ client_id: `c${i}` }))),
      ),
    );
    assert.equal((await a.read()).accounts.length, 40);
  });

  test('a corrupt file is moved aside with a timestamp, reported, and the cache goes on empty', async () => {
    await store().update(() => {});
    writeFileSync(join(dir, 'tokens.json'), '{"version":1,"accounts":[', { mode: 0o600 });
    const data = await store().read();
    assert.deepEqual(data, { version: 1, accounts: [], tokens: [] });
    const aside = readdirSync(dir).filter((n) => n.startsWith('tokens.json.corrupt-'));
    assert.equal(aside.length, 1);
    assert.match(aside[0]!, /^tokens\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    assert.equal(readFileSync(join(dir, aside[0]!), 'utf8'), '{"version":1,"accounts":[');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /was not valid \(25 bytes\); moved it aside to .*tokens\.json\.corrupt-/);
  });

  test('a too-open file of ours is tightened to 0600 and reported', async () => {
    await store().update((d) => void putTokens(d, input()));
    chmodSync(join(dir, 'tokens.json'), 0o644);
    const data = await store().read();
    assert.equal(data.accounts.length, 1);
    assert.equal(statSync(join(dir, 'tokens.json')).mode & 0o777, 0o600);
    assert.match(warnings[0]!, /tokens\.json was accessible to other users \(mode 644\); made it 600/);
  });

  test('a too-open file owned by someone else is refused with ECACHE (exit 10)', async () => {
    await store().update((d) => void putTokens(d, input()));
    chmodSync(join(dir, 'tokens.json'), 0o644);
    const other = (process.getuid?.() ?? 0) + 1;
    await assert.rejects(store({ uid: other }).read(), (e: EntraTokenError) => {
      assert.equal(e.code, 'ECACHE');
      assert.equal(e.exitCode, 10);
      assert.match(
        e.message,
        /tokens\.json is accessible to other users \(mode 644\) and is owned by uid \d+, not by you/,
      );
      return true;
    });
  });

  test('a stale lock left by a dead process is broken and reported', async () => {
    await store().update(() => {});
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(dead.stdout.trim());
    const { hostname } = await import('node:os');
    writeFileSync(join(dir, 'tokens.json.lock'), JSON.stringify({ pid, host: hostname(), at: Date.now(), nonce: 'x' }));
    await store({ lockTimeoutMs: 2000 }).update((d) => void putTokens(d, input()));
    assert.match(
      warnings[0]!,
      new RegExp(`removed a stale lock on the token cache \\(pid ${pid} is no longer running\\)`),
    );
    assert.equal(existsSync(join(dir, 'tokens.json.lock')), false);
  });

  test('a lock older than staleMs is broken even when its process lives', async () => {
    await store().update(() => {});
    writeFileSync(
      join(dir, 'tokens.json.lock'),
      JSON.stringify({ pid: process.pid, host: 'elsewhere', at: Date.now() - 120_000, nonce: 'x' }),
    );
    await store({ lockTimeoutMs: 2000, staleMs: 60_000 }).update(() => {});
    assert.match(warnings[0]!, /removed a stale lock on the token cache \(it is 120 s old\)/);
  });

  test('a live lock is waited for, then ECACHE naming its holder', async () => {
    await store().update(() => {});
    const { hostname } = await import('node:os');
    writeFileSync(
      join(dir, 'tokens.json.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), nonce: 'x' }),
    );
    const t0 = Date.now();
    await assert.rejects(
      store({ lockTimeoutMs: 300 }).update(() => {}),
      (e: EntraTokenError) => {
        assert.equal(e.code, 'ECACHE');
        assert.match(
          e.message,
          new RegExp(`^the token cache is locked by pid ${process.pid} on .*; gave up after 0 s$`),
        );
        assert.match(e.hint!, /if none is running, delete .*tokens\.json\.lock/);
        return true;
      },
    );
    assert.ok(Date.now() - t0 >= 300);
    // released while waiting: the waiter proceeds
    const waiting = store({ lockTimeoutMs: 5000 }).update((d) => void putTokens(d, input()));
    setTimeout(() => rmSync(join(dir, 'tokens.json.lock')), 100);
    await waiting;
    assert.equal((await store().read()).accounts.length, 1);
  });

  test('reads take no lock: a held lock does not block a read', async () => {
    await store().update((d) => void putTokens(d, input()));
    writeFileSync(
      join(dir, 'tokens.json.lock'),
      JSON.stringify({ pid: process.pid, host: 'h', at: Date.now(), nonce: 'x' }),
    );
    assert.equal((await store({ lockTimeoutMs: 1 }).read()).accounts.length, 1);
  });
});

test('MemoryTokenStore serializes updates and returns copies', async () => {
  const s = new MemoryTokenStore();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => s.update((d) => void putTokens(d, input({ client_id: `c${i}` })))),
  );
  const snap = await s.read();
  assert.equal(snap.accounts.length, 10);
  snap.accounts.length = 0;
  assert.equal((await s.read()).accounts.length, 10);
});

test('the constants copied onto the cache-hit path agree with core/clouds', async () => {
  const clouds = await import('../../src/core/clouds.js');
  const keys = await import('../../src/core/cache-keys.js');
  assert.equal(keys.DATABRICKS_DEFAULT_SCOPE, clouds.AZURE_DATABRICKS_SCOPE);
  assert.equal(keys.PUBLIC_AUTHORITY_HOST, clouds.CLOUDS.public.authorityHost);
  assert.equal(parseScope('User.Read').resource, clouds.MICROSOFT_GRAPH_APP_ID);
  const fast = await import('../../src/cli/token-fast.js');
  for (const c of ['public', 'usgov', 'china'] as const) {
    assert.equal(
      fast.tokenQuery({ tenant: 'contoso.com', cloud: c }, {}).authority,
      `https://${clouds.CLOUDS[c].authorityHost}/contoso.com`,
    );
  }
});
