import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resolveAuthority } from '../../src/core/authority.js';
import { describeSource, parseCloudName, resolveConfig, type SettingName } from '../../src/core/config.js';
import { parseDatabricksConfig, resolveProfile } from '../../src/core/databrickscfg.js';
import { EntraTokenError } from '../../src/core/errors.js';

const TID = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';

// setting, its flag value, its env variables (in precedence order), its profile key
const TABLE: Array<{ name: SettingName; env: string[]; key?: string }> = [
  { name: 'tenant', env: ['AZURE_TENANT_ID', 'ARM_TENANT_ID'], key: 'azure_tenant_id' },
  { name: 'client_id', env: ['AZURE_CLIENT_ID', 'ARM_CLIENT_ID'], key: 'azure_client_id' },
  { name: 'client_secret', env: ['AZURE_CLIENT_SECRET', 'ARM_CLIENT_SECRET'], key: 'azure_client_secret' },
  { name: 'client_certificate_path', env: ['AZURE_CLIENT_CERTIFICATE_PATH'] },
  { name: 'host', env: ['DATABRICKS_HOST'], key: 'host' },
  { name: 'resource_id', env: ['DATABRICKS_AZURE_RESOURCE_ID'], key: 'azure_workspace_resource_id' },
  { name: 'authority', env: ['ENTRA_TOKEN_AUTHORITY'] },
  { name: 'issuer', env: ['ENTRA_TOKEN_ISSUER'] },
  { name: 'timeout', env: ['ENTRA_TOKEN_TIMEOUT'] },
];

function profileWith(key: string, value: string) {
  const cfg = parseDatabricksConfig(`[DEFAULT]\n\n[p]\n${key} = ${value}\n`, '~/.databrickscfg');
  return resolveProfile(cfg, 'p')!;
}

describe('precedence: flag > environment > profile > default', () => {
  for (const row of TABLE) {
    const profile = row.key ? profileWith(row.key, 'from-profile') : undefined;
    const allEnv = Object.fromEntries(row.env.map((n) => [n, `from-${n}`]));
    it(`${row.name}: a flag beats ${row.env.join(', ')}${row.key ? ` and profile key ${row.key}` : ''}`, () => {
      const r = resolveConfig({ flags: { [row.name]: 'from-flag' }, env: allEnv, profile });
      assert.equal(r.settings[row.name]!.value, 'from-flag');
      assert.equal(r.settings[row.name]!.source.kind, 'flag');
    });
    row.env.forEach((name, i) => {
      it(`${row.name}: ${name} beats ${[...row.env.slice(i + 1), ...(row.key ? [`profile key ${row.key}`] : [])].join(', ') || 'the default'}`, () => {
        const env = Object.fromEntries(row.env.slice(i).map((n) => [n, `from-${n}`]));
        const r = resolveConfig({ flags: {}, env, profile });
        assert.deepEqual(r.settings[row.name], { value: `from-${name}`, source: { kind: 'env', name } });
      });
    });
    if (row.key) {
      it(`${row.name}: profile key ${row.key} is used when no flag or env is set, with file and line`, () => {
        const r = resolveConfig({ flags: {}, env: { [row.env[0]!]: '  ' }, profile });
        assert.deepEqual(r.settings[row.name], {
          value: 'from-profile',
          source: { kind: 'profile', profile: 'p', file: '~/.databrickscfg', line: 4 },
        });
        assert.equal(describeSource(r.settings[row.name]!.source), 'profile p in ~/.databrickscfg:4');
      });
    }
    it(`${row.name}: unset when nothing gives it`, () => {
      assert.equal(resolveConfig({ flags: {}, env: {} }).settings[row.name], undefined);
    });
  }
});

