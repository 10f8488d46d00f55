/**
 * User realm discovery, `GET /common/userrealm/{username}?api-version=1.0`: whether a user's domain is
 * managed by Entra or federated to another identity provider (AD FS). MSAL calls it before the password
 * grant; a federated user's password goes to the WS-Trust endpoint named here, not to Entra. The answer's
 * shape follows what MSAL Python reads (`account_type`, `domain_name`, `federation_protocol`,
 * `federation_metadata_url`, `federation_active_auth_url`, `cloud_instance_name`, `cloud_audience_urn`);
 * no public document describes the endpoint [inferred].
 */
import { json, type EmuRequest, type Reply } from './reply.js';
import type { State } from './state.js';

export const USER_REALM_PREFIX = '/common/userrealm/';

/** The federated domain of a username, if its domain is federated. */
export function federatedDomainOf(s: State, username: string) {
  const domain = username.slice(username.lastIndexOf('@') + 1).toLowerCase();
  return (s.dir.federated_domains ?? []).find((d) => d.domain.toLowerCase() === domain);
}

export function userRealm(s: State, req: EmuRequest): Reply {
  let username: string;
  try {
    username = decodeURIComponent(req.url.pathname.slice(USER_REALM_PREFIX.length));
  } catch {
    username = '';
  }
  const domain = username.includes('@') ? username.slice(username.lastIndexOf('@') + 1).toLowerCase() : '';
  const cloud = { cloud_instance_name: 'microsoftonline.com', cloud_audience_urn: 'urn:federation:MicrosoftOnline' };
  const fed = federatedDomainOf(s, username);
  if (domain && fed) {
    return json(
      200,
      {
        ver: '1.0',
        account_type: 'Federated',
        domain_name: fed.domain,
        federation_protocol: 'WSTrust',
        federation_metadata_url: fed.metadata_url,
        federation_active_auth_url: fed.active_auth_url,
        ...cloud,
      },
      req.traceId,
    );
  }
  const managed = [s.dir.tenant_domain, ...(s.dir.other_domains ?? [])].some((d) => d.toLowerCase() === domain);
  if (domain && managed) {
    return json(200, { ver: '1.0', account_type: 'Managed', domain_name: domain, ...cloud }, req.traceId);
  }
  return json(200, { ver: '1.0', account_type: 'Unknown', ...cloud }, req.traceId);
}
