/**
 * Steps 1 and 2 of the authorization code flow (flows/auth-code.ts has the whole script): build the authorization
 * request — state, PKCE S256, nonce — and remember it as a pending authorization for the exchange. A file of its
 * own because `authorize-url` runs only this part, and the redemption's modules (grants, id-token checks, Entra
 * errors) are not needed to print a URL.
 */
import {
  buildAuthorizeUrl,
  requestsIdToken,
  type AuthorizeParams,
  type Prompt,
  type ResponseMode,
} from '../core/authorize.js';
import type { Authority } from '../core/authority.js';
import { EntraTokenError } from '../core/errors.js';
import { s256Challenge } from '../core/pkce.js';
import { isDatabricksOidc } from '../core/provider.js';
import type { PendingAuthorization, PendingStore } from '../io/pending.js';
import { cryptoRandom, type RandomSource } from '../io/random.js';
import type { Trace } from '../io/trace.js';
import { PLATFORM } from '../io/platform.js';

export interface StartAuthorizationOptions {
  authority: Authority;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  /** Default: 256 random bits. */
  state?: string | undefined;
  /** Default true. False reproduces the documentation's request (no code_challenge). */
  pkce?: boolean;
  prompt?: Prompt | undefined;
  login_hint?: string | undefined;
  domain_hint?: string | undefined;
  response_mode?: ResponseMode | undefined;
  /** The `claims` parameter (a claims challenge and/or client capabilities, docs/protocol.md §15). */
  claims?: string | undefined;
}

export interface StartedAuthorization {
  url: string;
  pending: PendingAuthorization;
}

/**
 * Step 1: build the authorize URL and remember what the exchange will need.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code
 */
export async function startAuthorization(
  opts: StartAuthorizationOptions,
  deps: { pending: PendingStore; now: () => number; trace?: Trace | undefined; random?: RandomSource },
): Promise<StartedAuthorization> {
  const random = deps.random ?? cryptoRandom;
  const trace = deps.trace;
  trace?.step('Build authorization request');
  const state = opts.state ?? random.state();
  let code_verifier: string | undefined;
  if (opts.pkce !== false) {
    const pair = await random.pkce();
    code_verifier = pair.code_verifier;
    const derived = s256Challenge(code_verifier);
    if (derived !== pair.code_challenge) {
      throw new EntraTokenError(
        'EINTERNAL',
        'PKCE self-check failed: two SHA-256 computations of the code_challenge differ',
      );
    }
    trace?.note(
      `code_challenge = BASE64URL(SHA256(code_verifier)) = ${derived} (pkce-challenge and node:crypto agree); method S256`,
    );
  } else {
    trace?.note(
      'PKCE disabled (--no-pkce): the request matches the documentation byte for byte, and a stolen code could be redeemed by anyone',
    );
  }
  const nonce = requestsIdToken(opts.scopes) ? random.nonce() : undefined;
  // OpenID Connect Core §11: offline access is asked for with prompt=consent (providers such as
  // oidc-provider drop offline_access otherwise). Entra and Databricks issue refresh tokens without it.
  let prompt = opts.prompt;
  if (
    prompt === undefined &&
    opts.authority.kind === 'oidc' &&
    !isDatabricksOidc(opts.authority) &&
    opts.scopes.includes('offline_access')
  ) {
    prompt = 'consent';
    trace?.note('offline_access asked for: prompt=consent added (OpenID Connect Core §11)');
  }
  const msalAdditions = opts.authority.kind === 'entra' && code_verifier !== undefined;
  const client_request_id = msalAdditions ? (random.requestId ?? cryptoRandom.requestId!)() : undefined;
  const params: AuthorizeParams = {
    authority: opts.authority,
    client_id: opts.client_id,
    redirect_uri: opts.redirect_uri,
    scopes: opts.scopes,
    state,
    code_verifier,
    nonce,
    response_mode: opts.response_mode,
    prompt,
    login_hint: opts.login_hint,
    domain_hint: opts.domain_hint,
    ...(opts.claims !== undefined ? { extra: [['claims', opts.claims]] } : {}),
    // as MSAL Node: client-request-id, client_info=1 and the library parameters, for Entra (not in --no-pkce's
    // documentation request)
    platform: msalAdditions ? PLATFORM : undefined,
    client_request_id,
  };
  const url = buildAuthorizeUrl(params);
  const pending: PendingAuthorization = {
    state,
    code_verifier,
    nonce,
    redirect_uri: opts.redirect_uri,
    client_id: opts.client_id,
    authority: opts.authority.url,
    token_endpoint: opts.authority.tokenEndpoint,
    tenant: opts.authority.tenant,
    scopes: opts.scopes,
    response_mode: opts.response_mode ?? 'query',
    created_at: deps.now(),
    ...(opts.authority.kind === 'oidc' ? { kind: 'oidc' as const } : {}),
    ...(opts.authority.issuer !== undefined ? { issuer: opts.authority.issuer } : {}),
    ...(opts.authority.metadata?.authorization_response_iss_parameter_supported
      ? { iss_parameter_supported: true }
      : {}),
    ...(client_request_id ? { client_request_id } : {}),
    ...(opts.claims !== undefined ? { claims: opts.claims } : {}),
  };
  deps.pending.save(pending);
  trace?.note(
    `state (${state.length} chars, ${opts.state ? 'given' : '256 random bits'})${nonce ? ' and nonce' : ''} remembered for 10 minutes as a pending authorization`,
  );
  trace?.front('open', url, 'authorize URL');
  return { url, pending };
}

/** What the user has after signing in: a pasted redirect, or a bare code (with its state if known). */
