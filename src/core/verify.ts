/**
 * Verify an Entra token given a JWKS object: signature (jose), issuer, lifetime with a clock-skew
 * allowance, audience. Pure: the keys and the clock are handed in; where keys come from is decided
 * here ({@link jwksUrl}) from the selected cloud or a configured authority only — never from the
 * token's own `jku`, `x5u` or `iss` (RFC 8725 §3.10).
 */
import { createPublicKey, constants as cryptoConstants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { JWK, JSONWebKeySet, createLocalJWKSet } from 'jose';
import { EntraTokenError, badInput, usageError } from './errors.js';
import { decodeJwtUnverified } from './jwt.js';
import { formatDuration, tokenVersion } from './claims.js';
import { CLOUDS, type CloudName } from './clouds.js';
import { isLoopbackHost } from './url-safety.js';

/** Allowed clock skew for `exp` and `nbf`, in seconds (5 min, as Microsoft.IdentityModel's default). */
export const CLOCK_SKEW_SECONDS = 300;

/** Where keys and issuers come from: a national cloud, or a configured authority URL (e.g. the emulator). */
export interface KeySource {
  cloud?: CloudName | undefined;
  /** e.g. `https://login.microsoftonline.com/<tid>` or `http://127.0.0.1:P/<tid>`. */
  authority?: string | undefined;
}

/** Parse an authority URL: origin plus its tenant segment (may be common/organizations or absent). */
export function parseAuthority(authority: string): { origin: string; tenant: string | undefined } {
  let u: URL;
  try {
    u = new URL(authority);
  } catch {
    throw usageError(`--authority ${authority} is not a URL`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    throw new EntraTokenError('EINSECURE', `refusing authority ${u.origin}: plain http is allowed only on loopback`);
  }
  const seg = u.pathname.split('/').filter(Boolean)[0];
  return { origin: u.origin, tenant: seg };
}

/** A tenant that can be put in a URL path: a GUID or a domain name. */
export function checkTenant(tenant: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(tenant))
    throw badInput(`tenant ${JSON.stringify(tenant).slice(0, 80)} is neither a GUID nor a domain name`);
  return tenant;
}

function origin(src: KeySource): string {
  if (src.authority) return parseAuthority(src.authority).origin;
  return `https://${CLOUDS[src.cloud ?? 'public'].authorityHost}`;
}

/** The JWKS URL for a token version and tenant: v1 `/{tid}/discovery/keys`, v2 `/{tid}/discovery/v2.0/keys` (docs/protocol.md §5.4). */
export function jwksUrl(version: '1' | '2', tenant: string, src: KeySource = {}): string {
  return `${origin(src)}/${checkTenant(tenant)}/discovery/${version === '2' ? 'v2.0/' : ''}keys`;
}

/**
 * Issuers accepted for a token version and tenant (docs/protocol.md §6.2, §7). v1: `https://sts.windows.net/{tid}/`
 * (the emulator issues v1 tokens with that issuer too). The v1 issuer hosts of US Gov and China are not
 * documented; the ones added for them are inferred. v2: `{host}/{tid}/v2.0`, where China's issuer host
 * (login.partner.microsoftonline.cn) differs from its endpoint host.
 */
export function expectedIssuers(version: '1' | '2', tenant: string, src: KeySource = {}): string[] {
  const t = checkTenant(tenant);
  if (version === '1') {
    const v1 = [`https://sts.windows.net/${t}/`];
    if (src.authority) v1.push(`${origin(src)}/${t}/`);
    else if (src.cloud === 'usgov') v1.push(`https://login.microsoftonline.us/${t}/`);
    else if (src.cloud === 'china') v1.unshift(`https://sts.chinacloudapi.cn/${t}/`);
    return v1;
  }
  if (src.authority) return [`${origin(src)}/${t}/v2.0`];
  const cloud = CLOUDS[src.cloud ?? 'public'];
  const hosts = [cloud.issuerHostV2, cloud.authorityHost].filter((h, i, a) => a.indexOf(h) === i);
  return hosts.map((h) => `https://${h}/${t}/v2.0`);
}

export type VerifyReason =
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'graph_unverifiable'
  | 'wrong_issuer'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience';

export interface VerifyProblem {
  reason: VerifyReason;
  code: 'ESIGNATURE' | 'ECLAIM';
  message: string;
}

export interface VerificationReport {
  verified: boolean;
  kid: string | undefined;
  issuer: string | undefined;
  /** Where the keys came from (a URL or a file name), for messages. */
  keysFrom: string | undefined;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  jwks: unknown;
  /** Issuers accepted (see {@link expectedIssuers}). */
  issuers: string[];
  /** Required audience (exact; a trailing slash on URIs is ignored). */
  audience?: string | undefined;
  /** Milliseconds since the epoch. */
  now: number;
  clockSkewSeconds?: number | undefined;
  keysFrom?: string | undefined;
}

/**
 * One jose key set per JWKS object: createLocalJWKSet imports each key lazily and keeps it, so reusing it
 * turns a verification with a cached JWKS (io/jwks hands out the same object) from a key import plus a
 * signature check into a signature check only (about 10× the rate; see `npm run bench`).
 */
const keySets = new WeakMap<object, ReturnType<typeof createLocalJWKSet>>();
function keySetFor(jwks: JSONWebKeySet, jose: typeof import('jose')): ReturnType<typeof createLocalJWKSet> {
  let set = keySets.get(jwks);
  if (!set) keySets.set(jwks, (set = jose.createLocalJWKSet(jwks)));
  return set;
}

/**
 * The common case — an RSA token (what Entra issues) whose kid names exactly one RSA signing key — is
 * checked with node:crypto directly, with the public key imported once per JWK and kept. jose's WebCrypto
 * path runs each check on the thread pool and halves the rate; every other case still goes through jose.
 */
const RSA_HASH: Readonly<Record<string, { hash: string; pss: boolean }>> = {
  RS256: { hash: 'sha256', pss: false },
  RS384: { hash: 'sha384', pss: false },
  RS512: { hash: 'sha512', pss: false },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};
const rsaKeys = new WeakMap<object, KeyObject>();

/** The one RSA key usable for `alg` with `kid`, or undefined when jose should decide (none, several, odd key). */
function singleRsaKey(jwks: JSONWebKeySet, kid: string | undefined, alg: string): KeyObject | undefined {
  if (kid === undefined) return undefined;
  const matches = jwks.keys.filter((k) => k.kid === kid);
  if (matches.length !== 1) return undefined;
  const jwk = matches[0] as JWK;
  if (jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== alg))
    return undefined;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return undefined;
  let key = rsaKeys.get(jwk);
  if (!key) {
    try {
      key = createPublicKey({
        key: { kty: 'RSA', n: jwk.n, e: jwk.e } as import('node:crypto').JsonWebKey,
        format: 'jwk',
      });
    } catch {
      return undefined; // let jose report the malformed key
    }
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined; // jose refuses short RSA keys
    rsaKeys.set(jwk, key);
  }
  return key;
}

