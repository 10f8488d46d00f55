import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntraTokenError } from '../../src/core/errors.js';
import { createTokenKeeper } from '../../src/flows/metadata-token.js';

const MIN = 60_000;

function clock(start = 1_800_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('metadata token keeper', () => {
  it("answers from memory until the source's renew_at, then renews once for concurrent callers", async () => {
    const c = clock();
    let n = 0;
    const keeper = createTokenKeeper({
      now: c.now,
      acquire: async () => {
        await new Promise((r) => setTimeout(r, 10));
        const expires_at = c.now() + 60 * MIN;
        return { access_token: `t${++n}`, expires_at, renew_at: expires_at - 5 * MIN };
      },
    });
    assert.equal((await keeper.token()).access_token, 't1');
    c.advance(54 * MIN);
    assert.equal((await keeper.token()).access_token, 't1');
    c.advance(1 * MIN); // renew_at reached
    const all = await Promise.all([keeper.token(), keeper.token(), keeper.token()]);
    assert.deepEqual(
      all.map((t) => t.access_token),
      ['t2', 't2', 't2'],
    );
    assert.equal(keeper.acquisitions, 2);
  });

  it('without renew_at, renews 5 minutes before expiry', async () => {
    const c = clock();
    let n = 0;
    const keeper = createTokenKeeper({
      now: c.now,
      acquire: async () => ({ access_token: `t${++n}`, expires_at: c.now() + 60 * MIN }),
    });
    await keeper.token();
    c.advance(55 * MIN - 1);
    assert.equal((await keeper.token()).access_token, 't1');
    c.advance(1);
    assert.equal((await keeper.token()).access_token, 't2');
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
    c.advance(56 * MIN);
    assert.equal((await keeper.token()).access_token, 'only');
    assert.deepEqual(warnings, [
      'could not renew the token (could not connect to login.microsoftonline.com); serving the current one, 4 min left',
    ]);
    await keeper.token(); // within the minute: no new attempt
    assert.equal(calls, 2);
    c.advance(MIN + 1);
    await keeper.token();
    assert.equal(calls, 3);
    c.advance(2 * MIN); // less than a minute left: the error itself
    await assert.rejects(keeper.token(), { code: 'ENETWORK' });
  });

  it('reports the first failure as is (nothing to fall back on)', async () => {
    const keeper = createTokenKeeper({
      now: () => 0,
      acquire: async () => {
        throw new EntraTokenError('EINTERACTION_REQUIRED', 'no cached sign-in');
      },
    });
    await assert.rejects(keeper.token(), { code: 'EINTERACTION_REQUIRED', message: 'no cached sign-in' });
  });
});
