/**
 * The refresh-token grant, as a script of named steps:
 *   1. Redeem refresh token   (grant_type=refresh_token, docs/protocol.md §2.2)
 *   2. Check tokens           (response shape; id token aud / tenant; rotation noted)
 * Expired, revoked or inactive refresh tokens (AADSTS700082, 70008, 50173, …) become
 * EINTERACTION_REQUIRED (exit 5) with a hint naming the exact command that signs in again.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
 */
import type { Authority } from '../core/authority.js';
import type { HintContext } from '../core/aadsts.js';
import { checkIdToken, type IdTokenSummary } from '../core/id-token.js';
import { processTokenResponse, refreshTokenRequest, type ClientAuth, type TokenResponse } from '../core/token.js';
import { usageError } from '../core/errors.js';
import type { WireRequest, WireResponse } from '../core/wire.js';
import { Trace } from '../io/trace.js';
import { signInCommand, type FlowDeps } from './auth-code.js';

export interface RefreshOptions {
  authority: Authority;
  client_id: string;
  refresh_token: string;
  scopes: string[];
  auth?: ClientAuth;
  /** The command that signs in again, for hints. Default: `entra-token login --authority … --client-id …`. */
  signInCommand?: string | undefined;
}

export interface RefreshResult {
  tokens: TokenResponse;
  idToken: IdTokenSummary | undefined;
  /** True when Entra returned a refresh token different from the one sent: store the new one. */
  rotated: boolean;
  request: WireRequest;
  response: WireResponse;
  trace: Trace;
}

/** Redeem a refresh token for new tokens (same or another resource the client has consent for). */
export async function refreshTokens(opts: RefreshOptions, deps: FlowDeps): Promise<RefreshResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  const refresh_token = opts.refresh_token.trim();
  if (!refresh_token) throw usageError('the refresh token is empty');
  if (!opts.client_id)
    throw usageError('no client id: a refresh token can only be redeemed by the client it was issued to');
  const hint: HintContext = {
    clientId: opts.client_id,
    tenant: opts.authority.tenant,
    authorityUrl: opts.authority.url,
    scopes: opts.scopes,
    signInCommand: opts.signInCommand ?? signInCommand({ authority: opts.authority.url, client_id: opts.client_id }),
  };
  trace.step('Redeem refresh token');
  const request = refreshTokenRequest({
    tokenEndpoint: opts.authority.tokenEndpoint,
    client_id: opts.client_id,
    refresh_token,
    scopes: opts.scopes,
    auth: opts.auth ?? { kind: 'none' },
  });
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  const tokens = processTokenResponse(response, { now: deps.now(), hint });
  trace.step('Check tokens');
  trace.note(`expires_in ${tokens.expires_in} s: the access token expires at ${tokens.expires_on}`);
  const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== refresh_token;
  trace.note(
    tokens.refresh_token === undefined
      ? 'no refresh_token in the answer: keep using the one sent'
      : rotated
        ? 'a new refresh_token came back: it replaces the old one (the old one is not revoked, but keep only the newest)'
        : 'the same refresh_token came back',
  );
  let idToken: IdTokenSummary | undefined;
  if (tokens.id_token) {
    // Refreshed id tokens carry no nonce; aud and tenant are still checked.
    idToken = checkIdToken(tokens.id_token, {
      client_id: opts.client_id,
      nonce: undefined,
      tenant: opts.authority.tenant,
    });
    trace.note(`id token checked: aud is the client id, issuer tenant ${idToken.tid ?? '?'}`);
  }
  return { tokens, idToken, rotated, request, response, trace };
}