/** Verify an RSA JWS signature with node:crypto: true or false. */
function rsaSignatureValid(token: string, alg: string, key: KeyObject): boolean {
  const { hash, pss } = RSA_HASH[alg]!;
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const input = Buffer.from(token.slice(0, dot), 'ascii');
  return cryptoVerify(
    hash,
    input,
    pss
      ? { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST }
      : key,
    signature,
  );
}

/** Asymmetric algorithms only: HS* and none are refused before any key is looked at. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** Check a JWKS value: `{"keys":[{kty,...},...]}`. Throws EBAD_INPUT. */
export function checkJwks(jwks: unknown, from = 'the JWKS'): JSONWebKeySet {
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw badInput(`${from} is not a JWKS: expected a JSON object with a "keys" array`);
  }
  const keys = (jwks as { keys: unknown[] }).keys;
  if (!keys.every((k) => k !== null && typeof k === 'object' && typeof (k as { kty?: unknown }).kty === 'string')) {
    throw badInput(`${from} is not a JWKS: every key needs a "kty"`);
  }
  return jwks as JSONWebKeySet;
}

const sameAud = (a: string, b: string): boolean => a === b || a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Verify signature, issuer, lifetime and audience; collect every problem (signature problems first).
 * Never throws for a bad token (only EBAD_INPUT for undecodable input or a malformed JWKS).
 */
