/**
 * Inspect a token: decode (unverified), explain every claim, say in one line what it is, warn about
 * what would make it fail; with `verify`, fetch the keys from the selected Entra host (or read a JWKS
 * file) and check signature, issuer, lifetime and audience.
 */
import { decodeJwtUnverified, type TokenSource } from '../core/jwt.js';
import {
  explainClaims,
  explainHeader,
  tokenKind,
  tokenWarnings,
  verdict,
  type ClaimExplanation,
  type CheckOptions,
  type TokenKind,
  type TokenWarning,
} from '../core/claims.js';
import {
  expectedIssuers,
  jwksUrl,
  parseAuthority,
  verifyEntraJwt,
  versionForKeys,
  CLOCK_SKEW_SECONDS,
  type KeySource,
  type VerificationReport,
} from '../core/verify.js';
import { usageError } from '../core/errors.js';
import type { CloudName } from '../core/clouds.js';
import { fetchJwks, readJwksFile, type Send } from '../io/jwks.js';
import type { Trace } from '../io/trace.js';

export interface InspectOptions extends CheckOptions {
  /** Milliseconds since the epoch. */
  now: number;
  timeZone?: string | undefined;
  verify?: boolean | undefined;
  /** Required audience when verifying. */
  audience?: string | undefined;
  cloud?: CloudName | undefined;
  authority?: string | undefined;
  /**
   * A provider found by discovery: verify against its own `issuer` and `jwks_uri` (any OpenID
   * provider, Entra included), instead of Entra's per-tenant issuers and key URLs.
   */
  provider?: { issuer: string; jwks_uri: string | undefined } | undefined;
  /** A JWKS file: verify offline with these keys. */
  jwksFile?: string | undefined;
  clockSkewSeconds?: number | undefined;
  send?: Send | undefined;
  trace?: Trace | undefined;
  signal?: AbortSignal | undefined;
}

export interface InspectReport {
  source: TokenSource;
  kind: TokenKind;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  headerExplanations: ClaimExplanation[];
  explanations: ClaimExplanation[];
  verdict: string;
  warnings: TokenWarning[];
  /** `verified: false` with no problems means verification was not asked for. */
  verification: VerificationReport & { requested: boolean };
}

const KIND_OF_SOURCE: Record<TokenSource, TokenKind | undefined> = {
  token: undefined,
  access_token: 'access',
  id_token: 'id',
};

/** Inspect one token; throws EBAD_INPUT for undecodable input, never for a bad token (see `verification`). */
export async function inspectToken(token: string, source: TokenSource, o: InspectOptions): Promise<InspectReport> {
  const { header, claims } = decodeJwtUnverified(token);
  const kind = tokenKind(claims, KIND_OF_SOURCE[source]);
  const report: InspectReport = {
    source,
    kind,
    header,
    claims,
    headerExplanations: explainHeader(header, o.now, { timeZone: o.timeZone }),
    explanations: explainClaims(claims, o.now, { timeZone: o.timeZone }),
    verdict: verdict(header, claims, o.now, kind),
    warnings: tokenWarnings(header, claims, o.now, { expect: o.expect, tenant: o.tenant, nonce: o.nonce, kind }),
    verification: {
      requested: false,
      verified: false,
      kid: typeof header.kid === 'string' ? header.kid : undefined,
      issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
      keysFrom: undefined,
      problems: [],
    },
  };
  if (o.verify) report.verification = { requested: true, ...(await verifyWithKeys(token, claims, o)) };
  return report;
}

async function verifyWithKeys(
  token: string,
  claims: Record<string, unknown>,
  o: InspectOptions,
): Promise<VerificationReport> {
  if (o.provider) return verifyWithProvider(token, o.provider, o);
  const src: KeySource = { cloud: o.cloud, authority: o.authority };
  const authTenant = o.authority ? parseAuthority(o.authority).tenant : undefined;
  const fixedTenant =
    authTenant && !['common', 'organizations', 'consumers'].includes(authTenant.toLowerCase()) ? authTenant : undefined;
  const tenant = o.tenant ?? fixedTenant ?? (typeof claims.tid === 'string' ? claims.tid : undefined);
  if (tenant === undefined)
    throw usageError('the token has no "tid" claim: pass --tenant to say which tenant\'s keys and issuer to use');
  const version = versionForKeys(claims);
  const common = {
    issuers: expectedIssuers(version, tenant, src),
    audience: o.audience,
    now: o.now,
    clockSkewSeconds: o.clockSkewSeconds ?? CLOCK_SKEW_SECONDS,
  };
  if (o.jwksFile) {
    return verifyEntraJwt(token, { ...common, jwks: await readJwksFile(o.jwksFile), keysFrom: o.jwksFile });
  }
  const url = jwksUrl(version, tenant, src);
  const fetchOpts = { send: o.send, now: () => o.now, trace: o.trace, signal: o.signal };
  const got = await fetchJwks(url, fetchOpts);
  let report = await verifyEntraJwt(token, { ...common, jwks: got.jwks, keysFrom: url });
  // Keys rotate: a kid missing from a cached copy earns one fresh fetch.
  if (got.fromCache && report.problems.some((p) => p.reason === 'unknown_kid')) {
    const fresh = await fetchJwks(url, { ...fetchOpts, refresh: true });
    report = await verifyEntraJwt(token, { ...common, jwks: fresh.jwks, keysFrom: url });
  }
  return report;
}

/** Verify against a discovered provider: its issuer, its keys at `jwks_uri` (or a JWKS file). */
async function verifyWithProvider(
  token: string,
  p: { issuer: string; jwks_uri: string | undefined },
  o: InspectOptions,
): Promise<VerificationReport> {
  const common = {
    issuers: [p.issuer],
    audience: o.audience,
    now: o.now,
    clockSkewSeconds: o.clockSkewSeconds ?? CLOCK_SKEW_SECONDS,
  };
  if (o.jwksFile) {
    return verifyEntraJwt(token, { ...common, jwks: await readJwksFile(o.jwksFile), keysFrom: o.jwksFile });
  }
  if (p.jwks_uri === undefined)
    throw usageError(`the discovery document of ${p.issuer} has no jwks_uri: give a JWKS file to verify with`);
  const url = p.jwks_uri;
  const fetchOpts = { send: o.send, now: () => o.now, trace: o.trace, signal: o.signal };
  const got = await fetchJwks(url, fetchOpts);
  let report = await verifyEntraJwt(token, { ...common, jwks: got.jwks, keysFrom: url });
  if (got.fromCache && report.problems.some((r) => r.reason === 'unknown_kid')) {
    const fresh = await fetchJwks(url, { ...fetchOpts, refresh: true });
    report = await verifyEntraJwt(token, { ...common, jwks: fresh.jwks, keysFrom: url });
  }
  return report;
}
