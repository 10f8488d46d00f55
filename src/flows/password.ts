/**
 * The resource owner password credentials grant (ROPC, docs/protocol.md §2.3), the documentation's
 * "get tokens for a user" with MSAL's acquire_token_by_username_password, as named steps:
 *   1. Check authority   (common / consumers refused before anything is sent: AADSTS9001023)
 *   2. Discover user realm (GET /common/userrealm/<upn>: a federated user is refused before the password is sent)
 *   3. Request token     (grant_type=password, X-AnchorMailbox: UPN:<username>)
 *   4. Check tokens      (response shape; id token aud / tenant)
 * MFA, consent and Conditional Access answers are decoded with hints.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
 */
import type { Authority } from '../core/authority.js';
import { AADSTS, type HintContext } from '../core/aadsts.js';
import { EntraTokenError, usageError } from '../core/errors.js';
import { withClaims } from '../core/claims-challenge.js';
import { processPasswordResponse } from '../core/grants.js';
import { issuerExpectation } from '../core/provider.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import { passwordRequest, type ClientAuth } from '../core/token.js';
import { assertPasswordGrantPossible, processUserRealm, userRealmRequest, type UserRealm } from '../core/userrealm.js';
import { Trace } from '../io/trace.js';
import type { FlowDeps, TokenFlowResult } from './types.js';

export type { TokenFlowResult } from './types.js';

export interface PasswordOptions {
  authority: Authority;
  client_id: string;
  username: string;
  password: string;
  scopes: string[];
  auth?: ClientAuth;
  /** True when {@link checkUserRealm} already ran (the CLI asks before prompting for the password). */
  realmChecked?: boolean | undefined;
  /** The `claims` parameter (a claims challenge and/or client capabilities, docs/protocol.md §15). */
  claims?: string | undefined;
}

/** The commands that sign a user in interactively with the same app (for hints). */
export function interactiveCommands(authority: Authority, client_id: string): string {
  return signInAgainCommand({ command: 'device-code', authority: authority.url, issuer: authority.issuer, client_id });
}

/** Refuse the multi-tenant aliases the password grant does not support (AADSTS9001023), before sending. */
export function assertPasswordTenant(authority: Authority): void {
  if (authority.kind !== 'entra') return;
  const t = authority.tenant.toLowerCase();
  if (t === 'common' || t === 'consumers') {
    const info = AADSTS[9001023]!;
    throw new EntraTokenError(
      'EUSAGE',
      `AADSTS9001023: the password grant is not supported over the /${t} endpoint (${info.meaning}); nothing was sent`,
      {
        hint: info.hint({}),
      },
    );
  }
}

/**
 * Ask Entra whether the user's domain is managed or federated, as MSAL does before the password grant
 * (docs/protocol.md §2.3), and refuse a federated user before any password is sent (EINTERACTION_REQUIRED,
 * naming the device-code command). Another OpenID provider has no realm endpoint: nothing is asked there.
 */
export async function checkUserRealm(
  opts: Pick<PasswordOptions, 'authority' | 'client_id' | 'username'>,
  deps: FlowDeps,
): Promise<UserRealm | undefined> {
  const trace = deps.trace ?? new Trace(deps.now);
  trace.step('Check authority');
  assertPasswordTenant(opts.authority);
  const username = opts.username.trim();
  if (!username) throw usageError('the username is empty');
  if (opts.authority.kind !== 'entra') return undefined;
  trace.step('Discover user realm');
  const response = await deps.http.send(userRealmRequest(opts.authority.url, username), {
    trace,
    signal: deps.signal,
  });
  const realm = processUserRealm(response);
  trace.note(
    `user realm: ${realm.accountType}${realm.domain ? ` (${realm.domain})` : ''}${realm.accountType === 'Federated' ? '' : ': Entra checks the password'}`,
  );
  assertPasswordGrantPossible(realm, username, interactiveCommands(opts.authority, opts.client_id));
  return realm;
}

/** Get tokens with a username and password. */
export async function passwordTokens(opts: PasswordOptions, deps: FlowDeps): Promise<TokenFlowResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  assertPasswordTenant(opts.authority);
  if (!opts.username.trim()) throw usageError('the username is empty');
  if (!opts.password) throw usageError('the password is empty');
  if (!opts.realmChecked) await checkUserRealm(opts, { ...deps, trace });
  if (opts.password !== opts.password.trim()) {
    if (opts.authority.kind === 'entra')
      trace.note("the password has leading or trailing spaces: Entra's password grant does not support those");
  }
  const hint: HintContext = {
    clientId: opts.client_id,
    tenant: opts.authority.tenant,
    authorityUrl: opts.authority.url,
    scopes: opts.scopes,
    signInCommand: interactiveCommands(opts.authority, opts.client_id),
    grant: 'password',
    provider: opts.authority.kind,
  };
  trace.step('Request token');
  const request = withClaims(
    passwordRequest({
      tokenEndpoint: opts.authority.tokenEndpoint,
      client_id: opts.client_id,
      username: opts.username.trim(),
      password: opts.password,
      scopes: opts.scopes,
      auth: opts.auth ?? { kind: 'none' },
    }),
    opts.claims,
  );
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  const { tokens, idToken, notes } = processPasswordResponse(response, {
    now: deps.now(),
    client_id: opts.client_id,
    issuer: issuerExpectation(opts.authority),
    tenant: opts.authority.tenant,
    scopes: opts.scopes,
    hint,
  });
  trace.step('Check tokens');
  for (const n of notes) trace.note(n);
  return { tokens, idToken, request, response, trace };
}
