// The shapes other tools read from a process: `--output az` (az account get-access-token) and
// `--output databricks` (databricks auth token, parsed by the Python SDK's databricks-cli credential).
process.env.TZ = 'Europe/Berlin';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatToken } from '../../src/cli/token-fast.js';
import type { CachedAccount, CachedToken } from '../../src/core/cache-keys.js';

const token = (expires_at: number) =>
  ({
    access_token: 'eyJ.at.sig',
    token_type: 'Bearer',
    expires_at,
    granted: [],
    resource: 'x',
  }) as unknown as CachedToken;
const account = { account: 'oid.tid', tid: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13' } as unknown as CachedAccount;
const AT = Date.UTC(2026, 11, 1, 14, 22, 11, 7); // 15:22:11.007 in Berlin (UTC+1 in December)

/** What databricks-sdk-py's CliTokenSource._parse_expiry keeps: the text before the first `.`, `Z` stripped. */
function pythonParsesAs(expiry: string): string {
  return expiry.replace(/Z+$/, '').split('.')[0]!;
}

describe('token --output az', () => {
  it('is az account get-access-token without a subscription: no "subscription": null', () => {
    const text = formatToken('az', token(AT), account, 'cache', AT - 3600_000, {});
    assert.equal(
      text,
      '{\n  "accessToken": "eyJ.at.sig",\n  "expiresOn": "2026-12-01 15:22:11.000000",\n  "expires_on": 1796134931,\n  "tenant": "72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13",\n  "tokenType": "Bearer"\n}\n',
    );
  });

  it('names the subscription when the environment gives one, in az key order', () => {
    const text = formatToken('az', token(AT), account, 'cache', AT, { AZURE_SUBSCRIPTION_ID: 'sub-1' });
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      'accessToken',
      'expiresOn',
      'expires_on',
      'subscription',
      'tenant',
      'tokenType',
    ]);
    assert.equal(JSON.parse(text).subscription, 'sub-1');
  });
});

describe('token --output databricks', () => {
  it('keeps local time with milliseconds and the offset, as the Databricks CLI prints it', () => {
    const j = JSON.parse(formatToken('databricks', token(AT), account, 'cache', AT, {}));
    assert.deepEqual(j, { access_token: 'eyJ.at.sig', token_type: 'Bearer', expiry: '2026-12-01T15:22:11.007+01:00' });
    assert.equal(pythonParsesAs(j.expiry), '2026-12-01T15:22:11', 'the Python SDK reads local wall time');
  });

  it('writes .000 when the milliseconds are zero, so the Python parser still drops the offset', () => {
    const j = JSON.parse(formatToken('databricks', token(AT - 7), account, 'cache', AT, {}));
    assert.equal(j.expiry, '2026-12-01T15:22:11.000+01:00');
    assert.equal(pythonParsesAs(j.expiry), '2026-12-01T15:22:11');
  });
});
