import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntraTokenError } from '../../src/core/errors.js';
import { createTokenKeeper, type ServedToken } from '../../src/flows/metadata-token.js';

const MIN = 60_000;

function clock(start = 1_800_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('metadata token keeper', () => {
  it('answers from memory while the token has 25 min left, then renews once for concurrent callers', async () => {
    const c = clock();
    const asked: number[] = [];
    let n = 0;
    const keeper = createTokenKeeper({
      now: c.now,
      acquire: async (min) => {
        asked.push(min);
        await new Promise((r) => setTimeout(r, 10));
        return { access_token: `t${++n}`, expires_at: c.now() + 60 * MIN };
      },
    });
    assert.equal((await keeper.token()).access_token, 't1');
    c.advance(34 * MIN);
    assert.equal((await keeper.token()).access_token, 't1');
    c.advance(2 * MIN); // 24 min left: renew
    const all = await Promise.all([keeper.token(), keeper.token(), keeper.token()]);
    assert.deepEqual(
      all.map((t) => t.access_token),
      ['t2', 't2', 't2'],
    );
    assert.deepEqual(asked, [25 * MIN, 25 * MIN]);
    assert.equal(keeper.acquisitions, 2);
  });

  it('keeps serving the current token when renewal fails, retrying at most once a minute', async () => {
    const c = clock();
    const warnings: string[] = [];
    let fail = false;
    let calls = 0;
    const keeper = createTokenKeeper({
      now: c.now,
      warn: (l) => warnings.push(l),
      acquire: async () => {
        calls++;
        if (fail) throw new EntraTokenError('ENETWORK', 'could not connect to login.microsoftonline.com');
        return { access_token: 'only', expires_at: c.now() + 60 * MIN };
      },
    });
    await keeper.token();
    fail = true;
    c.advance(40 * MIN);
    assert.equal((await keeper.token()).access_token, 'only');
    assert.deepEqual(warnings, [
      'could not renew the token (could not connect to login.microsoftonline.com); serving the current one, 20 min left',
    ]);
    await keeper.token(); // within the minute: no new attempt
    assert.equal(calls, 2);
    c.advance(MIN + 1);
    await keeper.token();
    assert.equal(calls, 3);
    c.advance(19 * MIN); // less than a minute left: the error itself
    await assert.rejects(keeper.token(), { code: 'ENETWORK' });
  });

  it('on the first request takes a shorter-lived token when none with 25 min exists (no refresh token)', async () => {
    const c = clock();
    const warnings: string[] = [];
    const cached: ServedToken = { access_token: 'app-only', expires_at: c.now() + 10 * MIN };
    const keeper = createTokenKeeper({
      now: c.now,
      warn: (l) => warnings.push(l),
      acquire: async (min) => {
        if (cached.expires_at - c.now() < min)
          throw new EntraTokenError('EINTERACTION_REQUIRED', 'the cached access token expires in less than 25 minutes');
        return cached;
      },
    });
    assert.equal((await keeper.token()).access_token, 'app-only');
    assert.match(warnings[0] ?? '', /^could not get a token with 25 min left \(.*\); serving one with 10 min left$/);
    c.advance(10 * MIN);
    await assert.rejects(keeper.token(), { code: 'EINTERACTION_REQUIRED' });
  });
});
