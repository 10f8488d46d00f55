/**
 * The checks a client makes on every id token it receives (OpenID Connect Core §3.1.3.7): the issuer
 * is the provider's (the discovered `issuer`, or Entra's per-tenant v2 issuer), `aud` contains the
 * client id, `azp` is the client id when present and required when there are several audiences,
 * `exp` is in the future and `iat` not in the future (both with a clock skew), the nonce is the one
 * sent. The signature came over TLS straight from the token endpoint (§3.1.3.7 item 6 allows that);
 * `inspect --verify` checks it against the JWKS when wanted.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
import { EntraTokenError } from './errors.js';
import { decodeJwtShared } from './jwt.js';
import { isTenantGuid } from './authority.js';

/** Allowed difference between our clock and the provider's, in seconds. */
export const ID_TOKEN_CLOCK_SKEW_S = 300;

/**
 * Which issuer an id token must name: the exact one (a provider found by discovery), or, for an
 * Entra authority, the v2 issuer of the token's own tenant (`https://{host}/{tid}/v2.0`), which is
 * how a multi-tenant authority (`organizations`) can be checked at all.
 * @see https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 */
export type IssuerExpectation = { issuer: string } | { entraIssuerFor: (tid: string) => string };

export interface IdTokenExpectations {
  client_id: string;
  issuer: IssuerExpectation;
  /** The nonce sent on the authorize request, or undefined when none was sent (refresh, device code, password). */
  nonce: string | undefined;
  /** The tenant of an Entra authority; when it is a tenant id (GUID), `tid` must be it. */
  tenant?: string | undefined;
  /** Milliseconds since the epoch. */
  now: number;
  /** Default {@link ID_TOKEN_CLOCK_SKEW_S}. */
  clockSkewS?: number | undefined;
}

export interface IdTokenSummary {
  iss: string | undefined;
  sub: string | undefined;
  tid: string | undefined;
  oid: string | undefined;
  preferred_username: string | undefined;
  name: string | undefined;
  email: string | undefined;
}

function claimError(claim: string, expected: unknown, actual: unknown, hint?: string): EntraTokenError {
  return new EntraTokenError(
    'ECLAIM',
    `unexpected ID token "${claim}" claim value: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    {
      detail: { claim, expected, actual },
      ...(hint ? { hint } : {}),
    },
  );
}

/** Check issuer, audience, azp, lifetime and nonce of an id token; return who signed in. */
export function checkIdToken(idToken: string, exp: IdTokenExpectations): IdTokenSummary {
  const { claims } = decodeJwtShared(idToken);
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : undefined);
  const iss = str('iss');
  const tid = str('tid');
  // 2. iss: exactly the provider's issuer
  const expectedIss =
    'issuer' in exp.issuer ? exp.issuer.issuer : tid !== undefined ? exp.issuer.entraIssuerFor(tid) : undefined;
  if (expectedIss === undefined) {
    throw claimError('tid', 'a tenant id (an Entra id token always names its tenant)', claims.tid ?? null);
  }
  if (iss !== expectedIss) {
    throw claimError(
      'iss',
      expectedIss,
      claims.iss ?? null,
      'the id token was not issued by the provider you signed in with (a mix-up or a forged token); nothing was stored',
    );
  }
  if (
    !('issuer' in exp.issuer) &&
    exp.tenant &&
    isTenantGuid(exp.tenant) &&
    tid &&
    tid.toLowerCase() !== exp.tenant.toLowerCase()
  ) {
    throw claimError('tid', exp.tenant, tid, 'the token comes from another tenant than the one you asked for');
  }
  // 3. aud contains the client id; 4./5. azp
  const aud = claims.aud;
  const audOk = Array.isArray(aud) ? aud.includes(exp.client_id) : aud === exp.client_id;
  if (!audOk) throw claimError('aud', exp.client_id, aud ?? null);
  const several = Array.isArray(aud) && aud.length > 1;
  if ((several || claims.azp !== undefined) && claims.azp !== exp.client_id) {
    throw claimError('azp', exp.client_id, claims.azp ?? null);
  }
  // 9. exp in the future; 10. iat not in the future (both within the clock skew)
  const skew = exp.clockSkewS ?? ID_TOKEN_CLOCK_SKEW_S;
  const nowS = Math.floor(exp.now / 1000);
  if (typeof claims.exp !== 'number') throw claimError('exp', 'a number (seconds since the epoch)', claims.exp ?? null);
  if (claims.exp + skew <= nowS) {
    throw claimError(
      'exp',
      `later than ${nowS - skew}`,
      claims.exp,
      "the id token had already expired when it arrived: check this machine's clock",
    );
  }
  if (typeof claims.iat !== 'number') throw claimError('iat', 'a number (seconds since the epoch)', claims.iat ?? null);
  if (claims.iat - skew > nowS) {
    throw claimError(
      'iat',
      `at most ${nowS + skew}`,
      claims.iat,
      "the id token was issued in the future: check this machine's clock",
    );
  }
  // 11. nonce
  if (exp.nonce !== undefined && claims.nonce !== exp.nonce) {
    throw claimError(
      'nonce',
      exp.nonce,
      claims.nonce ?? null,
      'the id token was issued for another sign-in (replayed or mixed up); start again',
    );
  }
  return {
    iss,
    sub: str('sub'),
    tid,
    oid: str('oid'),
    preferred_username: str('preferred_username'),
    name: str('name'),
    email: str('email'),
  };
}

/** One line for the trace: what was checked (issuer, aud, azp, exp/iat, nonce) and who signed in. */
export function describeIdTokenCheck(s: IdTokenSummary, nonceChecked: boolean): string {
  const nonce = nonceChecked ? 'nonce matches the one sent, ' : '';
  if (s.tid !== undefined) return `id token checked: ${nonce}aud is the client id, issuer tenant ${s.tid}`;
  const who = s.preferred_username ?? s.email ?? s.sub ?? '?';
  return `id token checked (OpenID Connect Core §3.1.3.7): ${nonce}aud is the client id, issuer ${s.iss}, exp/iat within 5 min of this clock; subject ${who}`;
}
