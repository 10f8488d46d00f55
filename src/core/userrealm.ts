/**
 * Home realm discovery for the password grant: `GET {authority host}/common/userrealm/{upn}?api-version=1.0`
 * says whether the user's domain is Managed (Entra checks the password) or Federated (ADFS or another IdP
 * does, so Entra's ROPC cannot, AADSTS50126). MSAL Python asks before every username/password request;
 * without the question a federated user's password grant fails with an obscure error.
 * Pure: request and answer as values.
 * @see docs/protocol.md §2.3
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
 */
import { EntraTokenError, excerpt } from './errors.js';
import { parseJsonBody } from './token.js';
import type { WireRequest, WireResponse } from './wire.js';

export interface UserRealm {
  /** `Managed`, `Federated`, or `Unknown` (no such domain). */
  accountType: 'Managed' | 'Federated' | 'Unknown';
  domain?: string;
  /** For federated domains: the federation protocol (WSTrust, SAML20) and the IdP's metadata URL. */
  federationProtocol?: string;
  federationMetadataUrl?: string;
}

/** The realm request for `username`, sent to the authority's host. */
export function userRealmRequest(authorityUrl: string, username: string): WireRequest {
  const u = new URL(authorityUrl);
  return {
    method: 'GET',
    url: `${u.origin}/common/userrealm/${encodeURIComponent(username)}?api-version=1.0`,
    headers: { accept: 'application/json' },
    idempotent: true,
  };
}

/** Read the realm answer; anything else than a 200 JSON object is "Unknown" rather than an error. */
export function processUserRealm(res: WireResponse): UserRealm {
  if (res.status !== 200) return { accountType: 'Unknown' };
  let body: Record<string, unknown>;
  try {
    body = parseJsonBody(res, 'the user realm endpoint');
  } catch {
    return { accountType: 'Unknown' };
  }
  const type = typeof body.account_type === 'string' ? body.account_type : '';
  const accountType = type === 'Managed' || type === 'Federated' ? type : 'Unknown';
  return {
    accountType,
    ...(typeof body.domain_name === 'string' ? { domain: body.domain_name } : {}),
    ...(typeof body.federation_protocol === 'string' ? { federationProtocol: body.federation_protocol } : {}),
    ...(typeof body.federation_metadata_url === 'string'
      ? { federationMetadataUrl: body.federation_metadata_url }
      : {}),
  };
}

/**
 * Refuse the password grant for a federated user before a password is sent, naming what works instead: an
 * interactive sign-in (exit code 5, EINTERACTION_REQUIRED, like the MFA answers of the password grant).
 * @param signInCommand the exact device-code command for this authority and client, when known.
 */
export function assertPasswordGrantPossible(realm: UserRealm, username: string, signInCommand?: string): void {
  if (realm.accountType !== 'Federated') return;
  const where = [realm.domain, realm.federationProtocol].filter(Boolean).join(', ');
  throw new EntraTokenError(
    'EINTERACTION_REQUIRED',
    `${excerpt(username, 80)} belongs to a federated domain${where ? ` (${where})` : ''}: its password is checked by another identity provider, so the password grant cannot work; nothing was sent`,
    {
      hint: `sign in interactively instead: ${signInCommand ?? 'entra-token device-code'} (or entra-token login, with a browser)`,
    },
  );
}
