/**
 * One processor per grant, next to its request builder in core/token.ts (as oauth4webapi pairs
 * `authorizationCodeGrantRequest` with `processAuthorizationCodeResponse`): each validates the token
 * response (core/token.ts), then makes the grant's own checks, so no flow can forget one:
 * - authorization code: the id token (OpenID Connect Core §3.1.3.7, nonce included), and an id token
 *   is required when `openid` was asked for;
 * - refresh token: the id token when one came (no nonce, §12.2), and whether the refresh token rotated;
 * - device code and password: the id token when one came;
 * - client credentials: no refresh token is kept (RFC 6749 §4.4.3).
 * Each returns the trace notes it would write, so flows stay short and processors stay pure.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponseValidation
 */
import type { HintContext } from './aadsts.js';
import { EntraTokenError } from './errors.js';
import { checkIdToken, describeIdTokenCheck, type IdTokenSummary, type IssuerExpectation } from './id-token.js';
import { processTokenResponse, type TokenResponse } from './token.js';
import type { WireResponse } from './wire.js';

/** What every grant's processor needs to know. */
export interface GrantExpectations {
  /** Milliseconds since the epoch, when the answer came. */
  now: number;
  client_id: string;
  /** The issuer id tokens must name (core/provider `issuerExpectation`). */
  issuer: IssuerExpectation;
  /** The tenant of an Entra authority (a GUID there must match `tid`). */
  tenant?: string | undefined;
  /** The scopes asked for. */
  scopes: readonly string[];
  hint?: HintContext | undefined;
}

export interface GrantResult {
  tokens: TokenResponse;
  idToken: IdTokenSummary | undefined;
  /** Lines for the trace, in order. */
  notes: string[];
}

function lifetime(t: TokenResponse): string {
  return `expires_in ${t.expires_in} s: the access token expires at ${t.expires_on}`;
}

function idTokenOf(
  tokens: TokenResponse,
  e: GrantExpectations,
  nonce: string | undefined,
  required: boolean,
  notes: string[],
): IdTokenSummary | undefined {
  if (!tokens.id_token) {
    if (required)
      throw new EntraTokenError('EBAD_RESPONSE', 'openid was requested but the token response has no id_token');
    return undefined;
  }
  const idToken = checkIdToken(tokens.id_token, {
    client_id: e.client_id,
    issuer: e.issuer,
    nonce,
    tenant: e.tenant,
    now: e.now,
  });
  notes.push(describeIdTokenCheck(idToken, nonce !== undefined));
  return idToken;
}

const asksOpenid = (scopes: readonly string[]) => scopes.some((s) => s === 'openid');

/** `grant_type=authorization_code`: tokens, then the id token with the nonce sent; required when openid was asked. */
export function processAuthorizationCodeResponse(
  res: WireResponse,
  e: GrantExpectations & { nonce: string | undefined },
): GrantResult {
  const tokens = processTokenResponse(res, { now: e.now, hint: e.hint });
  const notes = [lifetime(tokens)];
  const idToken = idTokenOf(tokens, e, e.nonce, asksOpenid(e.scopes), notes);
  return { tokens, idToken, notes };
}

/** `grant_type=refresh_token`: tokens, the id token if one came, and whether the refresh token rotated. */
export function processRefreshTokenResponse(
  res: WireResponse,
  e: GrantExpectations & { refresh_token: string },
): GrantResult & { rotated: boolean } {
  const tokens = processTokenResponse(res, { now: e.now, hint: { ...e.hint, grant: 'refresh_token' } });
  const notes = [lifetime(tokens)];
  const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== e.refresh_token;
  notes.push(
    tokens.refresh_token === undefined
      ? 'no refresh_token in the answer: keep using the one sent'
      : rotated
        ? 'a new refresh_token came back: it replaces the old one (a provider that rotates refresh tokens refuses the old one from now on)'
        : 'the same refresh_token came back',
  );
  // OpenID Connect Core §12.2: a refreshed id token carries no nonce; the other checks hold
  const idToken = idTokenOf(tokens, e, undefined, false, notes);
  return { tokens, idToken, notes, rotated };
}

/** `grant_type=password`: tokens and the id token if one came. */
export function processPasswordResponse(res: WireResponse, e: GrantExpectations): GrantResult {
  const tokens = processTokenResponse(res, { now: e.now, hint: e.hint });
  const notes = [lifetime(tokens)];
  const idToken = idTokenOf(tokens, e, undefined, false, notes);
  return { tokens, idToken, notes };
}

/**
 * The device code grant's final answer (already validated by core/device-code's poll processor): the
 * id token if one came. v1 answers (`resource=`) carry a v1 id token without a v2 issuer: not checked.
 */
export function checkDeviceCodeTokens(tokens: TokenResponse, e: GrantExpectations & { v1?: boolean }): GrantResult {
  const notes: string[] = [];
  const idToken = e.v1 ? undefined : idTokenOf(tokens, e, undefined, false, notes);
  return { tokens, idToken, notes };
}

/** `grant_type=client_credentials`: tokens; a refresh token, which the grant never has, is dropped. */
export function processClientCredentialsResponse(
  res: WireResponse,
  e: Pick<GrantExpectations, 'now' | 'hint'>,
): GrantResult {
  const tokens = processTokenResponse(res, { now: e.now, hint: e.hint });
  const notes = [lifetime(tokens)];
  if (tokens.refresh_token) {
    notes.push('a refresh_token came back for client credentials, which RFC 6749 §4.4.3 rules out: it is ignored');
    tokens.refresh_token = undefined;
  }
  return { tokens, idToken: undefined, notes };
}
