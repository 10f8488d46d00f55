/**
 * GET /{tenant}/oauth2/v2.0/authorize (and v1 /oauth2/authorize), admin consent and logout
 * (docs/protocol.md §1, §8): validates the request, then hands over to the sign-in and consent steps
 * (sign-in.ts), which answer through authorize-response.ts.
 */
import type { AppConfig } from './directory.js';
import { errorRedirect } from './authorize-response.js';
import * as html from './html.js';
import { cookies, errorPage, htmlReply, redirect, type EmuRequest, type Reply } from './reply.js';
import { continueAuth, SESSION_COOKIE } from './sign-in.js';
import type { AuthParams, State, Tenant } from './state.js';
import { parseScope } from './tokens.js';

/** Codes Entra shows on its own page rather than redirecting (§1.3). */
const PAGE_ONLY = new Set([50011, 500113, 700016, 900144, 90014, 50105]);

const RESPONSE_TYPES = new Set(['code', 'token', 'id_token']);

/**
 * Does `sent` match a registered redirect URI? A registered http loopback URI matches any port, for every
 * kind of app ("the port component is ignored" for localhost/127.0.0.1 redirect URIs:
 * https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions; RFC 8252 §7.3).
 */
export function redirectMatches(app: AppConfig, sent: string): boolean {
  let u: URL;
  try {
    u = new URL(sent);
  } catch {
    return false;
  }
  const path = (x: URL): string => (x.pathname === '' ? '/' : x.pathname);
  return (app.redirect_uris ?? []).some((r) => {
    if (r === sent) return true;
    const reg = new URL(r);
    const loopback = reg.protocol === 'http:' && (reg.hostname === 'localhost' || reg.hostname === '127.0.0.1');
    if (!loopback) return false;
    return (
      u.protocol === reg.protocol &&
      u.hostname === reg.hostname &&
      path(u) === path(reg) &&
      u.search === reg.search &&
      (reg.port === '' || reg.port === u.port)
    );
  });
}

export function authorize(s: State, req: EmuRequest, t: Tenant, v1: boolean): Reply {
  const q = req.url.searchParams;
  const clientId = q.get('client_id');
  if (!clientId) return errorPage(s, req, 900144, { name: 'client_id' });
  const app = s.app(clientId);
  if (!app) return errorPage(s, req, 700016, { appId: clientId, tenant: s.tenantName(t) });
  if (!app.redirect_uris?.length) return errorPage(s, req, 500113, {});
  const redirectUri = q.get('redirect_uri') ?? app.redirect_uris[0]!;
  if (!redirectMatches(app, redirectUri)) return errorPage(s, req, 50011, { uri: redirectUri, appId: app.client_id });

  const rm = q.get('response_mode');
  const p: AuthParams = {
    v1,
    tenantSeg: t.segment,
    clientId: app.client_id,
    redirectUri,
    responseMode: rm === 'fragment' || rm === 'form_post' ? rm : 'query',
    scope: v1
      ? `${q.get('resource') ?? '00000003-0000-0000-c000-000000000000'}/.default openid${q.get('scope') ? ` ${q.get('scope')}` : ''}`
      : (q.get('scope') ?? ''),
    clientInfo: q.get('client_info') === '1',
  };
  for (const [k, name] of [
    ['state', 'state'],
    ['nonce', 'nonce'],
    ['code_challenge', 'challenge'],
    ['prompt', 'prompt'],
    ['login_hint', 'loginHint'],
  ] as const) {
    const v = q.get(k);
    if (v !== null) (p as unknown as Record<string, string>)[name] = v;
  }
  const responseType = q.get('response_type');
  if (!responseType) return errorRedirect(s, req, p, 900144, { name: 'response_type' });
  if (responseType !== 'code') {
    // The implicit grant (`token`, `id_token`, `id_token token`) and the hybrid flow
    // (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow)
    // (`code id_token`), each only when the app registration allows it; tokens never travel in a query.
    const types = responseType.split(' ').filter(Boolean);
    if (types.some((x) => !RESPONSE_TYPES.has(x)) || new Set(types).size !== types.length || !types.length)
      return errorRedirect(s, req, p, 700054, { type: responseType });
    p.implicit = { code: types.includes('code'), token: types.includes('token'), idToken: types.includes('id_token') };
    if (p.responseMode === 'query') p.responseMode = 'fragment';
    if (p.implicit.token && !app.oauth2_allow_implicit_flow) return errorRedirect(s, req, p, 700051, { type: 'token' });
    if (p.implicit.idToken && !app.oauth2_allow_id_token_implicit_flow)
      return errorRedirect(s, req, p, 700054, { type: 'id_token' });
    if (p.implicit.idToken && p.nonce === undefined) return errorRedirect(s, req, p, 900144, { name: 'nonce' });
  }
  if (!v1 && !q.get('scope')) return errorRedirect(s, req, p, 900144, { name: 'scope' });
  if (p.challenge !== undefined) {
    const m = q.get('code_challenge_method') ?? 'plain'; // §1.1: omitted ⇒ plain
    if (m !== 'S256' && m !== 'plain') return errorRedirect(s, req, p, 501491, { method: m });
    p.method = m;
  }
  const scopeErr = s.checkScopeResources(parseScope(p.scope));
  if (scopeErr) return errorRedirect(s, req, p, scopeErr.code, scopeErr.params);
  return continueAuth(s, req, p);
}

