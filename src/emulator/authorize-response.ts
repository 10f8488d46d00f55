/**
 * The answers of the authorize leg (docs/protocol.md §1.2, §1.3): where a response goes (query, fragment
 * or form_post, with Entra's encoding), the error redirect, and the success redirect that mints the code.
 */
import { AADSTS, entraQueryEncode, redirectErrorDescription } from './aadsts.js';
import * as html from './html.js';
import { htmlReply, redirect, type EmuRequest, type Reply, clientRequestIdOf } from './reply.js';
import type { AuthParams, Session, State } from './state.js';
import type { UserConfig } from './directory.js';
import { resolveTarget } from './issue.js';
import { clientInfo, mintAccessToken, mintIdToken, opaqueToken, responseScope } from './tokens.js';

/** Where an authorize-leg response goes (query, fragment or form_post), with Entra's encoding (§1.3). */
export function respond(
  _s: State,
  req: EmuRequest,
  p: AuthParams,
  fields: Array<[string, string]>,
  extra: Record<string, string | string[]> = {},
): Reply {
  if (p.responseMode === 'form_post')
    return htmlReply(200, html.formPostPage(p.redirectUri, fields), req.traceId, extra);
  const enc = entraQueryEncode(fields);
  if (p.responseMode === 'fragment') return redirect(`${p.redirectUri.split('#')[0]}#${enc}`, req.traceId, extra);
  return redirect(`${p.redirectUri}${p.redirectUri.includes('?') ? '&' : '?'}${enc}`, req.traceId, extra);
}

export function errorRedirect(
  s: State,
  req: EmuRequest,
  p: AuthParams,
  code: number,
  params: Record<string, string> = {},
  error?: string,
): Reply {
  const desc = redirectErrorDescription(code, params, {
    now: s.now(),
    traceId: req.traceId,
    correlationId: clientRequestIdOf(req),
  });
  const fields: Array<[string, string]> = [
    ['error', error ?? AADSTS[code]!.error],
    ['error_description', desc],
    ['error_uri', `https://login.microsoftonline.com/error?code=${code}`],
  ];
  if (p.adminConsent) fields.push(['admin_consent', 'True']);
  if (p.state !== undefined) fields.push(['state', p.state]);
  return respond(s, req, p, fields);
}

/** The success redirect: code, client_info, state, session_state in the observed order (§1.2). */
export function success(
  s: State,
  req: EmuRequest,
  p: AuthParams,
  session: Session,
  extra: Record<string, string | string[]> = {},
): Reply {
  if (p.adminConsent) {
    // §8: v1 `tenant, state, admin_consent`; v2 `admin_consent, tenant, scope, state`.
    const f: Array<[string, string]> =
      p.adminConsent === 'v1'
        ? [
            ['tenant', s.dir.tenant_id],
            ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []),
            ['admin_consent', 'True'],
          ]
        : [
            ['admin_consent', 'True'],
            ['tenant', s.dir.tenant_id],
            ['scope', p.scope],
            ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []),
          ];
    s.app(p.clientId)!.admin_consented = true;
    return respond(s, req, { ...p, responseMode: 'query' }, f, extra);
  }
  const user = s.user(session.upn)!;
  if (p.implicit) return implicitSuccess(s, req, p, session, user, extra);
  const code = opaqueToken(160);
  s.codes.set(code, {
    params: p,
    upn: user.upn,
    issuedAt: s.now(),
    used: false,
    sid: session.sid,
    mfa: s.policy.require_mfa || !!user.mfa_required,
  });
  const fields: Array<[string, string]> = [['code', code]];
  if (p.clientInfo) fields.push(['client_info', clientInfo(user.object_id, s.dir.tenant_id)]);
  if (p.state !== undefined) fields.push(['state', p.state]);
  fields.push(['session_state', session.sessionState]);
  return respond(s, req, p, fields, extra);
}

/**
 * The implicit grant's (and hybrid flow's) success, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow:
 * `code`, then `access_token`,
 * `token_type`, `expires_in`, `scope`, then `id_token` (with `at_hash` / `c_hash`), `state`, `session_state`,
 * in the fragment (or a form_post page).
 */
function implicitSuccess(
  s: State,
  req: EmuRequest,
  p: AuthParams,
  session: Session,
  user: UserConfig,
  extra: Record<string, string | string[]>,
): Reply {
  const app = s.app(p.clientId)!;
  const fields: Array<[string, string]> = [];
  let code: string | undefined;
  if (p.implicit!.code) {
    code = opaqueToken(160);
    s.codes.set(code, {
      params: p,
      upn: user.upn,
      issuedAt: s.now(),
      used: false,
      sid: session.sid,
      mfa: s.policy.require_mfa || !!user.mfa_required,
    });
    fields.push(['code', code]);
  }
  const target = resolveTarget(s, p.scope);
  if ('code' in target) return errorRedirect(s, req, p, target.code, target.params);
  let accessToken: string | undefined;
  if (p.implicit!.token) {
    const at = mintAccessToken({
      now: s.nowS(),
      tid: s.dir.tenant_id,
      app,
      appidacr: '0',
      resource: target.res,
      identifier: target.identifier,
      user,
      scp: target.perms,
      ipaddr: req.ip,
      key: s.key,
    });
    accessToken = at.token;
    s.issuedAt.set(String(at.claims.uti), s.now());
    fields.push(
      ['access_token', at.token],
      ['token_type', 'Bearer'],
      ['expires_in', String(at.expiresIn)],
      ['scope', responseScope(target.res, target.identifier, target.perms, target.ps.oidc)],
    );
  }
  if (p.implicit!.idToken) {
    const idToken = mintIdToken({
      now: s.nowS(),
      issuer: `${s.url}/${s.dir.tenant_id}/v2.0`,
      tid: s.dir.tenant_id,
      clientId: app.client_id,
      user,
      nonce: p.nonce,
      sid: session.sid,
      profile: target.ps.oidc.has('profile'),
      email: target.ps.oidc.has('email'),
      ...(accessToken !== undefined ? { accessToken } : {}),
      ...(code !== undefined ? { code } : {}),
      key: s.key,
    });
    fields.push(['id_token', idToken]);
  }
  if (p.clientInfo) fields.push(['client_info', clientInfo(user.object_id, s.dir.tenant_id)]);
  if (p.state !== undefined) fields.push(['state', p.state]);
  fields.push(['session_state', session.sessionState]);
  return respond(s, req, p, fields, extra);
}
