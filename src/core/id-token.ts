/**
 * The checks a client makes on the id token it just received (OpenID Connect Core §3.1.3.7):
 * the nonce it sent, the audience (its own client id) and the issuer's tenant. The signature came over
 * TLS straight from the token endpoint; `inspect --verify` checks it against the JWKS when wanted.
 */
import { EntraTokenError } from './errors.js';
import { decodeJwtUnverified } from './jwt.js';
import { isTenantGuid } from './authority.js';

export interface IdTokenExpectations {
  client_id: string;
  /** The nonce sent on the authorize request, or undefined when none was sent. */
  nonce: string | undefined;
  /** The tenant of the authority, when it is a tenant id (GUID). */
  tenant: string | undefined;
}

export interface IdTokenSummary {
  tid: string | undefined;
  oid: string | undefined;
  preferred_username: string | undefined;
  name: string | undefined;
  iss: string | undefined;
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

/** Check nonce, aud and the issuer tenant of an id token; return who signed in. */
export function checkIdToken(idToken: string, exp: IdTokenExpectations): IdTokenSummary {
  const { claims } = decodeJwtUnverified(idToken);
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : undefined);
  if (exp.nonce !== undefined && claims.nonce !== exp.nonce) {
    throw claimError(
      'nonce',
      exp.nonce,
      claims.nonce ?? null,
      'the id token was issued for another sign-in (replayed or mixed up); start again',
    );
  }
  const aud = claims.aud;
  const audOk = Array.isArray(aud) ? aud.includes(exp.client_id) : aud === exp.client_id;
  if (!audOk) throw claimError('aud', exp.client_id, aud ?? null);
  const tid = str('tid');
  const iss = str('iss');
  if (tid && iss && !iss.includes(tid)) throw claimError('iss', `an issuer for tenant ${tid}`, iss);
  if (exp.tenant && isTenantGuid(exp.tenant) && tid && tid.toLowerCase() !== exp.tenant.toLowerCase()) {
    throw claimError('tid', exp.tenant, tid, 'the token comes from another tenant than the one you asked for');
  }
  return { tid, oid: str('oid'), preferred_username: str('preferred_username'), name: str('name'), iss };
}
