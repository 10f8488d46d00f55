/**
 * The credential chain against the emulator: every source in the order, every explicit auth type, a
 * configured source that fails (an error, not a fall-through), the cache hit on the second call, and
 * the library credential shaped like @azure/core-auth's TokenCredential.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createCredential, CredentialUnavailableError } from '../../src/flows/create-credential.js';
import { ACQUIRERS, getChainToken, missingAcquirers, type ChainOptions } from '../../src/flows/credential.js';
import { SOURCES } from '../../src/core/credential-chain.js';
import { MemoryTokenStore, putTokens } from '../../src/io/token-cache.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { createHttpClient } from '../../src/io/http.js';
import { decode } from '../emulator/helpers.js';

const GRAPH = 'https://graph.microsoft.com/.default';
const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator({ autoApprove: true });
  dir = mkdtempSync(join(tmpdir(), 'chain-'));
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A library credential on the emulator with an in-memory cache and no profile file. */
function cred(opts: Parameters<typeof createCredential>[0] = {}, env: Record<string, string> = {}) {
  const store = opts.store ?? new MemoryTokenStore();
  return {
    store,
    c: createCredential({
      authority: emu.info.url,
      env: { HOME: dir, ...env },
      store,
      ...opts,
    }),
  };
}

function tokenRequests(): number {
  return emu.requests().filter((r) => /\/oauth2\/v2\.0\/token$/.test(r.path)).length;
}

