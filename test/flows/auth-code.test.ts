/**
 * The authorization code flow called as a library, against the emulator: start, the browser stand-in (a GET
 * that follows nothing and reads the emulator's auto-approve redirect), accept the callback, redeem. The same
 * flow through the commands (authorize-url, exchange) is in test/cli/exchange.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { browse } from '../helpers/browse.js';
import { startAuthorization, acceptCallback, redeem } from '../../src/flows/auth-code.js';
import { MemoryPendingStore } from '../../src/io/pending.js';
import { createHttpClient } from '../../src/io/http.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { Trace } from '../../src/io/trace.js';
import { EntraOAuthError } from '../../src/core/errors.js';

let emu: Emulator;
const http = createHttpClient({ env: {} });

before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  await http.close();
  await emu.close();
});

/** A started sign-in whose callback the browser stand-in brought back. */
async function started(store: MemoryPendingStore) {
  const authority = resolveAuthority({ authority: emu.info.authority });
  const s = await startAuthorization(
    {
      authority,
      client_id: emu.info.public_client_id,
      redirect_uri: 'http://localhost',
      scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'offline_access'],
    },
    { pending: store, now: Date.now },
  );
  const { pending, code } = acceptCallback({ redirect: await browse(s.url) }, store, Date.now());
  return { pending, code };
}

test('a code redeemed twice: Entra answers AADSTS54005 (exit 4) with the redeem-once hint', async () => {
  const store = new MemoryPendingStore();
  const { pending, code } = await started(store);
  const deps = { http, now: Date.now, trace: new Trace() };
  await redeem(pending, code, { pending: store }, deps);
  await assert.rejects(redeem(pending, code, { pending: store }, deps), (e: unknown) => {
    assert.ok(e instanceof EntraOAuthError);
    assert.equal(e.aadsts, 54005);
    assert.equal(e.error, 'invalid_grant');
    assert.equal(e.exitCode, 4);
    assert.match(e.hint!, /redeemed only once/);
    return true;
  });
});

test('a wrong code_verifier is refused by Entra (AADSTS501481)', async () => {
  const store = new MemoryPendingStore();
  const { pending, code } = await started(store);
  await assert.rejects(
    redeem(
      { ...pending, code_verifier: 'w'.repeat(64) },
      code,
      { pending: store },
      { http, now: Date.now, trace: new Trace() },
    ),
    (e: unknown) => {
      assert.ok(e instanceof EntraOAuthError);
      assert.equal(e.aadsts, 501481);
      assert.equal(e.error, 'invalid_grant');
      return true;
    },
  );
});

test("a redirect_uri that differs from the authorize request's is refused (AADSTS50011) with the URI in the hint", async () => {
  const store = new MemoryPendingStore();
  const { pending, code } = await started(store);
  await assert.rejects(
    redeem(
      { ...pending, redirect_uri: 'http://localhost:9999/other' },
      code,
      { pending: store },
      { http, now: Date.now, trace: new Trace() },
    ),
    (e: unknown) => {
      assert.ok(e instanceof EntraOAuthError);
      assert.equal(e.aadsts, 50011);
      assert.match(e.hint!, /'http:\/\/localhost:9999\/other'/);
      return true;
    },
  );
});

test('an id token whose nonce differs from the pending one is refused (ECLAIM, exit 7)', async () => {
  const store = new MemoryPendingStore();
  const { pending, code } = await started(store);
  await assert.rejects(
    redeem(
      { ...pending, nonce: 'another-nonce' },
      code,
      { pending: store },
      { http, now: Date.now, trace: new Trace() },
    ),
    {
      code: 'ECLAIM',
      message: /unexpected ID token "nonce" claim value: expected "another-nonce", got "/,
    },
  );
});
