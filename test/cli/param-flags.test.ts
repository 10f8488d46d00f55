import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARAM_FLAGS, withFlags } from '../../src/cli/param-flags.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { authorizeQuery } from '../../src/core/authorize.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { runInProcess } from '../helpers/cli.js';

test('withFlags turns each backquoted parameter of the table into its flag and leaves other text alone', () => {
  assert.equal(
    withFlags('give `tenant` (or `client_id`), not `unknown_thing`; --keep and `max`'),
    'give --tenant (or --client-id), not `unknown_thing`; --keep and --top',
  );
  for (const flag of Object.values(PARAM_FLAGS)) assert.match(flag, /^--[a-z][a-z0-9-]*( or --[a-z][a-z0-9-]*)?$/);
});

test('a library caller is told the parameter it passes (`tenant`, `client_id`), never a CLI flag', () => {
  assert.throws(
    () => resolveAuthority({}),
    (e: unknown) =>
      e instanceof EntraTokenError &&
      e.message === 'no tenant: give `tenant` (a tenant id, a verified domain, or organizations)' &&
      !/--/.test(`${e.message} ${e.hint}`),
  );
  assert.throws(
    () => authorizeQuery({ client_id: '', scopes: ['x'], state: 's', redirect_uri: 'http://localhost' } as never),
    (e: unknown) =>
      e instanceof EntraTokenError && e.message === 'no client id: give `client_id` (the Application (client) ID)',
  );
});

test('the CLI shows the same error with the flag: --tenant', async () => {
  const r = await runInProcess(['client-credentials', '--client-id', '8d3f1b6e-2a4c-4e9d-b7f0-5c1a9e3d2b84'], {
    env: { AZURE_CLIENT_SECRET: 'Abc8Q~a-client-secret-for-the-flag-test-01' },
  });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'entra-token: error EUSAGE: no tenant: give --tenant (a tenant id, a verified domain, or organizations)\nhint: or set AZURE_TENANT_ID\n',
  );
});
