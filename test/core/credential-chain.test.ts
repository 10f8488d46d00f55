/** The chain's pure half: the order, every skip-reason line, command-line precedence, auth types. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTH_TYPES,
  NOT_YET_AUTH_TYPES,
  chainCacheQuery,
  describePlan,
  parseAuthType,
  planChain,
  type ChainFacts,
} from '../../src/core/credential-chain.js';
import type { Setting } from '../../src/core/config.js';
import { putTokens } from '../../src/io/token-cache.js';
import type { CacheData } from '../../src/core/cache-keys.js';

const NOW = 1_750_000_000_000;
const SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const env = (name: string, value = 'x'): Setting => ({ value, source: { kind: 'env', name } });
const flag = (f: string, value = 'x'): Setting => ({ value, source: { kind: 'flag', flag: f } });
const profile = (value = 'x'): Setting => ({
  value,
  source: { kind: 'profile', profile: 'emu', file: '~/.databrickscfg', line: 4 },
});

function facts(over: Partial<ChainFacts> = {}): ChainFacts {
  return {
    settings: {},
    scopes: [SCOPE],
    cache: { version: 1, accounts: [], tokens: [] },
    now: NOW,
    interaction: { terminal: false },
    ...over,
  };
}

function cached(opts: { refresh?: boolean; expiresIn?: number; username?: string } = {}): CacheData {
  const data: CacheData = { version: 1, accounts: [], tokens: [] };
  const claims = { oid: 'o1', tid: 't1', upn: opts.username ?? 'alice@contoso.com', scp: 'user_impersonation' };
  const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  putTokens(data, {
    authority: 'https://login.microsoftonline.com/t1',
    client_id: 'c1',
    scopes: [SCOPE],
    tokens: {
      token_type: 'Bearer',
      access_token: jwt,
      expires_in: opts.expiresIn ?? 3600,
      expires_on: new Date(NOW + (opts.expiresIn ?? 3600) * 1000).toISOString(),
      refresh_token: opts.refresh === false ? undefined : 'rt',
    } as never,
    now: NOW,
  });
  return data;
}

describe('planChain: every skip-reason line', () => {
  test('nothing configured: every source skipped, each with its reason', () => {
    const plan = planChain(facts({ interaction: { terminal: false } }));
    assert.equal(plan.chosen, undefined);
    assert.deepEqual(describePlan(plan), [
      'skip  access token: no --token-stdin and ENTRA_TOKEN_ACCESS_TOKEN is not set',
      'skip  client secret: no --client-secret-stdin or --client-secret-file, AZURE_CLIENT_SECRET and ARM_CLIENT_SECRET are not set, and no profile has azure_client_secret',
      'skip  client certificate: no --certificate and AZURE_CLIENT_CERTIFICATE_PATH is not set',
      'skip  federated token (workload identity federation): no federated token file, command, variable, GitHub Actions or Azure Pipelines token request is configured',
      'skip  managed identity: no IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST or ARM_USE_MSI',
      `skip  cached sign-in: no cached sign-in for scope ${SCOPE}`,
      'skip  interactive sign-in: no terminal is attached to ask the user',
    ]);
  });

  test('interaction refused, or no client id to sign in with', () => {
    const refused = planChain(facts({ interaction: { terminal: true, refused: '--no-interactive' } }));
    assert.equal(refused.steps[6]!.skipped, 'interaction is not allowed (--no-interactive)');
    // issue 23: with no client id an Entra sign-in uses the Azure CLI's public client, and says so
    const noClient = planChain(facts({ interaction: { terminal: true } }));
    assert.equal(noClient.chosen?.id, 'interactive');
    assert.deepEqual(noClient.chosen?.detection, {
      use: true,
      via: "the system browser, with the Azure CLI's public client 04b07795-8ddb-461a-bbee-02f9e1bf7b46 (no client id given)",
      explicit: false,
      variant: 'browser',
    });
    // another OpenID provider (--issuer) has no default public client
    const issuer = planChain(
      facts({
        interaction: { terminal: true },
        settings: { issuer: { value: 'https://idp.example', source: { kind: 'flag', flag: '--issuer' } } },
      }),
    );
    assert.equal(
      issuer.steps[6]!.skipped,
      'no client id to sign in with (--client-id, AZURE_CLIENT_ID or profile azure_client_id)',
    );
  });

  test('an expired cached token without a refresh token is skipped with that reason', () => {
    const plan = planChain(facts({ cache: cached({ refresh: false, expiresIn: 60 }) }));
    assert.equal(
      plan.steps[5]!.skipped,
      `the cached token for ${SCOPE} has expired and there is no refresh token to renew it`,
    );
  });

  test('the cached sign-in: fresh, or refreshed silently; the query names client and authority', () => {
    assert.deepEqual(describePlan(planChain(facts({ cache: cached() }))).slice(5), [
      'use   cached sign-in: the token cache (alice@contoso.com)',
      'later interactive sign-in: no terminal is attached to ask the user',
    ]);
    const stale = planChain(facts({ cache: cached({ expiresIn: 60 }) }));
    assert.equal(stale.chosen?.detection.via, 'the token cache (alice@contoso.com; refreshed silently)');
    const other = planChain(
      facts({ cache: cached(), settings: { client_id: env('AZURE_CLIENT_ID', 'c2') }, cacheAuthority: 'https://h/t2' }),
    );
    assert.equal(other.steps[5]!.skipped, `no cached sign-in for scope ${SCOPE}, client c2, authority https://h/t2`);
    assert.deepEqual(chainCacheQuery(facts({ settings: { client_id: env('AZURE_CLIENT_ID', 'c2') } })), {
      authority: undefined,
      client_id: 'c2',
      account: undefined,
      scopes: [SCOPE],
    });
  });

  test('the first configured source wins; later ones are listed as such', () => {
    const plan = planChain(
      facts({
        accessTokenEnv: 'ENTRA_TOKEN_ACCESS_TOKEN',
        settings: {
          client_secret: env('AZURE_CLIENT_SECRET'),
          client_certificate_path: env('AZURE_CLIENT_CERTIFICATE_PATH'),
        },
      }),
    );
    assert.deepEqual(describePlan(plan), [
      'use   access token: env ENTRA_TOKEN_ACCESS_TOKEN',
      'later client secret: configured (env AZURE_CLIENT_SECRET)',
      'later client certificate: configured (env AZURE_CLIENT_CERTIFICATE_PATH)',
      'later federated token (workload identity federation): no federated token file, command, variable, GitHub Actions or Azure Pipelines token request is configured',
      'later managed identity: no IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST or ARM_USE_MSI',
      `later cached sign-in: no cached sign-in for scope ${SCOPE}`,
      'later interactive sign-in: no terminal is attached to ask the user',
    ]);
  });

  test('a secret from a profile is the client secret source, named by file and line', () => {
    const plan = planChain(facts({ settings: { client_secret: profile() } }));
    assert.equal(plan.chosen?.id, 'client-secret');
    assert.equal(plan.chosen?.detection.via, 'profile emu in ~/.databrickscfg:4');
  });

  test('a source given on the command line beats an earlier one found in the environment', () => {
    const plan = planChain(
      facts({
        accessTokenEnv: 'ENTRA_TOKEN_ACCESS_TOKEN',
        settings: { client_secret: env('AZURE_CLIENT_SECRET'), client_certificate_path: flag('--certificate') },
      }),
    );
    assert.equal(plan.chosen?.id, 'certificate');
    assert.deepEqual(describePlan(plan).slice(0, 2), [
      'skip  access token: configured (env ENTRA_TOKEN_ACCESS_TOKEN), but --certificate on the command line chooses the client certificate',
      'skip  client secret: configured (env AZURE_CLIENT_SECRET), but --certificate on the command line chooses the client certificate',
    ]);
    const secretFlag = planChain(
      facts({ secretFlag: '--client-secret-file', accessTokenEnv: 'ENTRA_TOKEN_ACCESS_TOKEN' }),
    );
    assert.equal(secretFlag.chosen?.detection.via, '--client-secret-file');
  });

  test('interactive: the browser, or device code without a display', () => {
    const f = facts({ settings: { client_id: flag('--client-id') }, interaction: { terminal: true } });
    assert.equal(planChain(f).chosen?.detection.variant, 'browser');
    const ssh = planChain({
      ...f,
      interaction: { terminal: true, noBrowser: 'this is an SSH session without a forwarded display' },
    });
    assert.equal(ssh.chosen?.detection.variant, 'device-code');
    assert.equal(
      ssh.chosen?.detection.via,
      'device code (no browser: this is an SSH session without a forwarded display)',
    );
  });
});

describe('auth types', () => {
  test('each explicit auth type chooses its source and says why the others were not considered', () => {
    const f = facts({
      accessTokenEnv: 'ENTRA_TOKEN_ACCESS_TOKEN',
      secretFlag: '--client-secret-stdin',
      settings: {
        client_certificate_path: env('AZURE_CLIENT_CERTIFICATE_PATH'),
        client_id: env('AZURE_CLIENT_ID', 'c1'),
      },
      cache: cached(),
      interaction: { terminal: true },
      env: {
        AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
        ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND: 'print-token',
        ENTRA_TOKEN_FEDERATED_TOKEN: 'a.b.c',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://actions.example/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt',
        SYSTEM_OIDCREQUESTURI: 'https://dev.azure.example/oidc',
        SYSTEM_ACCESSTOKEN: 'at',
        AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'sc',
        IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token',
        IDENTITY_HEADER: 'h',
      },
    });
    const expected: Record<string, string> = {
      'github-oidc-azure': 'federated',
      'azure-devops-oidc': 'federated',
      'azure-workload-identity': 'federated',
      'federated-token-command': 'federated',
      'federated-token-env': 'federated',
      'workload-identity': 'federated',
      'azure-msi': 'managed-identity',
      'access-token': 'access-token',
      'azure-client-secret': 'client-secret',
      'azure-client-certificate': 'certificate',
      'token-cache': 'cached-sign-in',
      'external-browser': 'interactive',
      'device-code': 'interactive',
    };
    assert.deepEqual(Object.keys(AUTH_TYPES).sort(), Object.keys(expected).sort());
    for (const [name, source] of Object.entries(expected)) {
      const t = parseAuthType({
        value: name,
        source: { kind: 'profile', profile: 'emu', file: '~/.databrickscfg', line: 2 },
      });
      const plan = planChain({ ...f, cache: name === 'token-cache' ? cached() : f.cache }, t);
      assert.equal(plan.chosen?.id, source, name);
      for (const s of plan.steps.filter((x) => x.id !== source))
        assert.match(
          s.skipped!,
          new RegExp(`^not considered: auth type ${name} \\(profile emu in ~/.databrickscfg:2\\) chooses the `),
        );
    }
    const device = planChain(f, parseAuthType(flag('--auth-type', 'device-code')));
    assert.equal(device.chosen?.detection.variant, 'device-code');
  });

  test('a chosen source that is not configured is a usage error with what to set', () => {
    assert.throws(
      () => planChain(facts(), parseAuthType(env('ENTRA_TOKEN_AUTH_TYPE', 'azure-client-secret'))),
      (e: unknown) => {
        assert.equal((e as { code: string }).code, 'EUSAGE');
        assert.match(
          (e as Error).message,
          /^auth type azure-client-secret \(env ENTRA_TOKEN_AUTH_TYPE\) was chosen, but no --client-secret-stdin/,
        );
        assert.match((e as { hint: string }).hint, /set AZURE_CLIENT_SECRET/);
        return true;
      },
    );
  });

  test('names are case-insensitive; not-yet, Databricks-only and unknown names are refused in one line', () => {
    assert.equal(parseAuthType(flag('--auth-type', 'Azure-Client-Secret')).source, 'client-secret');
    for (const name of Object.keys(NOT_YET_AUTH_TYPES))
      assert.throws(
        () => parseAuthType(flag('--auth-type', name)),
        (e: unknown) =>
          new RegExp(`^auth type ${name} \\(--auth-type, .+\\) is not available yet in entra-token$`).test(
            (e as Error).message,
          ),
      );
    assert.throws(
      () => parseAuthType(profile('databricks-cli')),
      /databricks-cli \(profile emu in ~\/.databrickscfg:4\) is a Databricks auth type that does not give an Entra ID token/,
    );
    assert.throws(() => parseAuthType(flag('--auth-type', 'nope')), /unknown auth type "nope" \(--auth-type\)/);
  });
});
