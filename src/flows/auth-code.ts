/**
 * The documented flow, as a script of named steps:
 *   1. Build authorization request   (state, PKCE S256, nonce; remembered as a pending authorization)
 *   2. Browser sign-in               (the user, or `login`'s listener)
 *   3. Callback received             (the pasted redirect: state checked against the pending one)
 *   4. Redeem code                   (the documentation's POST, plus code_verifier)
 *   5. Check tokens                  (response shape, id token nonce / aud / tenant)
 * Each function returns what it sent and received next to its result; errors carry the trace too.
 */
import { resolveAuthority, type Authority } from '../core/authority.js';
import { EntraTokenError, excerpt } from '../core/errors.js';
import { toEntraError } from '../core/entra-error.js';
import { processAuthorizationCodeResponse } from '../core/grants.js';
import type { IdTokenSummary, IssuerExpectation } from '../core/id-token.js';
import { issuerExpectation } from '../core/provider.js';
import {
  assertCode,
  checkAuthorizationResponseIssuer,
  checkState,
  parseRedirect,
  type RedirectResult,
} from '../core/redirect.js';
import { withClaims } from '../core/claims-challenge.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import { authorizationCodeRequest, type ClientAuth, type TokenResponse } from '../core/token.js';
import type { HintContext } from '../core/aadsts.js';
import type { WireRequest, WireResponse } from '../core/wire.js';
import type { PendingAuthorization, PendingStore } from '../io/pending.js';
import { Trace } from '../io/trace.js';
import { anchorForHomeAccount } from '../core/platform.js';
import { accountFromClientInfo } from '../core/cache-keys.js';
import type { FlowDeps } from './types.js';

export type { FlowDeps } from './types.js';

export { startAuthorization, type StartAuthorizationOptions, type StartedAuthorization } from './authorize.js';

export type CallbackInput = { redirect: string; via?: string } | { code: string; state?: string | undefined };

export interface ExchangeOptions {
  input: CallbackInput;
  pending: PendingStore;
  /** Exchange a bare code without any state check (loud opt-out). Uses the newest pending authorization. */
  skipStateCheck?: boolean;
  /** Also send `state` in the token request, as the documentation's curl does. */
  sendState?: boolean;
  /** Client authentication for confidential (web) apps. */
  auth?: ClientAuth;
  /** Called with a warning line (the CLI prints it on stderr). */
  warn?: (line: string) => void;
}

export interface ExchangeResult {
  tokens: TokenResponse;
  idToken: IdTokenSummary | undefined;
  pending: PendingAuthorization;
  request: WireRequest;
  response: WireResponse;
  trace: Trace;
}

/** The command that starts a new sign-in like the pending one (for hints). */
export function signInCommand(
  p: Pick<PendingAuthorization, 'authority' | 'client_id' | 'token_endpoint' | 'issuer'>,
): string {
  // files written before the issuer was stored: a provider found by discovery has its own token endpoint
  const viaIssuer =
    p.issuer !== undefined ||
    (p.token_endpoint !== undefined && p.token_endpoint !== `${p.authority}/oauth2/v2.0/token`);
  return signInAgainCommand({
    authority: p.authority,
    issuer: viaIssuer ? (p.issuer ?? p.authority) : undefined,
    client_id: p.client_id,
  });
}

/** The issuer the pending sign-in's id token (and RFC 9207 `iss`) must name. */
export function pendingIssuer(p: PendingAuthorization): IssuerExpectation {
  if (p.issuer !== undefined) return { issuer: p.issuer };
  return issuerExpectation(authorityOf(p.authority));
}

/** The last pending authority resolved (every redemption of a sign-in resolves the same one again). */
let lastAuthority: { url: string; authority: Authority } | undefined;

/** `resolveAuthority` of a pending sign-in's authority URL; the result stays inside this module. */
function authorityOf(url: string): Authority {
  if (lastAuthority?.url !== url) lastAuthority = { url, authority: resolveAuthority({ authority: url }) };
  return lastAuthority.authority;
}

function hintContext(p: PendingAuthorization): HintContext {
  return {
    clientId: p.client_id,
    tenant: p.tenant,
    authorityUrl: p.authority,
    redirectUri: p.redirect_uri,
    scopes: p.scopes,
    signInCommand: signInCommand(p),
    provider: p.kind ?? 'entra',
  };
}

