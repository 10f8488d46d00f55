/**
 * The answers of the authorize leg (docs/protocol.md §1.2, §1.3): where a response goes (query, fragment
 * or form_post, with Entra's encoding), the error redirect, and the success redirect that mints the code.
 */
import { AADSTS, entraQueryEncode, redirectErrorDescription } from './aadsts.js';
import * as html from './html.js';
import { htmlReply, redirect, type EmuRequest, type Reply } from './reply.js';
import type { AuthParams, Session, State } from './state.js';
import { clientInfo, opaqueToken } from './tokens.js';

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
  const crid = req.headers['client-request-id'];
  const desc = redirectErrorDescription(code, params, {
    now: s.now(),
    traceId: req.traceId,
    correlationId: typeof crid === 'string' ? crid : undefined,
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
  const code = opaqueToken(160);
  s.codes.set(code, { params: p, upn: user.upn, issuedAt: s.now(), used: false, sid: session.sid });
  const fields: Array<[string, string]> = [['code', code]];
  if (p.clientInfo) fields.push(['client_info', clientInfo(user.object_id, s.dir.tenant_id)]);
  if (p.state !== undefined) fields.push(['state', p.state]);
  fields.push(['session_state', session.sessionState]);
  return respond(s, req, p, fields, extra);
}
