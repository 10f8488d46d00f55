/**
 * The user-token response every user grant ends with (docs/protocol.md §2.7; v1 §2.8 with string numbers
 * and `resource`), and the resolution of the one resource a token request targets.
 */
import type { AppConfig, UserConfig } from './directory.js';
import { err, json, type EmuRequest, type Reply } from './reply.js';
import type { State } from './state.js';
import {
  clientInfo,
  findResource,
  mintAccessToken,
  mintIdToken,
  mintV1IdToken,
  opaqueToken,
  parseScope,
  responseScope,
  type ParsedScope,
  type Resource,
} from './tokens.js';

/** How the client authenticated: `appidacr` 0 (public), 1 (secret), 2 (certificate). */
export type Acr = '0' | '1' | '2';

/** Microsoft Graph delegated permissions the emulator knows, in their own spelling. */
const GRAPH_PERMISSIONS = [
  'User.Read',
  'User.Read.All',
  'User.ReadBasic.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

/** The one resource a token request targets, its permissions and the parsed scope. */
export interface Target {
  res: Resource;
  identifier: string;
  perms: string[];
  ps: ParsedScope;
}

/** Resolve the one resource a request targets (scope= for v2, resource= for v1), or the AADSTS code why not. */
export function resolveTarget(
  s: State,
  scope: string,
  v1Resource?: string,
): { code: number; params: Record<string, string> } | Target {
  const ps = parseScope(scope);
  if (v1Resource !== undefined) {
    const res = findResource(v1Resource);
    if (!res) return { code: 500011, params: { resource: v1Resource, tenant: s.dir.tenant_domain } };
    return { res, identifier: v1Resource, perms: res.defaultScopes, ps };
  }
  if (ps.resources.length > 1) return { code: 70011, params: { scope } };
  const r = ps.resources[0] ?? { identifier: 'https://graph.microsoft.com', permissions: ['.default'] };
  const res = findResource(r.identifier);
  if (!res) return { code: 500011, params: { resource: r.identifier, tenant: s.dir.tenant_domain } };
  const perms: string[] = [];
  for (const asked of r.permissions) {
    // scope values are case-insensitive; Entra answers with the permission's own spelling (`User.Read.All`)
    const p = GRAPH_PERMISSIONS.find((k) => k.toLowerCase() === asked.toLowerCase()) ?? asked;
    if (p === '.default') perms.push(...res.defaultScopes);
    else if (res.kind === 'graph' || res.defaultScopes.includes(p)) perms.push(p);
    else return { code: 70011, params: { scope: `${r.identifier}/${p}` } };
  }
  return { res, identifier: r.identifier, perms: [...new Set(perms)], ps };
}

/** {@link resolveTarget} with the refusal as the token endpoint's JSON error. */
export function resourceFor(s: State, req: EmuRequest, scope: string, v1Resource?: string): { error: Reply } | Target {
  const t = resolveTarget(s, scope, v1Resource);
  return 'code' in t ? { error: err(s, req, t.code, t.params) } : t;
}

/** A user-flow token response (§2.7; v1 §2.8 with string numbers and `resource`). */
export function issueUser(
  s: State,
  req: EmuRequest,
  o: {
    app: AppConfig;
    acr: Acr;
    user: UserConfig;
    scope: string;
    nonce?: string;
    sid?: string;
    clientInfo: boolean;
    v1: boolean;
    v1Resource?: string;
    forceRefresh?: boolean;
    amr?: string[];
    /** The sign-in behind this grant satisfied MFA (interactive while the policy asked for it). */
    mfa?: boolean;
  },
): Reply {
  const target = resourceFor(
    s,
    req,
    o.scope,
    o.v1 ? (o.v1Resource ?? '00000003-0000-0000-c000-000000000000') : undefined,
  );
  if ('error' in target) return target.error;
  const blocked = policyRefusal(s, req, target.res.appId, !!o.mfa);
  if (blocked) return blocked;
  const now = s.nowS();
  const capabilities = clientCapabilities(req);
  const at = mintAccessToken({
    now,
    tid: s.dir.tenant_id,
    app: o.app,
    appidacr: o.acr,
    resource: target.res,
    identifier: target.identifier,
    user: o.user,
    scp: target.perms,
    ipaddr: req.ip,
    ...(o.mfa ? { amr: ['pwd', 'mfa'] } : o.amr ? { amr: o.amr } : {}),
    ...(capabilities ? { extra: { xms_cc: capabilities } } : {}),
    key: s.key,
  });
  s.issuedAt.set(String(at.claims.uti), s.now());
  const oidc = target.ps.oidc;
  const wantRefresh = o.v1 || oidc.has('offline_access');
  let refresh: string | undefined;
  if (wantRefresh) {
    refresh = opaqueToken(240);
    s.refreshTokens.set(refresh, {
      clientId: o.app.client_id,
      upn: o.user.upn,
      scope: o.scope,
      issuedAt: s.now(),
      lastUsed: s.now(),
      sid: o.sid,
      v1Resource: o.v1Resource,
      mfa: !!o.mfa,
    });
  }
  if (o.v1) {
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: target.perms.join(' '),
      expires_in: String(at.expiresIn),
      ext_expires_in: String(at.expiresIn),
      expires_on: String(at.expiresOn),
      not_before: String(at.notBefore),
      resource: target.identifier,
      access_token: at.token,
      refresh_token: refresh,
    };
    if (oidc.has('openid')) body.id_token = mintV1IdToken(now, s.dir.tenant_id, o.app.client_id, o.user);
    return json(200, body, req.traceId);
  }
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: responseScope(target.res, target.identifier, target.perms, oidc),
    expires_in: at.expiresIn,
    ext_expires_in: at.expiresIn,
    access_token: at.token,
  };
  if (refresh) body.refresh_token = refresh;
  if (oidc.has('openid')) {
    body.id_token = mintIdToken({
      now,
      issuer: `${s.url}/${s.dir.tenant_id}/v2.0`,
      tid: s.dir.tenant_id,
      clientId: o.app.client_id,
      user: o.user,
      nonce: o.nonce,
      sid: o.sid,
      profile: oidc.has('profile'),
      email: oidc.has('email'),
      key: s.key,
    });
  }
  if (o.clientInfo) body.client_info = clientInfo(o.user.object_id, s.dir.tenant_id);
  return json(200, body, req.traceId);
}

