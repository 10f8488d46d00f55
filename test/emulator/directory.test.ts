import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverride, defaultDirectory, DirectoryConfigError } from '../../src/emulator/directory.js';

const base = defaultDirectory('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

test('an override replaces an app with the same client_id and adds new users', () => {
  const d = applyOverride(base, {
    apps: [
      {
        client_id: base.apps[0]!.client_id,
        display_name: 'renamed',
        redirect_uris: ['http://localhost:9000/cb'],
        public_client: true,
      },
    ],
    users: [{ upn: 'new@contoso.com', password: 'x', object_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }],
  });
  assert.equal(d.apps.length, base.apps.length);
  assert.equal(d.apps[0]!.display_name, 'renamed');
  assert.equal(d.users.length, base.users.length + 1);
});

test('validation errors name the field', () => {
  const cases: Array<[unknown, string]> = [
    [{ tenant_id: 'x' }, 'config.tenant_id must be a GUID (got "x")'],
    [{ apps: {} }, 'config.apps must be an array'],
    [
      { apps: [{ client_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', redirect_uris: ['not a url'] }] },
      'config.apps[0].redirect_uris[0] is not an absolute URL: not a url',
    ],
    [
      { apps: [{ client_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', secrets: [{ value: 's', expires_at: 'soon' }] }] },
      'config.apps[0].secrets[0].expires_at is not an ISO 8601 date: soon',
    ],
    [
      { users: [{ upn: 'nobody', password: 'x', object_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }] },
      'config.users[0].upn must look like user@domain (got nobody)',
    ],
    [{ default_user: 'ghost@contoso.com' }, 'config.default_user "ghost@contoso.com" is not one of the users'],
    [
      { tenant: 'x' },
      'config: unknown field "tenant" (allowed: tenant_id, tenant_domain, other_domains, federated_domains, apps, users, default_user)',
    ],
    [[], 'config must be an object'],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => applyOverride(base, input),
      (e: unknown) => e instanceof DirectoryConfigError && e.message === message,
      message,
    );
  }
});