describe('sources, in order', () => {
  test('an access token in the environment is handed out as is (first source)', async () => {
    const { c } = cred({}, { ENTRA_TOKEN_ACCESS_TOKEN: 'eyJ.abc.def' });
    const t = await c.getToken(GRAPH);
    assert.equal(t.token, 'eyJ.abc.def');
    assert.equal(c.last?.source, 'access-token');
    assert.equal(c.last?.via, 'env ENTRA_TOKEN_ACCESS_TOKEN');
  });

  test('a client secret from the environment: client credentials, cached, the second call is a hit', async () => {
    const { c, store } = cred(
      {},
      {
        AZURE_TENANT_ID: emu.info.tenant_id,
        AZURE_CLIENT_ID: emu.info.confidential_client_id,
        AZURE_CLIENT_SECRET: emu.info.client_secret,
      },
    );
    const before = tokenRequests();
    const t = await c.getToken(GRAPH);
    assert.equal(c.last?.source, 'client-secret');
    assert.equal(c.last?.via, 'env AZURE_CLIENT_SECRET');
    assert.equal(c.last?.from, 'new');
    assert.equal(decode(t.token).payload.aud, 'https://graph.microsoft.com');
    assert.equal(t.tokenType, 'Bearer');
    assert.ok(t.expiresOnTimestamp > Date.now() + 30 * 60_000);
    assert.equal(t.refreshAfterTimestamp, t.expiresOnTimestamp - 5 * 60_000);
    const again = await c.getToken([GRAPH]);
    assert.equal(again.token, t.token);
    assert.equal(c.last?.from, 'cache');
    assert.equal(tokenRequests(), before + 1, 'one token request for two calls');
    assert.equal((await store.read()).accounts[0]?.kind, 'app');
  });

  test('a certificate (PEM file): a signed client assertion; the secret would come first', async () => {
    const pem = join(dir, 'app.pem');
    writeFileSync(pem, emu.certificate.keyPem + emu.certificate.certPem);
    chmodSync(pem, 0o600);
    const { c } = cred(
      {},
      {
        AZURE_TENANT_ID: emu.info.tenant_id,
        AZURE_CLIENT_ID: emu.info.certificate_client_id,
        AZURE_CLIENT_CERTIFICATE_PATH: pem,
      },
    );
    const t = await c.getToken(DATABRICKS);
    assert.equal(c.last?.source, 'certificate');
    assert.equal(decode(t.token).payload.aud, '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
    const last = emu
      .requests()
      .filter((r) => /token$/.test(r.path))
      .at(-1)!;
    assert.equal(last.form?.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(last.form?.client_secret, undefined);
  });

  test('a cached sign-in is used (and refreshed silently) when no credential is configured', async () => {
    const store = new MemoryTokenStore();
    // sign in once through the interactive source (auto-approved emulator, a fake browser)
    const signIn = createCredential({
      authority: `${emu.info.url}/${emu.info.tenant_id}`,
      clientId: emu.info.public_client_id,
      env: { HOME: dir },
      store,
      interactive: true,
      openBrowser: async (url) => {
        await fetch(url, { redirect: 'follow' });
        return { opened: true, command: 'test', via: 'test' };
      },
    });
    const first = await signIn.getToken(DATABRICKS);
    assert.equal(signIn.last?.source, 'interactive');
    assert.equal(signIn.last?.via, 'the system browser');
    // now the chain finds it in the cache, without a client id or tenant
    const { c } = cred({ store, authority: undefined });
    const t = await c.getToken(DATABRICKS);
    assert.equal(t.token, first.token);
    assert.equal(c.last?.source, 'cached-sign-in');
    assert.equal(c.last?.from, 'cache');
    // an access token with less than 5 minutes left: refreshed with the cached refresh token
    await store.update((d) => {
      for (const tok of d.tokens) tok.expires_at = Date.now() + 60_000;
    });
    const { c: c2 } = cred({ store });
    const r = await c2.getToken(DATABRICKS);
    assert.equal(c2.last?.from, 'refresh');
    assert.notEqual(r.token, first.token);
  });

  test('nothing configured: CredentialUnavailableError naming every skipped source', async () => {
    const { c } = cred({ authority: undefined });
    await assert.rejects(c.getToken(GRAPH), (e: unknown) => {
      assert.ok(e instanceof CredentialUnavailableError);
      assert.equal((e as Error).name, 'CredentialUnavailableError');
      assert.equal((e as EntraTokenError).code, 'EINTERACTION_REQUIRED');
      assert.equal((e as Error).message, 'no cached sign-in for scope https://graph.microsoft.com/.default');
      assert.match(
        (e as EntraTokenError).hint!,
        /^sign in first: entra-token login --tenant <tenant> --client-id <client-id> --scope https:\/\/graph.microsoft.com\/.default  \(or configure a credential: entra-token auth describe/,
      );
      assert.deepEqual((e as CredentialUnavailableError).plan, [
        'skip  access token: no `accessToken` and ENTRA_TOKEN_ACCESS_TOKEN is not set',
        'skip  client secret: no `clientSecret`, AZURE_CLIENT_SECRET and ARM_CLIENT_SECRET are not set, and no profile has azure_client_secret',
        'skip  client certificate: no `certificate` and AZURE_CLIENT_CERTIFICATE_PATH is not set',
        'skip  federated token (workload identity federation): no federated token file, command, variable, GitHub Actions or Azure Pipelines token request is configured',
        'skip  managed identity: no IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST or ARM_USE_MSI',
        'skip  cached sign-in: no cached sign-in for scope https://graph.microsoft.com/.default',
        'skip  interactive sign-in: interaction is not allowed (the library does not sign in interactively unless asked (interactive: true))',
      ]);
      return true;
    });
  });
});

describe('a configured source that fails is an error, not a fall-through', () => {
  test('a wrong client secret: EOAUTH AADSTS7000215, even with a usable cached sign-in behind it', async () => {
    const store = new MemoryTokenStore();
    const claims = Buffer.from(JSON.stringify({ oid: 'o', tid: emu.info.tenant_id, upn: 'a@b', scp: 'User.Read' }));
    await store.update((d) =>
      putTokens(d, {
        authority: `${emu.info.url}/${emu.info.tenant_id}`,
        client_id: emu.info.confidential_client_id,
        scopes: [GRAPH],
        tokens: {
          token_type: 'Bearer',
          access_token: `e30.${claims.toString('base64url')}.s`,
          expires_in: 3600,
          expires_on: new Date(Date.now() + 3600_000).toISOString(),
          refresh_token: 'rt',
        } as never,
        now: Date.now(),
      }),
    );
    assert.equal((await cred({ store, authType: 'token-cache' }).c.getToken(GRAPH)).token.startsWith('e30.'), true);
    const { c } = cred(
      { store },
      {
        AZURE_TENANT_ID: emu.info.tenant_id,
        AZURE_CLIENT_ID: emu.info.confidential_client_id,
        AZURE_CLIENT_SECRET: 'not-the-secret',
        ENTRA_TOKEN_AUTH_TYPE: '',
      },
    );
    await assert.rejects(c.getToken(GRAPH), (e: unknown) => {
      assert.equal((e as EntraTokenError).code, 'EOAUTH');
      assert.match((e as Error).message, /AADSTS7000215/);
      assert.doesNotMatch((e as Error).message, /not-the-secret/);
      return true;
    });
  });

  test('a certificate file that does not exist: EBAD_INPUT, nothing sent', async () => {
    const { c } = cred(
      {},
      {
        AZURE_TENANT_ID: emu.info.tenant_id,
        AZURE_CLIENT_ID: emu.info.certificate_client_id,
        AZURE_CLIENT_CERTIFICATE_PATH: join(dir, 'missing.pem'),
      },
    );
    await assert.rejects(c.getToken(GRAPH), /cannot read the certificate file .*missing\.pem: no such file/);
  });

  test('a client secret without a client id names what is missing', async () => {
    const { c } = cred({ tenantId: emu.info.tenant_id }, { AZURE_CLIENT_SECRET: 's' });
    await assert.rejects(c.getToken(GRAPH), /the client secret \(env AZURE_CLIENT_SECRET\) needs a client id/);
  });
});

describe('explicit auth types', () => {
  const env = () => ({
    AZURE_TENANT_ID: emu.info.tenant_id,
    AZURE_CLIENT_ID: emu.info.confidential_client_id,
    AZURE_CLIENT_SECRET: emu.info.client_secret,
    ENTRA_TOKEN_ACCESS_TOKEN: 'given.as.is',
  });

  test('azure-client-secret skips the access token that would come first', async () => {
    const { c } = cred({ authType: 'azure-client-secret' }, env());
    await c.getToken(GRAPH);
    assert.equal(c.last?.source, 'client-secret');
    assert.deepEqual(await c.describe(GRAPH), [
      'skip  access token: not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
      'use   client secret: env AZURE_CLIENT_SECRET',
      'skip  client certificate: not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
      'skip  federated token (workload identity federation): not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
      'skip  managed identity: not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
      'skip  cached sign-in: not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
      'skip  interactive sign-in: not considered: auth type azure-client-secret (--auth-type) chooses the client secret',
    ]);
  });

  test('access-token, token-cache, azure-client-certificate (not configured: a usage error naming what is missing)', async () => {
    const a = cred({ authType: 'access-token' }, env()).c;
    assert.equal((await a.getToken(GRAPH)).token, 'given.as.is');
    const store = new MemoryTokenStore();
    const b = cred({ authType: 'token-cache', store }, env()).c;
    await assert.rejects(
      b.getToken(GRAPH),
      /auth type token-cache \(--auth-type\) was chosen, but no cached sign-in for scope https:\/\/graph.microsoft.com\/.default/,
    );
    const d = cred({ authType: 'azure-client-certificate' }, env()).c;
    await assert.rejects(d.getToken(GRAPH), (e: unknown) => {
      assert.equal((e as EntraTokenError).code, 'EUSAGE');
      assert.match(
        (e as Error).message,
        /azure-client-certificate .* no `certificate` and AZURE_CLIENT_CERTIFICATE_PATH is not set/,
      );
      return true;
    });
  });

  test('external-browser and device-code sign in; interaction refused in CI', async () => {
    const store = new MemoryTokenStore();
    const base = { clientId: emu.info.public_client_id, tenantId: emu.info.tenant_id, store, interactive: true };
    const browser = cred({
      ...base,
      authType: 'external-browser',
      openBrowser: async (url) => {
        await fetch(url);
        return { opened: true, command: 'test', via: 'test' };
      },
    }).c;
    await browser.getToken(DATABRICKS);
    assert.equal(browser.last?.source, 'interactive');
    const messages: string[] = [];
    const device = cred({
      ...base,
      store: new MemoryTokenStore(),
      authType: 'device-code',
      onInteraction: (m) => {
        messages.push(m);
        const code = /enter the code (\S+)/.exec(m)?.[1];
        if (code) emu.approveDeviceCode(code, 'approve');
      },
    }).c;
    await device.getToken(DATABRICKS);
    assert.equal(device.last?.via, 'device code');
    assert.match(messages[0]!, /enter the code/);
    const ci = cred({ ...base, authType: 'external-browser' }, { CI: 'true' }).c;
    await assert.rejects(ci.getToken(DATABRICKS), /interaction is not allowed \(CI=true is set\)/);
  });

  test('the Databricks token-federation types (env-oidc, file-oidc), Databricks-only types and unknown names are refused', async () => {
    for (const t of ['env-oidc', 'file-oidc', 'pat'])
      assert.throws(() => cred({ authType: t }).c, /Databricks auth type that does not give an Entra ID token/);
    assert.throws(() => cred({ authType: 'magic' }).c, /unknown auth type "magic"/);
    // azure-msi and github-oidc-azure are sources now (issue 24): chosen, but not configured here
    await assert.rejects(cred({ authType: 'github-oidc-azure' }).c.getToken(GRAPH), /ACTIONS_ID_TOKEN_REQUEST_URL/);
  });
});

describe('the library credential', () => {
  test('claims (a challenge, base64 as core-rest-pipeline passes it) bypass the cache, are sent with CP1 for enableCae, and the new token replaces the cached one', async () => {
    const { c } = cred({
      clientId: emu.info.confidential_client_id,
      clientSecret: emu.info.client_secret,
      tenantId: emu.info.tenant_id,
    });
    const first = await c.getToken(GRAPH);
    const challenge = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    emu.clearRequests();
    const fresh = await c.getToken(GRAPH, { claims: Buffer.from(challenge).toString('base64'), enableCae: true });
    const sent = emu.requests().filter((r) => /\/oauth2\/v2\.0\/token$/.test(r.path));
    assert.equal(sent.length, 1, 'a claims request is never answered from the cache');
    assert.equal(
      sent[0]!.form?.claims,
      '{"access_token":{"nbf":{"essential":true,"value":"1700000000"},"xms_cc":{"values":["CP1"]}}}',
    );
    assert.notEqual(fresh.token, first.token);
    assert.equal(c.last?.from, 'new');
    const after = await c.getToken(GRAPH);
    assert.equal(after.token, fresh.token, 'the cache now holds the token acquired with the claims');
    assert.equal(tokenRequests(), 1);
    await assert.rejects(c.getToken(GRAPH, { claims: '{"access_token":' }), /the claims request is not valid JSON/);
  });

  test('clientCapabilities: cp1 on every request (not a cache bypass); a managed identity or a given token refuses claims', async () => {
    const { c } = cred({
      clientId: emu.info.confidential_client_id,
      clientSecret: emu.info.client_secret,
      tenantId: emu.info.tenant_id,
      clientCapabilities: ['cp1'],
    });
    emu.clearRequests();
    const t = await c.getToken(DATABRICKS);
    assert.equal(emu.requests().at(-1)!.form?.claims, '{"access_token":{"xms_cc":{"values":["CP1"]}}}');
    assert.ok(t.token);
    await c.getToken(DATABRICKS);
    assert.equal(c.last?.from, 'cache');
    assert.throws(() => cred({ clientCapabilities: ['cp2'] }), /unknown client capability "CP2" \(known: CP1\)/);
    const given = cred({}, { ENTRA_TOKEN_ACCESS_TOKEN: 'eyJ.abc.def' }).c;
    await assert.rejects(
      given.getToken(GRAPH, { claims: '{"access_token":{}}' }),
      (e: EntraTokenError) =>
        e.code === 'EINTERACTION_REQUIRED' &&
        /^a claims challenge cannot be answered with an access token given as is/.test(e.message),
    );
  });

  test('abortSignal is honoured; tenantId per call', async () => {
    const { c } = cred({ clientId: emu.info.confidential_client_id, clientSecret: emu.info.client_secret });
    const t = await c.getToken(GRAPH, { tenantId: emu.info.tenant_id });
    assert.equal(decode(t.token).payload.tid, emu.info.tenant_id);
    const ac = new AbortController();
    ac.abort();
    const fresh = cred({
      clientId: emu.info.confidential_client_id,
      clientSecret: emu.info.client_secret,
      tenantId: emu.info.tenant_id,
    }).c;
    await assert.rejects(fresh.getToken(DATABRICKS, { abortSignal: ac.signal }));
  });

  test('every source has an acquirer', () => {
    assert.deepEqual(missingAcquirers(), []);
    assert.deepEqual(
      SOURCES.map((s) => s.id),
      [
        'access-token',
        'client-secret',
        'certificate',
        'federated',
        'managed-identity',
        'cached-sign-in',
        'interactive',
      ],
    );
    assert.equal(Object.keys(ACQUIRERS).length, SOURCES.length);
  });

  test('getChainToken takes the CLI shape too (settings with sources)', async () => {
    const http = createHttpClient({ env: {} });
    const { chainSettings } = await import('../../src/flows/credential.js');
    const { config } = chainSettings({
      flags: { authority: emu.info.url, tenant: emu.info.tenant_id, client_id: emu.info.confidential_client_id },
      env: { HOME: dir, ARM_CLIENT_SECRET: emu.info.client_secret },
      cwd: dir,
    });
    const opts: ChainOptions = { config, env: {}, cwd: dir, interaction: { terminal: false } };
    const t = await getChainToken(opts, { store: new MemoryTokenStore(), http: () => http, now: Date.now }, [GRAPH]);
    assert.equal(t.via, 'env ARM_CLIENT_SECRET');
    await http.close();
  });
});