/** The request's `x-client-OS` as MSAL sends it: a header, or a form field of the token request. */
function clientOs(req: EmuRequest): string | undefined {
  const h = req.headers['x-client-os'];
  if (typeof h === 'string' && h) return h;
  for (const [k, v] of req.form ?? []) if (k.toLowerCase() === 'x-client-os' && v) return v;
  return undefined;
}

/**
 * The platform family of an OS name as Conditional Access sees it: MSAL's `x-client-OS` values (Node's
 * `win32`/`darwin`/`linux`, Python's `Windows-10-…`/`macOS-14…`/`Linux-6…`) and the names a policy uses.
 */
function platformOf(os: string | undefined): string | undefined {
  const v = (os ?? '').trim().toLowerCase();
  if (!v) return undefined;
  if (v.startsWith('win')) return 'windows';
  if (v.startsWith('darwin') || v.startsWith('mac')) return 'macos';
  if (v.startsWith('ios') || v.startsWith('iphone') || v.startsWith('ipad')) return 'ios';
  if (v.startsWith('android')) return 'android';
  if (v.startsWith('linux')) return 'linux';
  return v;
}

/** The Conditional Access policy of the control API (state.ts `Policy`), for a user grant. */
function policyRefusal(s: State, req: EmuRequest, resourceAppId: string, mfa: boolean): Reply | undefined {
  const allowed = s.policy.allowed_platforms;
  if (allowed) {
    const os = platformOf(clientOs(req));
    if (!os || !allowed.some((p) => platformOf(p) === os)) return err(s, req, 53003);
  }
  if (s.policy.require_mfa && !mfa) return err(s, req, 50076, { resource: resourceAppId });
  return undefined;
}

/**
 * The client capabilities a token request declares in its `claims` parameter
 * (`{"access_token":{"xms_cc":{"values":["cp1"]}}}`, docs/protocol.md §15): they become the token's `xms_cc`.
 */
function clientCapabilities(req: EmuRequest): string[] | undefined {
  const raw = req.form?.get('claims');
  if (!raw) return undefined;
  try {
    const v = (JSON.parse(raw) as { access_token?: { xms_cc?: { values?: unknown } } }).access_token?.xms_cc?.values;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}
