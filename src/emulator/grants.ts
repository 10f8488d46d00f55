/**
 * The token endpoint's grants (docs/protocol.md §2.1-§2.4): client credentials, authorization code,
 * refresh token and password (ROPC). The device code grant lives with the device flow (device-code.ts).
 */
import { createHash } from 'node:crypto';
import { dotnetTime } from './aadsts.js';
import type { AppConfig } from './directory.js';
import { err, json, safeEqual, type EmuRequest, type Reply } from './reply.js';
import type { State } from './state.js';
import { federatedDomainOf } from './user-realm.js';
import { issueUser, resourceFor, type Acr } from './issue.js';
import { findResource, mintAccessToken } from './tokens.js';

const CODE_LIFETIME_S = 600; // docs/protocol.md §1.2 "about 10 minutes"
const RT_INACTIVITY_S = 90 * 86400; // §6.6

export function clientCredentials(s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean): Reply {
  const f = req.form!;
  let identifier: string;
  if (v1) {
    const resource = f.get('resource');
    if (!resource) return err(s, req, 900144, { name: 'resource' });
    identifier = resource;
  } else {
    const scope = f.get('scope');
    if (!scope) return err(s, req, 900144, { name: 'scope' });
    const parts = scope.split(' ').filter(Boolean);
    // §2.4: exactly one `<resource>/.default`
    if (parts.length !== 1 || !parts[0]!.endsWith('/.default')) return err(s, req, 1002012, { scope });
    identifier = parts[0]!.slice(0, -'/.default'.length);
  }
  const res = findResource(identifier);
  if (!res) return err(s, req, 500011, { resource: identifier, tenant: s.dir.tenant_domain });
  const t = mintAccessToken({
    now: s.nowS(),
    tid: s.dir.tenant_id,
    app,
    appidacr: acr,
    resource: res,
    identifier,
    key: s.key,
  });
  if (v1) {
    return json(
      200,
      {
        token_type: 'Bearer',
        expires_in: String(t.expiresIn),
        ext_expires_in: String(t.expiresIn),
        expires_on: String(t.expiresOn),
        not_before: String(t.notBefore),
        resource: identifier,
        access_token: t.token,
      },
      req.traceId,
    );
  }
  return json(
    200,
    { token_type: 'Bearer', expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.token },
    req.traceId,
  );
}

export function authCodeGrant(s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean): Reply {
  const f = req.form!;
  const code = f.get('code');
  if (!code) return err(s, req, 900144, { name: 'code' });
  const rec = s.codes.get(code);
  if (!rec) return err(s, req, 9002313);
  if (rec.params.clientId !== app.client_id)
    return err(
      s,
      req,
      70000,
      {},
      {
        error: 'invalid_grant',
        message: "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
      },
    );
  if (rec.used) return err(s, req, 54005);
  if (s.now() - rec.issuedAt > CODE_LIFETIME_S * 1000) return err(s, req, 70008);
  const sent = f.get('redirect_uri');
  if (sent === null) return err(s, req, 900144, { name: 'redirect_uri' });
  if (sent !== rec.params.redirectUri) {
    // §3.4 token-endpoint form of 50011.
    return err(
      s,
      req,
      50011,
      {},
      {
        error: 'invalid_grant',
        message: `The reply address '${sent}' does not match the reply address '${rec.params.redirectUri}' provided when requesting Authorization code.`,
      },
    );
  }
  if (rec.params.challenge === undefined && f.get('code_verifier') !== null) {
    // OAuth 2.1 §4.1.3 / RFC 9700 §2.1.1: a code_verifier for a code issued without a code_challenge is a
    // downgrade (an injected code) and must be refused. Entra's own answer is not documented; its PKCE
    // mismatch shape is used [inferred].
    return err(s, req, 501481);
  }
  if (rec.params.challenge !== undefined) {
    const verifier = f.get('code_verifier') ?? '';
    const computed =
      rec.params.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (!verifier || !safeEqual(computed, rec.params.challenge)) return err(s, req, 501481);
  }
  const user = s.user(rec.upn);
  if (!user) return err(s, req, 9002313);
  rec.used = true;
  const scope = f.get('scope') ?? rec.params.scope;
  return issueUser(s, req, {
    app,
    acr,
    user,
    scope,
    nonce: rec.params.nonce,
    sid: rec.sid,
    mfa: rec.mfa,
    clientInfo: f.get('client_info') === '1',
    v1,
    v1Resource: v1 ? (f.get('resource') ?? undefined) : undefined,
  });
}

export function refreshGrant(s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean): Reply {
  const f = req.form!;
  const rt = f.get('refresh_token');
  if (!rt) return err(s, req, 900144, { name: 'refresh_token' });
  const rec = s.refreshTokens.get(rt);
  if (!rec || rec.clientId !== app.client_id) return err(s, req, 9002313);
  const now = s.now();
  if (now - rec.lastUsed > RT_INACTIVITY_S * 1000)
    return err(s, req, 700082, { issued: new Date(rec.issuedAt).toISOString() });
  const vf = s.validFrom.get(rec.upn);
  if (vf !== undefined && rec.issuedAt < vf)
    return err(s, req, 50173, { issued: dotnetTime(rec.issuedAt), validFrom: dotnetTime(vf) });
  const user = s.user(rec.upn);
  if (!user) return err(s, req, 9002313);
  rec.lastUsed = now;
  // §2.2: the scope may name another resource; the old refresh token stays valid.
  const scope = f.get('scope') ?? rec.scope;
  return issueUser(s, req, {
    app,
    acr,
    user,
    scope,
    sid: rec.sid,
    clientInfo: f.get('client_info') === '1',
    v1,
    v1Resource: v1 ? (f.get('resource') ?? rec.v1Resource) : undefined,
    mfa: !!rec.mfa,
    forceRefresh: true,
  });
}

export function passwordGrant(s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean): Reply {
  const f = req.form!;
  for (const name of ['username', 'password'] as const) if (!f.get(name)) return err(s, req, 900144, { name });
  const scope = f.get('scope') ?? '';
  if (!v1 && !scope) return err(s, req, 900144, { name: 'scope' });
  const user = s.user(f.get('username'));
  if (!user) return err(s, req, 50034, { tenant: s.dir.tenant_domain });
  // A federated user's password is checked by their own identity provider (WS-Trust), never by Entra's
  // password grant: refused as a wrong password [inferred].
  if (federatedDomainOf(s, user.upn)) return err(s, req, 50126);
  if (!safeEqual(user.password, f.get('password')!)) return err(s, req, 50126);
  const target = resourceFor(s, req, scope, v1 ? (f.get('resource') ?? undefined) : undefined);
  if ('error' in target) return target.error;
  if (user.password_expired) return err(s, req, 50055);
  if (user.mfa_required) return err(s, req, 50076, { resource: target.res.appId });
  // ROPC does not check per-user consent here (Entra would answer 65001 without it); see README.
  return issueUser(s, req, {
    app,
    acr,
    user,
    scope,
    clientInfo: f.get('client_info') === '1',
    v1,
    v1Resource: v1 ? (f.get('resource') ?? undefined) : undefined,
    amr: ['pwd'],
  });
}