/** GET /{tenant}/adminconsent (v1-style) and /{tenant}/v2.0/adminconsent (§8). */
export function adminConsent(s: State, req: EmuRequest, t: Tenant, version: 'v1' | 'v2'): Reply {
  const q = req.url.searchParams;
  const clientId = q.get('client_id');
  if (!clientId) return errorPage(s, req, 900144, { name: 'client_id' });
  const app = s.app(clientId);
  if (!app) return errorPage(s, req, 700016, { appId: clientId, tenant: s.tenantName(t) });
  if (!app.redirect_uris?.length) return errorPage(s, req, 500113, {});
  const redirectUri = q.get('redirect_uri') ?? app.redirect_uris[0]!;
  if (!redirectMatches(app, redirectUri)) return errorPage(s, req, 50011, { uri: redirectUri, appId: app.client_id });
  const p: AuthParams = {
    v1: false,
    tenantSeg: t.segment,
    clientId: app.client_id,
    redirectUri,
    responseMode: 'query',
    scope: q.get('scope') ?? '',
    clientInfo: false,
    adminConsent: version,
  };
  const state = q.get('state');
  if (state !== null) p.state = state;
  if (version === 'v2' && !q.get('scope')) return errorRedirect(s, req, p, 900144, { name: 'scope' });
  return continueAuth(s, req, p);
}

/** GET /{tenant}/oauth2/v2.0/logout: ends the emulator session. */
export function logout(s: State, req: EmuRequest): Reply {
  const id = cookies(req)[SESSION_COOKIE];
  if (id) s.sessions.delete(id);
  const clear = `${SESSION_COOKIE}=; path=/; Max-Age=0`;
  const post = req.url.searchParams.get('post_logout_redirect_uri');
  if (post && /^https?:\/\/(localhost|127\.0\.0\.1)([:/?#]|$)/.test(post))
    return redirect(post, req.traceId, { 'Set-Cookie': clear });
  return htmlReply(
    200,
    html.messagePage('You signed out of your account', 'It’s a good idea to close all browser windows.'),
    req.traceId,
    { 'Set-Cookie': clear },
  );
}

/** An AADSTS fault on the authorize leg: redirected when the request's redirect URI is trusted, else a page. */
export function authorizeFault(s: State, req: EmuRequest, code: number): Reply {
  const q = req.url.searchParams;
  const app = s.app(q.get('client_id'));
  const uri = q.get('redirect_uri');
  if (app && uri && redirectMatches(app, uri) && !PAGE_ONLY.has(code)) {
    const rm = q.get('response_mode');
    const p: AuthParams = {
      v1: false,
      tenantSeg: '',
      clientId: app.client_id,
      redirectUri: uri,
      responseMode: rm === 'fragment' || rm === 'form_post' ? rm : 'query',
      scope: '',
      clientInfo: false,
    };
    const state = q.get('state');
    if (state !== null) p.state = state;
    return errorRedirect(s, req, p, code, {
      appId: app.client_id,
      name: app.display_name,
      tenant: s.dir.tenant_domain,
      resource: '',
      uri,
    });
  }
  return errorPage(s, req, code, {
    appId: q.get('client_id') ?? '',
    uri: uri ?? '',
    tenant: s.dir.tenant_domain,
  });
}
