/**
 * Workload identity federation, as values: where a CI system or cluster offers an OpenID token for the
 * job (GitHub Actions, Azure Pipelines, a projected Kubernetes token file, a variable or a command of
 * the user's), the request that fetches it, and what Entra needs to accept it as a client assertion
 * (RFC 7523 §2.2) — a federated identity credential with the token's exact issuer, subject and audience.
 * Pure: the environment and the clock are handed in.
 *
 * @see docs/protocol.md §14
 * @see https://learn.microsoft.com/entra/workload-id/workload-identity-federation
 * @see https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
 */
import { EntraTokenError, excerpt, usageError } from './errors.js';
import { decodeJwtUnverified } from './jwt.js';
import { parseJsonBody } from './token.js';
import { ENTRA_FEDERATION_AUDIENCE } from './clouds.js';
import type { WireRequest, WireResponse } from './wire.js';

export { ENTRA_FEDERATION_AUDIENCE };
/** Azure DevOps' OIDC token API version. */
export const AZURE_DEVOPS_OIDC_API_VERSION = '7.1';
/** Fetch a new assertion when the one in hand has less than this left (ms). */
export const ASSERTION_REFRESH_MARGIN_MS = 60_000;
/** An assertion without `exp` is used for at most this long (ms) before it is fetched again. */
export const ASSERTION_MAX_AGE_MS = 5 * 60_000;

export type AssertionSourceKind = 'file' | 'github' | 'azure-devops' | 'env' | 'command';

/** Where the job's OpenID token comes from, with everything needed to get it. */
export type AssertionSource =
  | { kind: 'file'; path: string; why: string }
  | { kind: 'github'; requestUrl: string; requestToken: string; audience: string; why: string }
  | { kind: 'azure-devops'; requestUri: string; accessToken: string; serviceConnectionId: string; why: string }
  | { kind: 'env'; variable: string; why: string }
  | { kind: 'command'; command: string; why: string };

type Env = Record<string, string | undefined>;

/**
 * The assertion source the environment offers, in this order: a token file (AKS workload identity,
 * `AZURE_FEDERATED_TOKEN_FILE`), a command of the user's (`ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND`), a
 * variable holding the token (`ENTRA_TOKEN_FEDERATED_TOKEN`),
 * GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` + `_TOKEN`, present when the workflow has
 * `permissions: id-token: write`), Azure Pipelines (`SYSTEM_OIDCREQUESTURI` + `SYSTEM_ACCESSTOKEN` + a
 * service connection id). `prefer` restricts the choice to one kind (an explicit auth type).
 */
export function detectAssertionSource(
  env: Env,
  prefer?: AssertionSourceKind,
): { source: AssertionSource } | { source: undefined; reason: string } {
  const candidates: AssertionSource[] = [];
  if (env.AZURE_FEDERATED_TOKEN_FILE)
    candidates.push({ kind: 'file', path: env.AZURE_FEDERATED_TOKEN_FILE, why: 'AZURE_FEDERATED_TOKEN_FILE is set' });
  if (env.ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND)
    candidates.push({
      kind: 'command',
      command: env.ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND,
      why: 'ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND is set',
    });
  if (env.ENTRA_TOKEN_FEDERATED_TOKEN)
    candidates.push({
      kind: 'env',
      variable: 'ENTRA_TOKEN_FEDERATED_TOKEN',
      why: 'ENTRA_TOKEN_FEDERATED_TOKEN is set',
    });
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    candidates.push({
      kind: 'github',
      requestUrl: env.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      audience: env.ENTRA_TOKEN_FEDERATED_AUDIENCE || ENTRA_FEDERATION_AUDIENCE,
      why: 'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set (GitHub Actions with id-token: write)',
    });
  const adoConnection = env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID || env.ENTRA_TOKEN_ADO_SERVICE_CONNECTION_ID;
  if (env.SYSTEM_OIDCREQUESTURI && env.SYSTEM_ACCESSTOKEN && adoConnection)
    candidates.push({
      kind: 'azure-devops',
      requestUri: env.SYSTEM_OIDCREQUESTURI,
      accessToken: env.SYSTEM_ACCESSTOKEN,
      serviceConnectionId: adoConnection,
      why: 'SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and the service connection id are set (Azure Pipelines)',
    });
  const chosen = prefer ? candidates.find((c) => c.kind === prefer) : candidates[0];
  if (chosen) return { source: chosen };
  const missing: Record<AssertionSourceKind, string> = {
    file: 'AZURE_FEDERATED_TOKEN_FILE is not set',
    command: 'ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND is not set',
    env: 'ENTRA_TOKEN_FEDERATED_TOKEN is not set',
    github:
      'ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (a GitHub workflow needs permissions: id-token: write)',
    'azure-devops':
      'SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN (mapped from $(System.AccessToken)) and AZURESUBSCRIPTION_SERVICE_CONNECTION_ID are not all set',
  };
  return {
    source: undefined,
    reason: prefer
      ? missing[prefer]
      : 'no federated token file, command, variable, GitHub Actions or Azure Pipelines token request is configured',
  };
}

/** GitHub Actions: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with the request token as bearer. */
export function githubIdTokenRequest(requestUrl: string, requestToken: string, audience: string): WireRequest {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  return {
    method: 'GET',
    url: url.toString(),
    headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json; api-version=2.0' },
    idempotent: true,
  };
}

