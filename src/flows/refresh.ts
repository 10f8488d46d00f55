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
import { withClaims } from '../core/claims-challenge.js';
import { processRefreshTokenResponse } from '../core/grants.js';
import { issuerExpectation } from '../core/provider.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import { refreshTokenRequest, type ClientAuth } from '../core/token.js';
import { usageError } from '../core/errors.js';
import { anchorForHomeAccount } from '../core/platform.js';
import { Trace } from '../io/trace.js';
import type { FlowDeps, TokenFlowResult } from './types.js';

export interface RefreshOptions {
  authority: Authority;
  client_id: string;
  refresh_token: string;
  scopes: string[];
  auth?: ClientAuth;
  /** The command that signs in again, for hints. Default: `entra-token login --authority … --client-id …`. */
  signInCommand?: string | undefined;
  /** The `claims` parameter (a claims challenge and/or client capabilities, docs/protocol.md §15). */
  claims?: string | undefined;
  /**
   * The home account id (`uid.utid` from `client_info`, as the token cache keys accounts) of the refresh token's
   * account: Entra gets it as `X-AnchorMailbox: Oid:<uid>@<utid>`, as MSAL sends it (docs/protocol.md §2.9).
   */
  homeAccountId?: string | undefined;
}

export interface RefreshResult extends TokenFlowResult {
  /** True when the provider returned a refresh token different from the one sent: store the new one. */
  rotated: boolean;
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
    signInCommand:
      opts.signInCommand ??
      signInAgainCommand({ authority: opts.authority.url, issuer: opts.authority.issuer, client_id: opts.client_id }),
    provider: opts.authority.kind,
  };
  trace.step('Redeem refresh token');
  const request = withClaims(
    refreshTokenRequest({
      tokenEndpoint: opts.authority.tokenEndpoint,
      client_id: opts.client_id,
      refresh_token,
      scopes: opts.scopes,
      auth: opts.auth ?? { kind: 'none' },
      anchor: opts.authority.kind === 'entra' ? anchorForHomeAccount(opts.homeAccountId) : undefined,
    }),
    opts.claims,
  );
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  const { tokens, idToken, rotated, notes } = processRefreshTokenResponse(response, {
    now: deps.now(),
    client_id: opts.client_id,
    issuer: issuerExpectation(opts.authority),
    tenant: opts.authority.tenant,
    scopes: opts.scopes,
    refresh_token,
    hint,
  });
  trace.step('Check tokens');
  for (const n of notes) trace.note(n);
  return { tokens, idToken, rotated, request, response, trace };
}
