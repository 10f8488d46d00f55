/**
 * The emulated user's side of the authorize leg: the session cookie, the sign-in page and its POST, the
 * consent page and its POST, and the choice between them (prompt semantics, docs/protocol.md §1.1).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { errorRedirect, success } from './authorize-response.js';
import type { AppConfig, UserConfig } from './directory.js';
import * as html from './html.js';
import { cookies, htmlReply, safeEqual, type EmuRequest, type Reply } from './reply.js';
import type { AuthParams, Session, State } from './state.js';
import { findResource, parseScope } from './tokens.js';

export const SESSION_COOKIE = 'ESTSAUTH';

export function currentSession(s: State, req: EmuRequest): Session | undefined {
  const id = cookies(req)[SESSION_COOKIE];
  const found = id ? s.sessions.get(id) : undefined;
  return found && s.user(found.upn) ? found : undefined;
}

export function newSession(s: State, upn: string): { session: Session; cookie: string } {
  const id = randomBytes(24).toString('base64url');
  const session = { upn, sid: randomUUID(), sessionState: randomUUID() };
  s.sessions.set(id, session);
  return { session, cookie: `${SESSION_COOKIE}=${id}; path=/; HttpOnly; SameSite=Lax` };
}

export function consented(_s: State, user: UserConfig, app: AppConfig): boolean {
  return (
    !!app.admin_consented || (user.consented_apps ?? []).some((c) => c.toLowerCase() === app.client_id.toLowerCase())
  );
}

/** After validation: pick the sign-in, consent or redirect step (prompt semantics §1.1). */
export function continueAuth(s: State, req: EmuRequest, p: AuthParams): Reply {
  const app = s.app(p.clientId)!;
  if (s.autoApprove) {
    const user = s.user(p.loginHint) ?? s.user(s.dir.default_user)!;
    if (!p.adminConsent) user.consented_apps = [...new Set([...(user.consented_apps ?? []), app.client_id])];
    const { session, cookie } = newSession(s, user.upn);
    return success(s, req, p, session, { 'Set-Cookie': cookie });
  }
  const session = currentSession(s, req);
  if (p.prompt === 'none') {
    if (!session) return errorRedirect(s, req, p, 50058, {}, 'login_required');
    if (!consented(s, s.user(session.upn)!, app))
      return errorRedirect(s, req, p, 65001, { appId: app.client_id, name: app.display_name }, 'consent_required');
    return success(s, req, p, session);
  }
  if (!session || p.prompt === 'login' || p.prompt === 'select_account' || p.adminConsent) return signInPage(s, req, p);
  const user = s.user(session.upn)!;
  if (p.prompt === 'consent' || !consented(s, user, app)) return consentPage(s, req, p, user);
  return success(s, req, p, session);
}

export function stash(s: State, p: AuthParams, upn?: string): string {
  const ctx = randomBytes(18).toString('base64url');
  s.pending.set(ctx, { params: p, upn, expires: s.now() + 3600_000 });
  return ctx;
}

export function signInPage(s: State, req: EmuRequest, p: AuthParams, error?: string, ctx?: string): Reply {
  const app = s.app(p.clientId)!;
  const c = ctx ?? stash(s, p);
  return htmlReply(
    200,
    html.signInPage({
      action: `/${encodeURIComponent(p.tenantSeg)}/login`,
      ctx: c,
      loginHint: p.loginHint,
      error,
      appName: app.display_name,
    }),
    req.traceId,
  );
}

export function consentPage(
  s: State,
  req: EmuRequest,
  p: AuthParams,
  user: UserConfig,
  extra: Record<string, string | string[]> = {},
): Reply {
  const app = s.app(p.clientId)!;
  const ps = parseScope(p.scope);
  const perms = [
    ...(ps.oidc.has('openid') || ps.oidc.has('profile') ? ['Sign you in and read your profile'] : []),
    ...(ps.oidc.has('offline_access') ? ['Maintain access to data you have given it access to'] : []),
    ...ps.resources.map(
      (r) => `Access ${findResource(r.identifier)?.name ?? r.identifier} (${r.permissions.join(', ')})`,
    ),
  ];
  if (p.adminConsent) perms.unshift('Consent on behalf of your organization');
  const ctx = stash(s, p, user.upn);
  return htmlReply(
    200,
    html.consentPage({
      action: `/${encodeURIComponent(p.tenantSeg)}/Consent/Set`,
      ctx,
      appName: app.display_name,
      clientId: app.client_id,
      upn: user.upn,
      permissions: perms,
    }),
    req.traceId,
    extra,
  );
}

/** POST /{tenant}/login: the sign-in form. */
export function loginPost(s: State, req: EmuRequest): Reply {
  const f = req.form ?? new URLSearchParams();
  const ctx = f.get('ctx') ?? '';
  const pend = s.pending.get(ctx);
  if (!pend || pend.expires < s.now())
    return htmlReply(
      400,
      html.messagePage('Sign-in expired', 'This sign-in request has expired. Start again from the application.'),
      req.traceId,
    );
  const user = s.user(f.get('login'));
  if (!user) return signInPage(s, req, pend.params, "We couldn't find an account with that username.", ctx);
  if (!safeEqual(user.password, f.get('passwd') ?? ''))
    return signInPage(s, req, pend.params, 'Your account or password is incorrect.', ctx);
  s.pending.delete(ctx);
  const { session, cookie } = newSession(s, user.upn);
  const app = s.app(pend.params.clientId)!;
  if (pend.params.adminConsent || pend.params.prompt === 'consent' || !consented(s, user, app))
    return consentPage(s, req, pend.params, user, { 'Set-Cookie': cookie });
  return success(s, req, pend.params, session, { 'Set-Cookie': cookie });
}

/** POST /{tenant}/Consent/Set: Accept (idBtn_Accept) or Cancel (idBtn_Back). */
export function consentPost(s: State, req: EmuRequest): Reply {
  const f = req.form ?? new URLSearchParams();
  const pend = s.pending.get(f.get('ctx') ?? '');
  if (!pend || !pend.upn || pend.expires < s.now())
    return htmlReply(
      400,
      html.messagePage('Sign-in expired', 'This consent request has expired. Start again from the application.'),
      req.traceId,
    );
  s.pending.delete(f.get('ctx')!);
  const p = pend.params;
  if (f.get('consent') !== 'accept') return errorRedirect(s, req, p, 65004, {}, 'access_denied');
  const user = s.user(pend.upn)!;
  const app = s.app(p.clientId)!;
  if (p.adminConsent) app.admin_consented = true;
  else user.consented_apps = [...new Set([...(user.consented_apps ?? []), app.client_id])];
  const session =
    currentSession(s, req) ??
    [...s.sessions.values()].reverse().find((s) => s.upn === user.upn) ??
    newSession(s, user.upn).session;
  return success(s, req, p, session);
}