/** Azure Pipelines: `POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=…` with the job's access token. */
export function azureDevOpsOidcRequest(
  requestUri: string,
  accessToken: string,
  serviceConnectionId: string,
): WireRequest {
  const url = new URL(requestUri);
  url.searchParams.set('api-version', AZURE_DEVOPS_OIDC_API_VERSION);
  url.searchParams.set('serviceConnectionId', serviceConnectionId);
  return {
    method: 'POST',
    url: url.toString(),
    headers: {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      'x-tfs-fedauthredirect': 'Suppress',
    },
    body: '',
    // asking for another OIDC token has no side effect: safe to resend
    idempotent: true,
  };
}

/** The JWT in a token service's answer: GitHub's `{"value"}`, Azure DevOps' `{"oidcToken"}`. */
export function processIdTokenResponse(res: WireResponse, kind: 'github' | 'azure-devops'): string {
  const what = kind === 'github' ? 'the GitHub Actions token service' : 'the Azure Pipelines OIDC token service';
  if (res.status !== 200) {
    const hint =
      res.status === 401 || res.status === 403
        ? kind === 'github'
          ? 'the request token was refused: the workflow job needs permissions: id-token: write'
          : 'the access token was refused: map $(System.AccessToken) into SYSTEM_ACCESSTOKEN and check the service connection'
        : 'try again; the CI system could not issue an OpenID token';
    throw new EntraTokenError(
      'EOAUTH',
      `${what} answered HTTP ${res.status}: ${excerpt(res.body, 200) || '(empty body)'}`,
      { hint },
    );
  }
  const body = parseJsonBody(res, what);
  const field = kind === 'github' ? 'value' : 'oidcToken';
  const token = body[field];
  if (typeof token !== 'string' || token.split('.').length !== 3)
    throw new EntraTokenError('EBAD_RESPONSE', `${what} answered 200 without a JWT in "${field}"`);
  return token;
}

/** A token read from a file or variable: one JWT, surrounding whitespace ignored. */
export function parseAssertionText(text: string, where: string): string {
  const t = text.trim();
  if (t === '') throw usageError(`${where} is empty: no federated token to present`);
  if (t.split('.').length !== 3 || /\s/.test(t))
    throw usageError(`${where} does not hold one JWT (header.payload.signature)`);
  return t;
}

export interface AssertionFacts {
  iss?: string;
  sub?: string;
  aud: string[];
  /** Seconds since the epoch. */
  exp?: number;
  iat?: number;
}

/** Issuer, subject, audience and lifetime of an assertion, read without verifying it (Entra verifies). */
export function assertionFacts(jwt: string): AssertionFacts {
  const { claims } = decodeJwtUnverified(jwt);
  const aud = Array.isArray(claims.aud)
    ? claims.aud.filter((a): a is string => typeof a === 'string')
    : typeof claims.aud === 'string'
      ? [claims.aud]
      : [];
  return {
    iss: typeof claims.iss === 'string' ? claims.iss : undefined,
    sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    aud,
    exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    iat: typeof claims.iat === 'number' ? claims.iat : undefined,
  };
}

/** Whether an assertion fetched at `fetchedAt` may still be presented at `now` (ms). */
export function assertionStillGood(facts: AssertionFacts, fetchedAt: number, now: number): boolean {
  if (facts.exp !== undefined) return facts.exp * 1000 - now > ASSERTION_REFRESH_MARGIN_MS;
  return now - fetchedAt < ASSERTION_MAX_AGE_MS;
}

/** The federated identity credential Entra would need to accept this assertion, in one line. */
export function matchingCredentialText(f: AssertionFacts): string {
  return `issuer "${f.iss ?? '?'}", subject "${f.sub ?? '?'}", audience "${f.aud[0] ?? '?'}"`;
}

/** Problems visible before sending: wrong audience, expired. */
export function assertionProblems(f: AssertionFacts, nowMs: number): string[] {
  const out: string[] = [];
  if (!f.aud.includes(ENTRA_FEDERATION_AUDIENCE))
    out.push(
      `its audience is ${f.aud.length ? f.aud.map((a) => `"${a}"`).join(', ') : 'missing'}, not "${ENTRA_FEDERATION_AUDIENCE}" (unless the federated credential names that audience, Entra refuses it)`,
    );
  if (f.exp !== undefined && f.exp * 1000 <= nowMs)
    out.push(`it expired at ${new Date(f.exp * 1000).toISOString()} (AADSTS700024 follows)`);
  return out;
}

/** The hint for an Entra refusal of a federated assertion (AADSTS70021, 700211-700213, 7002138, 700024). */
export function federationRefusalHint(aadsts: number | undefined, f: AssertionFacts): string | undefined {
  const need = `add a federated identity credential to the app with ${matchingCredentialText(f)} (matching is case-sensitive)`;
  switch (aadsts) {
    case 70021:
    case 700211:
    case 700212:
    case 700213:
    case 7002138:
      return need;
    case 700024:
      return 'the federated token expired before Entra saw it: entra-token fetches a new one when less than a minute is left; if it came from a file, the file was not refreshed (check the projected token volume)';
    default:
      return undefined;
  }
}
