import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { verifyEntraJwt } from '../../src/core/verify.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const ISS = 'https://sts.windows.net/72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13/';

for (const alg of ['RS256', 'PS256', 'RS384', 'PS512'] as const) {
  test(`${alg} tokens verify through the node:crypto path, and one flipped signature bit is a bad signature`, async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' };
    const jwks = { keys: [{ ...jwk, kid: 'other', n: jwk.n }, jwk] };
    const token = await new SignJWT({ aud: 'a', tid: 't' })
      .setProtectedHeader({ alg, kid: 'k1', typ: 'JWT' })
      .setIssuer(ISS)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 3600)
      .sign(privateKey);
    const ok = await verifyEntraJwt(token, { jwks, issuers: [ISS], now: NOW });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.verified, true);
    // the same report twice: the imported key is reused
    assert.equal((await verifyEntraJwt(token, { jwks, issuers: [ISS], now: NOW })).verified, true);
    const sig = Buffer.from(token.split('.')[2]!, 'base64url');
    sig.writeUInt8(sig.readUInt8(10) ^ 0x01, 10);
    const tampered = `${token.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`;
    const bad = await verifyEntraJwt(tampered, { jwks, issuers: [ISS], now: NOW });
    assert.equal(bad.verified, false);
    assert.equal(bad.problems[0]!.reason, 'bad_signature');
    // a key with the same kid but another alg is not used by the fast path; jose decides
    const otherAlg = alg === 'PS512' ? 'RS256' : 'PS512';
    const mismatched = await verifyEntraJwt(token, {
      jwks: { keys: [{ ...jwk, alg: otherAlg }] },
      issuers: [ISS],
      now: NOW,
    });
    assert.equal(mismatched.verified, false);
  });
}