describe('cloud selection', () => {
  const cloud = (flags: Record<string, string>, env: Record<string, string>, profileKey?: string) =>
    resolveConfig({ flags, env, profile: profileKey ? profileWith('azure_environment', profileKey) : undefined })
      .settings.cloud;

  it('defaults to public', () => assert.deepEqual(cloud({}, {}), { value: 'public', source: { kind: 'default' } }));
  it('--cloud beats ARM_ENVIRONMENT, AZURE_AUTHORITY_HOST and the profile', () =>
    assert.deepEqual(
      cloud(
        { cloud: 'china' },
        { ARM_ENVIRONMENT: 'AzureUSGovernment', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' },
        'USGOVERNMENT',
      ),
      {
        value: 'china',
        source: { kind: 'flag', flag: '--cloud' },
      },
    ));
  it('ARM_ENVIRONMENT accepts the Azure names (AzureUSGovernment)', () =>
    assert.deepEqual(cloud({}, { ARM_ENVIRONMENT: 'AzureUSGovernment' }), {
      value: 'usgov',
      source: { kind: 'env', name: 'ARM_ENVIRONMENT' },
    }));
  it('AZURE_AUTHORITY_HOST selects the cloud from its host', () => {
    assert.deepEqual(cloud({}, { AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' }), {
      value: 'usgov',
      source: { kind: 'env', name: 'AZURE_AUTHORITY_HOST' },
    });
    assert.equal(cloud({}, { AZURE_AUTHORITY_HOST: 'https://login.chinacloudapi.cn/' })!.value, 'china');
    assert.equal(cloud({}, { AZURE_AUTHORITY_HOST: 'login.microsoftonline.com' })!.value, 'public');
  });
  it("the profile's azure_environment (Databricks spelling) is used last", () =>
    assert.deepEqual(cloud({}, {}, 'CHINA'), {
      value: 'china',
      source: { kind: 'profile', profile: 'p', file: '~/.databrickscfg', line: 4 },
    }));
  it('a workspace host in a national zone selects that cloud when nothing else does', () => {
    const r = resolveConfig({ flags: { host: 'https://adb-1.2.databricks.azure.us' }, env: {} });
    assert.deepEqual(r.settings.cloud, {
      value: 'usgov',
      source: { kind: 'derived', from: 'the workspace host (--host)' },
    });
  });
  it('refuses ARM_ENVIRONMENT contradicting AZURE_AUTHORITY_HOST', () => {
    assert.throws(
      () =>
        resolveConfig({
          flags: {},
          env: { ARM_ENVIRONMENT: 'china', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' },
        }),
      (e: EntraTokenError) =>
        e.code === 'EUSAGE' &&
        e.message ===
          'AZURE_AUTHORITY_HOST (https://login.microsoftonline.us/) is in the usgov cloud but env ARM_ENVIRONMENT says china',
    );
  });
  it('refuses an unknown cloud name, naming where it came from', () => {
    assert.throws(
      () => resolveConfig({ flags: {}, env: {}, profile: profileWith('azure_environment', 'GERMANY') }),
      (e: EntraTokenError) =>
        e.code === 'EUSAGE' && e.message === 'profile p in ~/.databrickscfg:4: "GERMANY" is not a known cloud',
    );
  });
  it('parses every documented alias', () => {
    assert.deepEqual(
      [
        'public',
        'AzureCloud',
        'AzurePublicCloud',
        'usgov',
        'USGOVERNMENT',
        'AzureUSGovernment',
        'china',
        'AzureChinaCloud',
        'germany',
      ].map(parseCloudName),
      ['public', 'public', 'public', 'usgov', 'usgov', 'usgov', 'china', 'china', undefined],
    );
  });
});

describe("each cloud's endpoints and issuers (docs/protocol.md §7)", () => {
  const cases = [
    { cloud: 'public', host: 'login.microsoftonline.com', issuer: `https://login.microsoftonline.com/${TID}/v2.0` },
    { cloud: 'usgov', host: 'login.microsoftonline.us', issuer: `https://login.microsoftonline.us/${TID}/v2.0` },
    // China: the v2 issuer host differs from the endpoint host
    { cloud: 'china', host: 'login.chinacloudapi.cn', issuer: `https://login.partner.microsoftonline.cn/${TID}/v2.0` },
  ] as const;
  for (const c of cases) {
    it(`${c.cloud}: endpoints on ${c.host}, issuer ${c.issuer}`, () => {
      const a = resolveAuthority({ tenant: TID, cloud: c.cloud });
      assert.equal(a.authorizeEndpoint, `https://${c.host}/${TID}/oauth2/v2.0/authorize`);
      assert.equal(a.tokenEndpoint, `https://${c.host}/${TID}/oauth2/v2.0/token`);
      assert.equal(a.deviceCodeEndpoint, `https://${c.host}/${TID}/oauth2/v2.0/devicecode`);
      assert.equal(a.jwksV2(TID), `https://${c.host}/${TID}/discovery/v2.0/keys`);
      assert.equal(a.issuerV2(TID), c.issuer);
    });
  }
  it('an authority given on the China issuer host is still the China cloud', () => {
    const a = resolveAuthority({ authority: `https://login.partner.microsoftonline.cn/${TID}` });
    assert.equal(a.cloud?.name, 'china');
    assert.equal(a.issuerV2(TID), `https://login.partner.microsoftonline.cn/${TID}/v2.0`);
  });
});
