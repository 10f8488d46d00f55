/**
 * Mint Entra-shaped access tokens in tests with a key generated at run time (never committed), and
 * hand the matching public key to the emulated resource servers as a key getter.
 */
import { createHash } from 'node:crypto';
import { base64url, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
export const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
export const CONF_CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
export const PUBLIC_CLIENT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
export const SP_OID = 'b4e1f2a3-7c5d-4e8f-9a0b-1c2d3e4f5a6b';
export const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
export const MANAGEMENT = 'https://management.core.windows.net/';
export const GRAPH = '00000003-0000-0000-c000-000000000000';

export interface Minter {
  jwks: { keys: JWK[] };
  getKey: ReturnType<typeof createLocalJWKSet>;
  /** A signed token; `claims` override the defaults, `nowSec` sets iat/nbf/exp (exp = now + lifetime). */
  token(
    claims: Record<string, unknown>,
    opts?: { nowSec?: number; lifetime?: number; header?: Record<string, unknown> },
  ): Promise<string>;
  /** An app-only token for `aud` from the confidential client. */
  app(aud: string, extra?: Record<string, unknown>, opts?: { nowSec?: number; lifetime?: number }): Promise<string>;
  /** A delegated token for alice (or `upn`) for `aud`. */
  user(aud: string, extra?: Record<string, unknown>, opts?: { nowSec?: number; lifetime?: number }): Promise<string>;
  /** A Graph token with a nonce in its header, signed over the hashed nonce (the emulator's convention). */
  graph(extra?: Record<string, unknown>, opts?: { nowSec?: number; lifetime?: number }): Promise<string>;
}

export async function createMinter(): Promise<Minter> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = 'test-key-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const jwks = { keys: [jwk] };
  const getKey = createLocalJWKSet(jwks);

  const sign = async (claims: Record<string, unknown>, header: Record<string, unknown>, key: CryptoKey) =>
    new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: kid, kid, ...header }).sign(key);

  const base = (aud: string, nowSec: number, lifetime: number) => ({
    aud,
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + lifetime,
    tid: TENANT,
    ver: '1.0',
    uti: 'q8Zc1mN4tEa7wXy2rK9pAA',
  });
  const now = () => Math.floor(Date.now() / 1000);

  const m: Minter = {
    jwks,
    getKey,
    token: (claims, opts = {}) =>
      sign(
        { ...base(DATABRICKS, opts.nowSec ?? now(), opts.lifetime ?? 3599), ...claims },
        opts.header ?? {},
        privateKey,
      ),
    app: (aud, extra = {}, opts = {}) =>
      m.token({ aud, appid: CONF_CLIENT, appidacr: '1', idtyp: 'app', oid: SP_OID, sub: SP_OID, ...extra }, opts),
    user: (aud, extra = {}, opts = {}) =>
      m.token(
        {
          aud,
          appid: PUBLIC_CLIENT,
          appidacr: '0',
          scp: 'user_impersonation',
          amr: ['pwd'],
          oid: '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46',
          sub: 'kJ3m0YH1w4Qd9sT7pL2vX8cN5eR6uB0aZ1yF4gH7jK',
          upn: 'alice@contoso.com',
          unique_name: 'alice@contoso.com',
          name: 'Alice Smith',
          ...extra,
        },
        opts,
      ),
    graph: async (extra = {}, opts = {}) => {
      const nonce = 'WTVQubis7ho6JbSilSdbM9RHrtDZEHU6eweHRYC6eDs';
      const hashed = base64url.encode(createHash('sha256').update(nonce).digest());
      const nowSec = opts.nowSec ?? now();
      const claims = {
        ...base(GRAPH, nowSec, opts.lifetime ?? 3599),
        appid: CONF_CLIENT,
        appidacr: '1',
        idtyp: 'app',
        app_displayname: 'contoso-automation',
        oid: SP_OID,
        sub: SP_OID,
        roles: ['User.Read.All'],
        ...extra,
      };
      const signed = await sign(claims, { nonce: hashed }, privateKey);
      const [h, p, s] = signed.split('.');
      // present the raw nonce in place of the hashed one, keeping the header's member order
      const shown = { ...(JSON.parse(new TextDecoder().decode(base64url.decode(h!))) as object), nonce };
      return `${base64url.encode(JSON.stringify(shown))}.${p}.${s}`;
    },
  };
  return m;
}