export async function verifyEntraJwt(token: string, o: VerifyOptions): Promise<VerificationReport> {
  const { header, claims } = decodeJwtUnverified(token);
  const jwks = checkJwks(o.jwks, o.keysFrom);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const from = o.keysFrom ? ` from ${o.keysFrom}` : '';
  const problems: VerifyProblem[] = [];
  const alg = String(header.alg);
  const sig = (reason: VerifyReason, message: string): void =>
    void problems.push({ reason, code: 'ESIGNATURE', message });
  const claim = (reason: VerifyReason, message: string): void =>
    void problems.push({ reason, code: 'ECLAIM', message });

  if (!ALGORITHMS.includes(alg)) {
    sig(
      'alg_not_allowed',
      alg === 'none'
        ? 'the token is unsigned (alg none)'
        : /^HS/i.test(alg)
          ? `alg ${alg} (HMAC) is not accepted: Entra ID signs with RS256`
          : `alg ${alg} is not accepted`,
    );
  } else {
    const fastKey = RSA_HASH[alg] ? singleRsaKey(jwks, kid, alg) : undefined;
    try {
      if (fastKey) {
        if (!rsaSignatureValid(token.trim(), alg, fastKey))
          throw Object.assign(new Error('signature verification failed'), {
            code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
          });
      } else {
        // jose is loaded only here, for what the node:crypto path above does not cover
        const jose = await import('jose');
        await jose.compactVerify(token.trim(), keySetFor(jwks, jose), { algorithms: ALGORITHMS });
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
        sig(
          'unknown_kid',
          kid === undefined
            ? `the token has no kid and no key${from} fits it`
            : `unknown kid ${kid}: no such signing key${from} (keys rotate; a token from another cloud or a forged token has none)`,
        );
      } else if (code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
        sig('unknown_kid', `the token has no kid and several keys${from} could fit`);
      } else if (header.nonce !== undefined) {
        sig(
          'graph_unverifiable',
          'Microsoft Graph token (nonce in its header): Microsoft-owned APIs use a proprietary format that clients cannot verify; this does not mean it is forged (treat it as opaque)',
        );
      } else if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
        sig(
          'bad_signature',
          `bad signature: the token was not signed by key ${kid ?? '(no kid)'}${from}, or was altered after signing`,
        );
      } else {
        sig('bad_signature', `signature check failed: ${(e as Error).message}`);
      }
    }
  }

  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  if (iss === undefined || !o.issuers.includes(iss)) {
    claim('wrong_issuer', `wrong issuer ${iss === undefined ? '(none)' : iss}; expected ${o.issuers.join(' or ')}`);
  }
  const skew = o.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  const nowS = o.now / 1000;
  if (typeof claims.exp !== 'number') claim('expired', 'the token has no numeric "exp" claim');
  else if (claims.exp + skew <= nowS)
    claim(
      'expired',
      `expired ${formatDuration(nowS - claims.exp)} ago (exp ${new Date(claims.exp * 1000).toISOString()}, clock skew allowed ${skew} s)`,
    );
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number') claim('not_yet_valid', 'the "nbf" claim is not a number');
    else if (claims.nbf - skew > nowS)
      claim(
        'not_yet_valid',
        `not yet valid: valid from ${new Date(claims.nbf * 1000).toISOString()}, in ${formatDuration(claims.nbf - nowS)} (clock skew allowed ${skew} s)`,
      );
  }
  if (o.audience !== undefined) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!auds.some((a) => typeof a === 'string' && sameAud(a, o.audience!))) {
      claim('wrong_audience', `wrong audience ${JSON.stringify(claims.aud) ?? '(none)'}; expected ${o.audience}`);
    }
  }
  return { verified: problems.length === 0, kid, issuer: iss, keysFrom: o.keysFrom, problems };
}

/** Throw the first problem of a report as an EntraTokenError (ESIGNATURE or ECLAIM) with `detail.reason`. */
export function throwIfUnverified(report: VerificationReport): void {
  const p = report.problems[0];
  if (!p) return;
  const more =
    report.problems.length > 1
      ? ` (and ${report.problems.length - 1} more problem${report.problems.length > 2 ? 's' : ''})`
      : '';
  throw new EntraTokenError(p.code, `${p.message}${more}`, {
    detail: { reason: p.reason, problems: report.problems.map((x) => x.reason) },
    ...(p.reason === 'unknown_kid'
      ? { hint: 'check --cloud / --authority: keys come only from the selected Entra host' }
      : {}),
  });
}

/** Token version used to pick the JWKS and issuer: from `ver`/`iss`, default v1 (Databricks and Graph tokens). */
export function versionForKeys(claims: Record<string, unknown>): '1' | '2' {
  return tokenVersion(claims) ?? '1';
}