/** Step 3: check the callback against the pending authorization; decode error redirects. */
export function acceptCallback(
  input: CallbackInput,
  store: PendingStore,
  now: number,
  opts: {
    skipStateCheck?: boolean | undefined;
    warn?: ((line: string) => void) | undefined;
    trace?: Trace | undefined;
  } = {},
): { pending: PendingAuthorization; code: string; client_info?: string | undefined } {
  const trace = opts.trace;
  trace?.step('Callback received');
  let parsed: RedirectResult;
  if ('redirect' in input) {
    parsed = parseRedirect(input.redirect);
    trace?.front('receive', input.redirect.trim(), input.via ?? 'pasted');
  } else {
    assertCode(input.code);
    parsed = {
      kind: 'success',
      code: input.code,
      state: input.state,
      session_state: undefined,
      client_info: undefined,
      params: {},
    };
  }
  if (parsed.kind === 'error') {
    let ctx: HintContext = {};
    let clientRequestId: string | undefined;
    if (parsed.state !== undefined) {
      try {
        const p = store.find(parsed.state, now);
        checkCallbackIssuer(parsed, p, trace);
        ctx = hintContext(p);
        clientRequestId = p.client_request_id;
        store.markUsed(parsed.state, now); // the sign-in ended; its state must not be reused
        trace?.note('state verified: the error redirect belongs to the pending sign-in, which is now closed');
      } catch {
        /* an error for an unknown sign-in is still worth decoding */
      }
    }
    throw toEntraError(parsed.error, 'authorize', ctx, undefined, clientRequestId);
  }
  let pending: PendingAuthorization;
  if (parsed.state === undefined) {
    if (!opts.skipStateCheck) {
      throw new EntraTokenError(
        'ESTATE_MISMATCH',
        'no state came with the code, so it cannot be matched to a pending sign-in',
        {
          hint: 'paste the whole redirect URL (it carries &state=…), give --state, or pass --skip-state-check to accept the risk of a forged callback',
        },
      );
    }
    const newest = store.newest(now);
    if (!newest) {
      throw new EntraTokenError(
        'ESTATE_UNKNOWN',
        'no sign-in is pending, so there is no code_verifier or redirect_uri to exchange the code with',
        {
          hint: 'run entra-token authorize-url first',
        },
      );
    }
    opts.warn?.(
      `WARNING: --skip-state-check: the code is exchanged without checking that it answers your own sign-in (CSRF protection is off); using the pending sign-in from ${new Date(newest.created_at).toISOString()}`,
    );
    trace?.note('state NOT verified (--skip-state-check)');
    pending = newest;
  } else {
    pending = store.find(parsed.state, now);
    checkState(parsed.state, pending.state);
    trace?.note(
      `state verified: ${excerpt(parsed.state, 16)} matches the pending sign-in started ${Math.round((now - pending.created_at) / 1000)} s ago`,
    );
  }
  checkCallbackIssuer(parsed, pending, trace);
  return { pending, code: parsed.code, client_info: parsed.client_info };
}

/** RFC 9207: an `iss` on the authorization response must be the issuer; required when the provider advertises it. */
function checkCallbackIssuer(parsed: RedirectResult, p: PendingAuthorization, trace: Trace | undefined): void {
  const iss = parsed.params.iss;
  const required = p.iss_parameter_supported === true;
  // no `iss` and none required (Entra's redirects): nothing to compare, so no issuer to work out
  if (iss === undefined && !required) return;
  const expected = p.issuer ?? entraIssuerOf(p);
  checkAuthorizationResponseIssuer(iss, { issuer: expected, required });
  if (iss !== undefined && expected !== undefined) trace?.note(`iss verified: ${iss} is the issuer (RFC 9207)`);
}

/** An Entra authority with a tenant id has one exact issuer; a multi-tenant one has none to compare with. */
function entraIssuerOf(p: PendingAuthorization): string | undefined {
  if (p.kind === 'oidc') return undefined;
  try {
    const a = resolveAuthority({ authority: p.authority });
    return /^[0-9a-f-]{36}$/i.test(a.tenant) ? a.issuerV2(a.tenant) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Steps 3–5: exchange a pasted redirect (or code) for tokens.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token
 */
export async function exchangeCode(opts: ExchangeOptions, deps: FlowDeps): Promise<ExchangeResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  const { pending, code, client_info } = acceptCallback(opts.input, opts.pending, deps.now(), {
    skipStateCheck: opts.skipStateCheck,
    warn: opts.warn,
    trace,
  });
  return redeem(pending, code, { ...opts, clientInfo: client_info }, { ...deps, trace });
}

/** Steps 4–5 for a callback already checked (used by `login` too). */
export async function redeem(
  pending: PendingAuthorization,
  code: string,
  opts: Pick<ExchangeOptions, 'pending' | 'sendState' | 'auth'> & {
    /** The redirect's `client_info`: the code is redeemed with `X-AnchorMailbox: Oid:<uid>@<utid>`, as MSAL does. */
    clientInfo?: string | undefined;
  },
  deps: FlowDeps & { trace: Trace },
): Promise<ExchangeResult> {
  const trace = deps.trace;
  trace.step('Redeem code');
  const request = withClaims(
    authorizationCodeRequest({
      tokenEndpoint: pending.token_endpoint ?? `${pending.authority}/oauth2/v2.0/token`,
      client_id: pending.client_id,
      code,
      redirect_uri: pending.redirect_uri,
      scopes: pending.scopes,
      code_verifier: pending.code_verifier,
      state: opts.sendState ? pending.state : undefined,
      auth: opts.auth ?? { kind: 'none' },
      anchor:
        (pending.kind ?? 'entra') === 'entra'
          ? anchorForHomeAccount(accountFromClientInfo(opts.clientInfo))
          : undefined,
    }),
    typeof pending.claims === 'string' ? pending.claims : undefined,
  );
  // A network failure keeps the pending sign-in so the user can retry; any answer closes it.
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  if (response.status < 500 && response.status !== 429) opts.pending.markUsed(pending.state, deps.now());
  const { tokens, idToken, notes } = processAuthorizationCodeResponse(response, {
    now: deps.now(),
    client_id: pending.client_id,
    issuer: pendingIssuer(pending),
    tenant: pending.tenant,
    scopes: pending.scopes,
    nonce: pending.nonce,
    hint: hintContext(pending),
  });
  trace.step('Check tokens');
  for (const n of notes) trace.note(n);
  return { tokens, idToken, pending, request, response, trace };
}
