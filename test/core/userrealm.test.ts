import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPasswordGrantPossible, processUserRealm, userRealmRequest } from '../../src/core/userrealm.js';
import { EntraTokenError } from '../../src/core/errors.js';

const ok = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

test('§2.3 the realm request goes to the authority host, the UPN path-encoded', () => {
  const r = userRealmRequest('https://login.microsoftonline.com/contoso.onmicrosoft.com', 'a+b@contoso.com');
  assert.equal(r.url, 'https://login.microsoftonline.com/common/userrealm/a%2Bb%40contoso.com?api-version=1.0');
  assert.equal(r.method, 'GET');
});

test('§2.3 Managed, Federated (with protocol), and anything else Unknown', () => {
  assert.equal(
    processUserRealm(ok({ ver: '1.0', account_type: 'Managed', domain_name: 'contoso.com' })).accountType,
    'Managed',
  );
  const fed = processUserRealm(
    ok({ ver: '1.0', account_type: 'Federated', domain_name: 'fabrikam.com', federation_protocol: 'WSTrust' }),
  );
  assert.deepEqual(fed, { accountType: 'Federated', domain: 'fabrikam.com', federationProtocol: 'WSTrust' });
  assert.equal(processUserRealm({ status: 404, headers: {}, body: '' }).accountType, 'Unknown');
  assert.equal(processUserRealm({ status: 200, headers: {}, body: '<html>' }).accountType, 'Unknown');
  assert.throws(
    () => assertPasswordGrantPossible(fed, 'dave@fabrikam.com'),
    (e: EntraTokenError) =>
      e.code === 'EINTERACTION_REQUIRED' &&
      e.message ===
        'dave@fabrikam.com belongs to a federated domain (fabrikam.com, WSTrust): its password is checked by another identity provider, so the password grant cannot work; nothing was sent' &&
      e.hint === 'sign in interactively instead: entra-token device-code (or entra-token login, with a browser)',
  );
  assert.throws(
    () => assertPasswordGrantPossible({ accountType: 'Federated' }, 'eve@x.example', 'entra-token device-code -t x'),
    (e: EntraTokenError) =>
      e.message.startsWith('eve@x.example belongs to a federated domain: ') &&
      e.hint === 'sign in interactively instead: entra-token device-code -t x (or entra-token login, with a browser)',
  );
  assertPasswordGrantPossible({ accountType: 'Managed' }, 'a@b');
  assertPasswordGrantPossible({ accountType: 'Unknown' }, 'a@b');
});
