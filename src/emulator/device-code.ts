/**
 * The device authorization grant (docs/protocol.md §4): POST /{tenant}/oauth2/v2.0/devicecode, the
 * /devicelogin page where the user enters the code, approval through the control API, and the token
 * endpoint's device_code grant.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from './directory.js';
import * as html from './html.js';
import { err, htmlReply, json, safeEqual, type EmuRequest, type Reply } from './reply.js';
import { currentSession } from './sign-in.js';
import type { DeviceRecord, State, Tenant } from './state.js';
import { issueUser, type Acr } from './issue.js';
import { parseScope } from './tokens.js';

const DEVICE_CODE_LIFETIME_S = 900; // §4.1
export const DEVICE_INTERVAL_S = 5;

/** Nine uppercase alphanumerics, as in Entra's fixtures (§4.1). */
function userCodeString(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(9)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function deviceCode(s: State, req: EmuRequest, t: Tenant, v1: boolean): Reply {
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded') || !req.form)
    return err(s, req, 900144, { name: 'client_id' });
  const f = req.form;
  const clientId = f.get('client_id');
  if (!clientId) return err(s, req, 900144, { name: 'client_id' });
  const app = s.app(clientId);
  if (!app) return err(s, req, 700016, { appId: clientId, tenant: s.tenantName(t) });
  let scope: string;
  let v1Resource: string | undefined;
  if (v1) {
    v1Resource = f.get('resource') ?? undefined;
    if (!v1Resource) return err(s, req, 900144, { name: 'resource' });
    scope = `${v1Resource}/.default openid`;
  } else {
    scope = f.get('scope') ?? '';
    if (!scope) return err(s, req, 900144, { name: 'scope' });
  }
  const scopeErr = s.checkScopeResources(parseScope(scope));
  if (scopeErr) return err(s, req, scopeErr.code, scopeErr.params);
  const userCode = userCodeString();
  const deviceCode = `DAQABAAEAAAD${randomBytes(140).toString('base64url')}`;
  s.devices.set(deviceCode, {
    deviceCode,
    userCode,
    clientId: app.client_id,
    scope,
    v1Resource,
    expiresAt: s.now() + DEVICE_CODE_LIFETIME_S * 1000,
    status: 'pending',
  });
  // the default user approves at once (`emulator --auto-approve`), as if they had entered the code
  if (s.autoApproveDeviceCodes) approveDeviceCode(s, userCode, 'approve');
  const uri = `${s.url}/devicelogin`;
  const message = `To sign in, use a web browser to open the page ${uri} and enter the code ${userCode} to authenticate.`;
  if (v1) {
    return json(
      200,
      {
        user_code: userCode,
        device_code: deviceCode,
        verification_url: uri,
        expires_in: String(DEVICE_CODE_LIFETIME_S),
        interval: String(DEVICE_INTERVAL_S),
        message,
      },
      req.traceId,
    );
  }
  return json(
    200,
    {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: uri,
      expires_in: DEVICE_CODE_LIFETIME_S,
      interval: DEVICE_INTERVAL_S,
      message,
    },
    req.traceId,
  );
}

export function deviceByUserCode(s: State, userCode: string): DeviceRecord | undefined {
  const c = userCode.trim().toUpperCase();
  return [...s.devices.values()].find((d) => d.userCode === c);
}

/** Approve or decline a pending device code (control API and /devicelogin). */
export function approveDeviceCode(
  s: State,
  userCode: string,
  action: 'approve' | 'decline',
  upn?: string,
): { ok: true } | { error: string } {
  const d = deviceByUserCode(s, userCode);
  if (!d) return { error: `unknown user_code ${userCode}` };
  if (s.now() > d.expiresAt) return { error: `user_code ${userCode} has expired` };
  if (d.status !== 'pending') return { error: `user_code ${userCode} was already ${d.status}` };
  const user = s.user(upn ?? s.dir.default_user);
  if (!user) return { error: `unknown user ${upn}` };
  d.status = action === 'approve' ? 'approved' : 'declined';
  d.upn = user.upn;
  d.mfa = s.policy.require_mfa || !!user.mfa_required;
  return { ok: true };
}

/** GET/POST /devicelogin: enter the code, then sign in and approve (idSIButton9) or cancel (idBtn_Back). */
export function deviceLogin(s: State, req: EmuRequest): Reply {
  const f = req.form ?? new URLSearchParams();
  const otc = req.method === 'POST' ? f.get('otc') : req.url.searchParams.get('otc');
  if (!otc) return htmlReply(200, html.deviceLoginPage({ action: '/devicelogin' }), req.traceId);
  const d = deviceByUserCode(s, otc);
  if (!d || s.now() > d.expiresAt || d.status !== 'pending') {
    return htmlReply(
      200,
      html.deviceLoginPage({
        action: '/devicelogin',
        code: otc,
        error: "That code didn't work. Check the code and try again.",
      }),
      req.traceId,
    );
  }
  const app = s.app(d.clientId)!;
  const action = req.method === 'POST' ? f.get('action') : null;
  if (!action)
    return htmlReply(
      200,
      html.deviceConfirmPage({
        action: '/devicelogin',
        userCode: d.userCode,
        appName: app.display_name,
        upns: [currentSession(s, req)?.upn ?? s.dir.default_user],
      }),
      req.traceId,
    );
  if (action === 'decline') {
    approveDeviceCode(s, d.userCode, 'decline');
    return htmlReply(
      200,
      html.messagePage('Sign-in declined', 'You have declined to sign in to the application on your device.'),
      req.traceId,
    );
  }
  const session = currentSession(s, req);
  let upn = session?.upn;
  if (f.get('passwd')) {
    const user = s.user(f.get('login'));
    if (!user || !safeEqual(user.password, f.get('passwd')!)) {
      return htmlReply(
        200,
        html.deviceConfirmPage({
          action: '/devicelogin',
          userCode: d.userCode,
          appName: app.display_name,
          upns: [f.get('login') ?? ''],
        }),
        req.traceId,
      );
    }
    upn = user.upn;
  }
  if (!upn)
    return htmlReply(
      200,
      html.deviceConfirmPage({
        action: '/devicelogin',
        userCode: d.userCode,
        appName: app.display_name,
        upns: [s.dir.default_user],
      }),
      req.traceId,
    );
  approveDeviceCode(s, d.userCode, 'approve', upn);
  return htmlReply(
    200,
    html.messagePage(
      `${app.display_name}`,
      'You have signed in to the application on your device. You may now close this window.',
    ),
    req.traceId,
  );
}

export function deviceGrant(s: State, req: EmuRequest, app: AppConfig, acr: Acr, v1: boolean): Reply {
  const f = req.form!;
  const dc = f.get('device_code') ?? f.get('code'); // v1 clients (ADAL) send `code`
  if (!dc) return err(s, req, 900144, { name: 'device_code' });
  const rec = s.devices.get(dc);
  if (!rec || rec.clientId !== app.client_id) return err(s, req, 70000);
  const now = s.now();
  if (now > rec.expiresAt) return err(s, req, 70020);
  if (rec.status === 'declined') return err(s, req, 65004, {}, { error: 'authorization_declined' });
  if (rec.status === 'pending') {
    const last = rec.lastPoll;
    rec.lastPoll = now;
    if (s.deviceSlowDown && last !== undefined && now - last < DEVICE_INTERVAL_S * 1000)
      return err(s, req, 70016, {}, { error: 'slow_down' });
    return err(s, req, 70016);
  }
  const user = s.user(rec.upn)!;
  s.devices.delete(dc);
  return issueUser(s, req, {
    app,
    acr,
    user,
    scope: rec.scope,
    clientInfo: f.get('client_info') === '1',
    v1,
    v1Resource: rec.v1Resource,
    mfa: !!rec.mfa,
  });
}
