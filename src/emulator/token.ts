/**
 * POST /{tenant}/oauth2/v2.0/token (and v1 /oauth2/token), docs/protocol.md §2: reads the form, finds the
 * app, authenticates the client (client-auth.ts) and hands over to the grant's processor in `GRANTS`
 * (grants.ts, device-code.ts).
 */
import { decodeJwt } from 'jose';
import { authenticateClient, parseBasic } from './client-auth.js';
import type { AppConfig } from './directory.js';
import type { Acr } from './issue.js';
import { deviceGrant } from './device-code.js';
import { authCodeGrant, clientCredentials, passwordGrant, refreshGrant } from './grants.js';
import { err, type EmuRequest, type Reply } from './reply.js';
import type { State, Tenant } from './state.js';

/** A grant's processor, called after the client is authenticated. */
export type GrantProcessor = (s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean) => Reply;

/** The grant types the token endpoint accepts, each with its processor. */
export const GRANTS: Record<string, GrantProcessor> = {
  authorization_code: authCodeGrant,
  refresh_token: refreshGrant,
  password: passwordGrant,
  client_credentials: clientCredentials,
  'urn:ietf:params:oauth:grant-type:device_code': deviceGrant,
  // MSAL Node polls with the short name, and Entra accepts it (docs/protocol.md §2.6)
  device_code: deviceGrant,
};

export async function token(s: State, req: EmuRequest, t: Tenant, v1: boolean): Promise<Reply> {
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  // §2: only a form body counts; JSON bodies and query parameters ⇒ 900144 'grant_type'.
  if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded') || !req.form)
    return err(s, req, 900144, { name: 'grant_type' });
  const f = req.form;
  const grant = f.get('grant_type');
  if (!grant) return err(s, req, 900144, { name: 'grant_type' });
  const basic = parseBasic(req.headers.authorization);
  let clientId = f.get('client_id') ?? basic?.id ?? null;
  const assertion = f.get('client_assertion');
  if (!clientId && assertion) {
    try {
      const iss = decodeJwt(assertion).iss;
      if (typeof iss === 'string') clientId = iss;
    } catch {
      /* reported below */
    }
  }
  if (!clientId) return err(s, req, 900144, { name: 'client_id' });
  const app = s.app(clientId);
  if (!app) return err(s, req, 700016, { appId: clientId, tenant: s.tenantName(t) });

  const processor = Object.hasOwn(GRANTS, grant) ? GRANTS[grant] : undefined;
  if (!processor) return err(s, req, 70003, { grant });
  if (grant === 'password' && (t.kind === 'common' || t.kind === 'consumers')) return err(s, req, 9001023);

  const auth = await authenticateClient(s, req, t, app, grant, basic, v1);
  if ('error' in auth) return auth.error;
  return processor(s, req, app, auth.acr, v1);
}
