/**
 * The Entra ID part of the emulator: authorize (+ sign-in and consent pages), token (every grant, v2 and v1),
 * device code (+ /devicelogin), discovery, JWKS and admin consent. Wire shapes follow
 * /work/shared/reference/entra-wire.md section by section; the section is named next to each behaviour.
 */
import { createHash, randomBytes, randomUUID, X509Certificate, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { compactVerify, decodeProtectedHeader, decodeJwt } from 'jose';
import {
  AADSTS,
  dotnetTime,
  entraError,
  entraQueryEncode,
  entraTimestamp,
  fill,
  redirectErrorDescription,
} from './aadsts.js';
import type { AppConfig, DirectoryConfig, UserConfig } from './directory.js';
import { checkFederatedAssertion, isFederatedAssertion } from './federation.js';
import * as html from './html.js';
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
  type SigningKey,
} from './tokens.js';

export interface EmuRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The parsed body when Content-Type is application/x-www-form-urlencoded. */
  form?: URLSearchParams;
  traceId: string;
  ip: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

const MSA_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const ESTS_SERVER = '2.1.11654.16 - EUS ProdSlices';
const CODE_LIFETIME_S = 600; // reference §1.2 "about 10 minutes"
const DEVICE_CODE_LIFETIME_S = 900; // §4.1
const DEVICE_INTERVAL_S = 5;
const RT_INACTIVITY_S = 90 * 86400; // §6.6
const SESSION_COOKIE = 'ESTSAUTH';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Common headers of Entra's JSON endpoints (reference §0). */
function baseHeaders(traceId: string): Record<string, string | string[]> {
  return {
    'Cache-Control': 'no-store, no-cache',
    Pragma: 'no-cache',
    'Content-Type': 'application/json; charset=utf-8',
    Expires: '-1',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    P3P: 'CP="DSP CUR OTPi IND OTRi ONL FIN"',
    'x-ms-request-id': traceId,
    'x-ms-ests-server': ESTS_SERVER,
    'Set-Cookie': [
      'fpc=emulated; path=/; secure; HttpOnly; SameSite=None',
      'x-ms-gateway-slice=estsfd; path=/; secure; samesite=none; httponly',
      'stsservicecookie=estsfd; path=/; secure; samesite=none; httponly',
    ],
  };
}

export function json(
  status: number,
  body: unknown,
  traceId: string,
  extra: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { ...baseHeaders(traceId), ...extra }, body: JSON.stringify(body) };
}

function htmlReply(
  status: number,
  body: string,
  traceId: string,
  extra: Record<string, string | string[]> = {},
): Reply {
  return {
    status,
    headers: {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'Content-Type': 'text/html; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *",
      'x-ms-request-id': traceId,
      'x-ms-ests-server': ESTS_SERVER,
      ...extra,
    },
    body,
  };
}

function redirect(location: string, traceId: string, extra: Record<string, string | string[]> = {}): Reply {
  return {
    status: 302,
    headers: {
      Location: location,
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'x-ms-request-id': traceId,
      ...extra,
    },
    body: '',
  };
}

function cookies(req: EmuRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Result of resolving the `{tenant}` path segment (reference §0, §5.1). */
type Tenant = { kind: 'tenant'; segment: string } | { kind: 'common' | 'organizations' | 'consumers'; segment: string };

interface AuthParams {
  v1: boolean;
  tenantSeg: string;
  clientId: string;
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  scope: string;
  state?: string;
  nonce?: string;
  challenge?: string;
  method?: 'S256' | 'plain';
  clientInfo: boolean;
  prompt?: string;
  loginHint?: string;
  /** admin consent flows */
  adminConsent?: 'v1' | 'v2';
}

interface Session {
  upn: string;
  sid: string;
  sessionState: string;
}

interface CodeRecord {
  params: AuthParams;
  upn: string;
  issuedAt: number;
  used: boolean;
  sid: string;
}

interface RefreshRecord {
  clientId: string;
  upn: string;
  scope: string;
  issuedAt: number;
  lastUsed: number;
  sid?: string;
  v1Resource?: string;
}

interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  v1Resource?: string;
  expiresAt: number;
  status: 'pending' | 'approved' | 'declined';
  upn?: string;
  lastPoll?: number;
}

export interface EntraOptions {
  directory: DirectoryConfig;
  key: SigningKey;
  /** Milliseconds since the epoch (the emulator's clock, advanceable). */
  now: () => number;
  baseUrl: () => string;
  autoApprove: boolean;
  /** Answer `slow_down` when a device code is polled faster than its interval (real Entra does not). */
  deviceSlowDown?: boolean;
}

/** The Entra ID endpoints over an in-memory directory. */
export class Entra {
  readonly dir: DirectoryConfig;
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, { params: AuthParams; upn?: string; expires: number }>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly jtis = new Map<string, number>();
  /** upn → ms: tokens issued before are revoked (AADSTS50173). */
  private readonly validFrom = new Map<string, number>();

  constructor(private readonly o: EntraOptions) {
    this.dir = o.directory;
  }

  private nowS(): number {
    return Math.floor(this.o.now() / 1000);
  }

  private get url(): string {
    return this.o.baseUrl();
  }

  // ---------------------------------------------------------------- directory lookups

  app(clientId: string | null | undefined): AppConfig | undefined {
    if (!clientId) return undefined;
    return this.dir.apps.find((a) => a.client_id.toLowerCase() === clientId.toLowerCase());
  }

  user(upn: string | null | undefined): UserConfig | undefined {
    if (!upn) return undefined;
    return this.dir.users.find((u) => u.upn.toLowerCase() === upn.toLowerCase());
  }

  /** Revoke every refresh token of a user issued so far (a password reset), for AADSTS50173. */
  revokeUser(upn: string): boolean {
    const u = this.user(upn);
    if (!u) return false;
    this.validFrom.set(u.upn, this.o.now() + 1);
    return true;
  }

  resolveTenant(segment: string): Tenant | { error: number } {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations' || s === 'consumers') return { kind: s, segment };
    if (s === this.dir.tenant_id.toLowerCase()) return { kind: 'tenant', segment };
    if (s === this.dir.tenant_domain.toLowerCase() || (this.dir.other_domains ?? []).some((d) => d.toLowerCase() === s))
      return { kind: 'tenant', segment };
    if (GUID.test(s) || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(s))
      return { error: 90002 };
    return { error: 900023 };
  }

  /** JSON error (reference §3.1) with this request's trace id and echoed client-request-id. */
  err(
    req: EmuRequest,
    code: number,
    params: Record<string, string> = {},
    override?: Partial<(typeof AADSTS)[number]>,
  ): Reply {
    const crid = req.headers['client-request-id'];
    const e = entraError(
      code,
      params,
      { now: this.o.now(), traceId: req.traceId, correlationId: typeof crid === 'string' ? crid : undefined },
      override,
    );
    return json(e.status, e.body, req.traceId);
  }

  errorPage(req: EmuRequest, code: number, params: Record<string, string>, status = 400): Reply {
    const crid = req.headers['client-request-id'];
    return htmlReply(
      status,
      html.errorPage(code, fill(AADSTS[code]!.message, params), {
        traceId: req.traceId,
        correlationId: typeof crid === 'string' ? crid : randomUUID(),
        timestamp: entraTimestamp(this.o.now()),
      }),
      req.traceId,
    );
  }

  // ---------------------------------------------------------------- discovery and JWKS (§5)

  discoveryV2(req: EmuRequest, t: Tenant): Reply {
    const seg = t.kind === 'tenant' ? this.dir.tenant_id : t.segment;
    const base = `${this.url}/${seg}`;
    const issuer =
      t.kind === 'tenant'
        ? `${this.url}/${this.dir.tenant_id}/v2.0`
        : t.kind === 'consumers'
          ? `${this.url}/${MSA_TENANT}/v2.0`
          : `${this.url}/{tenantid}/v2.0`;
    const body = {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'cloud_instance_name',
        'cloud_instance_host_name',
        'cloud_graph_host_name',
        'msgraph_host',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'at_hash',
        'c_hash',
        'email',
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
    return json(200, body, req.traceId, discoveryHeaders());
  }

  discoveryV1(req: EmuRequest, t: Tenant): Reply {
    const seg = t.kind === 'tenant' ? this.dir.tenant_id : t.segment;
    const base = `${this.url}/${seg}`;
    const body = {
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/logout`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      scopes_supported: ['openid'],
      issuer:
        t.kind === 'tenant' ? `https://sts.windows.net/${this.dir.tenant_id}/` : 'https://sts.windows.net/{tenantid}/',
      claims_supported: [
        'sub',
        'iss',
        'cloud_instance_name',
        'cloud_instance_host_name',
        'cloud_graph_host_name',
        'msgraph_host',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'amr',
        'nonce',
        'email',
        'given_name',
        'family_name',
        'nickname',
      ],
      microsoft_multi_refresh_token: true,
      check_session_iframe: `${base}/oauth2/checksession`,
      userinfo_endpoint: `${base}/openid/userinfo`,
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
    return json(200, body, req.traceId, discoveryHeaders());
  }

  /** JWKS (§5.4): kid == x5t; v2 keys carry `issuer`, v1 keys do not (not found either way for v1). */
  jwks(req: EmuRequest, v2: boolean): Reply {
    const jwk = this.o.key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    const key: Record<string, unknown> = {
      kty: 'RSA',
      use: 'sig',
      kid: this.o.key.cert.x5t,
      x5t: this.o.key.cert.x5t,
      n: jwk.n,
      e: jwk.e,
      x5c: [this.o.key.cert.der.toString('base64')],
    };
    if (v2) key.issuer = `${this.url}/{tenantid}/v2.0`;
    return json(200, { keys: [key] }, req.traceId, discoveryHeaders());
  }

  /** Instance discovery (§5.3), answered for the emulator's own host so MSAL can be pointed at it. */
  instanceDiscovery(req: EmuRequest): Reply {
    const host = new URL(this.url).host;
    return json(
      200,
      {
        tenant_discovery_endpoint: `${this.url}/${this.dir.tenant_id}/v2.0/.well-known/openid-configuration`,
        'api-version': req.url.searchParams.get('api-version') ?? '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
      req.traceId,
      discoveryHeaders(),
    );
  }

  // ---------------------------------------------------------------- authorize (§1)

  /** Where an authorize-leg response goes (query, fragment or form_post), with Entra's encoding (§1.3). */
  private respond(
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

  private errorRedirect(
    req: EmuRequest,
    p: AuthParams,
    code: number,
    params: Record<string, string> = {},
    error?: string,
  ): Reply {
    const crid = req.headers['client-request-id'];
    const desc = redirectErrorDescription(code, params, {
      now: this.o.now(),
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
    return this.respond(req, p, fields);
  }

  /** Does `sent` match a registered redirect URI? Loopback URIs of public-client apps match any port. */
  redirectMatches(app: AppConfig, sent: string): boolean {
    let s: URL;
    try {
      s = new URL(sent);
    } catch {
      return false;
    }
    const path = (u: URL): string => (u.pathname === '' ? '/' : u.pathname);
    return (app.redirect_uris ?? []).some((r) => {
      if (r === sent) return true;
      const reg = new URL(r);
      const loopback = reg.protocol === 'http:' && (reg.hostname === 'localhost' || reg.hostname === '127.0.0.1');
      if (!(loopback && app.allow_public_client_flows)) return false;
      return (
        s.protocol === reg.protocol &&
        s.hostname === reg.hostname &&
        path(s) === path(reg) &&
        s.search === reg.search &&
        (reg.port === '' || reg.port === s.port)
      );
    });
  }

  authorize(req: EmuRequest, t: Tenant, v1: boolean): Reply {
    const q = req.url.searchParams;
    const clientId = q.get('client_id');
    if (!clientId) return this.errorPage(req, 900144, { name: 'client_id' });
    const app = this.app(clientId);
    if (!app) return this.errorPage(req, 700016, { appId: clientId, tenant: this.tenantName(t) });
    if (!app.redirect_uris?.length) return this.errorPage(req, 500113, {});
    const redirectUri = q.get('redirect_uri') ?? app.redirect_uris[0]!;
    if (!this.redirectMatches(app, redirectUri))
      return this.errorPage(req, 50011, { uri: redirectUri, appId: app.client_id });

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
    if (!responseType) return this.errorRedirect(req, p, 900144, { name: 'response_type' });
    if (responseType !== 'code') return this.errorRedirect(req, p, 700054, { type: responseType });
    if (!v1 && !q.get('scope')) return this.errorRedirect(req, p, 900144, { name: 'scope' });
    if (p.challenge !== undefined) {
      const m = q.get('code_challenge_method') ?? 'plain'; // §1.1: omitted ⇒ plain
      if (m !== 'S256' && m !== 'plain') return this.errorRedirect(req, p, 501491, { method: m });
      p.method = m;
    }
    const scopeErr = this.checkScopeResources(parseScope(p.scope));
    if (scopeErr) return this.errorRedirect(req, p, scopeErr.code, scopeErr.params);
    return this.continueAuth(req, p);
  }

  private tenantName(t: Tenant): string {
    return t.kind === 'tenant' ? this.dir.tenant_domain : t.segment;
  }

  private checkScopeResources(ps: ParsedScope): { code: number; params: Record<string, string> } | undefined {
    for (const r of ps.resources) {
      if (!findResource(r.identifier))
        return { code: 500011, params: { resource: r.identifier, tenant: this.dir.tenant_domain } };
    }
    return undefined;
  }

  private session(req: EmuRequest): Session | undefined {
    const id = cookies(req)[SESSION_COOKIE];
    const s = id ? this.sessions.get(id) : undefined;
    return s && this.user(s.upn) ? s : undefined;
  }

  private newSession(upn: string): { session: Session; cookie: string } {
    const id = randomBytes(24).toString('base64url');
    const session = { upn, sid: randomUUID(), sessionState: randomUUID() };
    this.sessions.set(id, session);
    return { session, cookie: `${SESSION_COOKIE}=${id}; path=/; HttpOnly; SameSite=Lax` };
  }

  private consented(user: UserConfig, app: AppConfig): boolean {
    return (
      !!app.admin_consented || (user.consented_apps ?? []).some((c) => c.toLowerCase() === app.client_id.toLowerCase())
    );
  }

  /** After validation: pick the sign-in, consent or redirect step (prompt semantics §1.1). */
  private continueAuth(req: EmuRequest, p: AuthParams): Reply {
    const app = this.app(p.clientId)!;
    if (this.o.autoApprove) {
      const user = this.user(p.loginHint) ?? this.user(this.dir.default_user)!;
      if (!p.adminConsent) user.consented_apps = [...new Set([...(user.consented_apps ?? []), app.client_id])];
      const { session, cookie } = this.newSession(user.upn);
      return this.success(req, p, session, { 'Set-Cookie': cookie });
    }
    const session = this.session(req);
    if (p.prompt === 'none') {
      if (!session) return this.errorRedirect(req, p, 50058, {}, 'login_required');
      if (!this.consented(this.user(session.upn)!, app))
        return this.errorRedirect(req, p, 65001, { appId: app.client_id, name: app.display_name }, 'consent_required');
      return this.success(req, p, session);
    }
    if (!session || p.prompt === 'login' || p.prompt === 'select_account' || p.adminConsent)
      return this.signInPage(req, p);
    const user = this.user(session.upn)!;
    if (p.prompt === 'consent' || !this.consented(user, app)) return this.consentPage(req, p, user);
    return this.success(req, p, session);
  }

  private stash(p: AuthParams, upn?: string): string {
    const ctx = randomBytes(18).toString('base64url');
    this.pending.set(ctx, { params: p, upn, expires: this.o.now() + 3600_000 });
    return ctx;
  }

  private signInPage(req: EmuRequest, p: AuthParams, error?: string, ctx?: string): Reply {
    const app = this.app(p.clientId)!;
    const c = ctx ?? this.stash(p);
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

  private consentPage(
    req: EmuRequest,
    p: AuthParams,
    user: UserConfig,
    extra: Record<string, string | string[]> = {},
  ): Reply {
    const app = this.app(p.clientId)!;
    const ps = parseScope(p.scope);
    const perms = [
      ...(ps.oidc.has('openid') || ps.oidc.has('profile') ? ['Sign you in and read your profile'] : []),
      ...(ps.oidc.has('offline_access') ? ['Maintain access to data you have given it access to'] : []),
      ...ps.resources.map(
        (r) => `Access ${findResource(r.identifier)?.name ?? r.identifier} (${r.permissions.join(', ')})`,
      ),
    ];
    if (p.adminConsent) perms.unshift('Consent on behalf of your organization');
    const ctx = this.stash(p, user.upn);
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
  loginPost(req: EmuRequest): Reply {
    const f = req.form ?? new URLSearchParams();
    const ctx = f.get('ctx') ?? '';
    const pend = this.pending.get(ctx);
    if (!pend || pend.expires < this.o.now())
      return htmlReply(
        400,
        html.messagePage('Sign-in expired', 'This sign-in request has expired. Start again from the application.'),
        req.traceId,
      );
    const user = this.user(f.get('login'));
    if (!user) return this.signInPage(req, pend.params, "We couldn't find an account with that username.", ctx);
    if (!safeEqual(user.password, f.get('passwd') ?? ''))
      return this.signInPage(req, pend.params, 'Your account or password is incorrect.', ctx);
    this.pending.delete(ctx);
    const { session, cookie } = this.newSession(user.upn);
    const app = this.app(pend.params.clientId)!;
    if (pend.params.adminConsent || pend.params.prompt === 'consent' || !this.consented(user, app))
      return this.consentPage(req, pend.params, user, { 'Set-Cookie': cookie });
    return this.success(req, pend.params, session, { 'Set-Cookie': cookie });
  }

  /** POST /{tenant}/Consent/Set: Accept (idBtn_Accept) or Cancel (idBtn_Back). */
  consentPost(req: EmuRequest): Reply {
    const f = req.form ?? new URLSearchParams();
    const pend = this.pending.get(f.get('ctx') ?? '');
    if (!pend || !pend.upn || pend.expires < this.o.now())
      return htmlReply(
        400,
        html.messagePage('Sign-in expired', 'This consent request has expired. Start again from the application.'),
        req.traceId,
      );
    this.pending.delete(f.get('ctx')!);
    const p = pend.params;
    if (f.get('consent') !== 'accept') return this.errorRedirect(req, p, 65004, {}, 'access_denied');
    const user = this.user(pend.upn)!;
    const app = this.app(p.clientId)!;
    if (p.adminConsent) app.admin_consented = true;
    else user.consented_apps = [...new Set([...(user.consented_apps ?? []), app.client_id])];
    const session =
      this.session(req) ??
      [...this.sessions.values()].reverse().find((s) => s.upn === user.upn) ??
      this.newSession(user.upn).session;
    return this.success(req, p, session);
  }

  /** The success redirect: code, client_info, state, session_state in the observed order (§1.2). */
  private success(
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
              ['tenant', this.dir.tenant_id],
              ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []),
              ['admin_consent', 'True'],
            ]
          : [
              ['admin_consent', 'True'],
              ['tenant', this.dir.tenant_id],
              ['scope', p.scope],
              ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []),
            ];
      this.app(p.clientId)!.admin_consented = true;
      return this.respond(req, { ...p, responseMode: 'query' }, f, extra);
    }
    const user = this.user(session.upn)!;
    const code = opaqueToken(160);
    this.codes.set(code, { params: p, upn: user.upn, issuedAt: this.o.now(), used: false, sid: session.sid });
    const fields: Array<[string, string]> = [['code', code]];
    if (p.clientInfo) fields.push(['client_info', clientInfo(user.object_id, this.dir.tenant_id)]);
    if (p.state !== undefined) fields.push(['state', p.state]);
    fields.push(['session_state', session.sessionState]);
    return this.respond(req, p, fields, extra);
  }

  /** GET /{tenant}/adminconsent (v1-style) and /{tenant}/v2.0/adminconsent (§8). */
  adminConsent(req: EmuRequest, t: Tenant, version: 'v1' | 'v2'): Reply {
    const q = req.url.searchParams;
    const clientId = q.get('client_id');
    if (!clientId) return this.errorPage(req, 900144, { name: 'client_id' });
    const app = this.app(clientId);
    if (!app) return this.errorPage(req, 700016, { appId: clientId, tenant: this.tenantName(t) });
    if (!app.redirect_uris?.length) return this.errorPage(req, 500113, {});
    const redirectUri = q.get('redirect_uri') ?? app.redirect_uris[0]!;
    if (!this.redirectMatches(app, redirectUri))
      return this.errorPage(req, 50011, { uri: redirectUri, appId: app.client_id });
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
    if (version === 'v2' && !q.get('scope')) return this.errorRedirect(req, p, 900144, { name: 'scope' });
    return this.continueAuth(req, p);
  }

  /** GET /{tenant}/oauth2/v2.0/logout: ends the emulator session. */
  logout(req: EmuRequest): Reply {
    const id = cookies(req)[SESSION_COOKIE];
    if (id) this.sessions.delete(id);
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

  // ---------------------------------------------------------------- token endpoint (§2)

  async token(req: EmuRequest, t: Tenant, v1: boolean): Promise<Reply> {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    // §2: only a form body counts; JSON bodies and query parameters ⇒ 900144 'grant_type'.
    if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded') || !req.form)
      return this.err(req, 900144, { name: 'grant_type' });
    const f = req.form;
    const grant = f.get('grant_type');
    if (!grant) return this.err(req, 900144, { name: 'grant_type' });
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
    if (!clientId) return this.err(req, 900144, { name: 'client_id' });
    const app = this.app(clientId);
    if (!app) return this.err(req, 700016, { appId: clientId, tenant: this.tenantName(t) });

    const known = [
      'authorization_code',
      'refresh_token',
      'password',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ];
    if (!known.includes(grant)) return this.err(req, 70003, { grant });
    if (grant === 'password' && (t.kind === 'common' || t.kind === 'consumers')) return this.err(req, 9001023);

    const auth = await this.authenticateClient(req, t, app, grant, basic, v1);
    if ('error' in auth) return auth.error;
    const acr = auth.acr;

    switch (grant) {
      case 'client_credentials':
        return this.clientCredentials(req, app, acr, v1);
      case 'authorization_code':
        return this.authCodeGrant(req, app, acr, v1);
      case 'refresh_token':
        return this.refreshGrant(req, app, acr, v1);
      case 'password':
        return this.passwordGrant(req, app, acr, v1);
      default:
        return this.deviceGrant(req, app, acr, v1);
    }
  }

  /** Client authentication (§2): none for public clients, secret (body or Basic), or private_key_jwt (§2.5). */
  private async authenticateClient(
    req: EmuRequest,
    t: Tenant,
    app: AppConfig,
    grant: string,
    basic: { id: string; secret: string } | undefined,
    v1: boolean,
  ): Promise<{ error: Reply } | { acr: '0' | '1' | '2' }> {
    const f = req.form!;
    const secret = f.get('client_secret') ?? basic?.secret ?? null;
    const assertion = f.get('client_assertion');
    if (app.public_client) {
      if (secret !== null || assertion !== null) return { error: this.err(req, 700025) };
      if (grant === 'client_credentials') return { error: this.err(req, 7000218) };
      return { acr: '0' };
    }
    if (assertion !== null) {
      const e = await this.verifyAssertion(req, t, app, assertion, f.get('client_assertion_type'), v1);
      return e ? { error: e } : { acr: '2' };
    }
    if (secret !== null) {
      const now = this.o.now();
      const match = (app.secrets ?? []).filter((s) => safeEqual(s.value, secret));
      if (match.length === 0) return { error: this.err(req, 7000215, { appId: app.client_id }) };
      if (match.every((s) => s.expires_at !== undefined && Date.parse(s.expires_at) <= now))
        return { error: this.err(req, 7000222, { appId: app.client_id }) };
      return { acr: '1' };
    }
    if (app.allow_public_client_flows && grant !== 'client_credentials') return { acr: '0' };
    return { error: this.err(req, 7000218) };
  }

  /** private_key_jwt (§2.5): thumbprint lookup, signature, aud, iss/sub, time window, jti replay. */
  private async verifyAssertion(
    req: EmuRequest,
    t: Tenant,
    app: AppConfig,
    assertion: string,
    type: string | null,
    v1: boolean,
  ): Promise<Reply | undefined> {
    if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return this.err(req, 900144, { name: 'client_assertion_type' });
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion) as Record<string, unknown>;
      claims = decodeJwt(assertion) as Record<string, unknown>;
    } catch {
      return this.err(req, 50027);
    }
    if (app.federated_credentials && isFederatedAssertion(app.client_id, assertion)) {
      const now = this.o.now();
      const refusal = checkFederatedAssertion(app, assertion, Math.floor(now / 1000));
      if (!refusal) return undefined;
      if (refusal.code === 700024)
        return this.err(req, 700024, {
          now: dotnetTime(now),
          nbf: dotnetTime(Number(refusal.params.nbf) * 1000),
          exp: dotnetTime(Number(refusal.params.exp) * 1000),
        });
      if (refusal.code === 700027)
        return this.err(req, 700027, { reason: 'The signature is not valid.', thumb: '', appId: app.client_id });
      return this.err(req, refusal.code, refusal.params);
    }
    const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
    const x5tS256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
    const certs = (app.certificates ?? []).map((pem) => new X509Certificate(pem));
    const thumbHex = Buffer.from((x5t ?? x5tS256 ?? '').replace(/=+$/, ''), 'base64url')
      .toString('hex')
      .toUpperCase();
    const cert = certs.find((c) => {
      if (x5t && createHash('sha1').update(c.raw).digest('base64url') === x5t.replace(/=+$/, '')) return true;
      return !!x5tS256 && createHash('sha256').update(c.raw).digest('base64url') === x5tS256.replace(/=+$/, '');
    });
    if (!cert)
      return this.err(req, 700027, { reason: 'The key was not found.', thumb: thumbHex, appId: app.client_id });
    try {
      await compactVerify(assertion, cert.publicKey, { algorithms: ['RS256', 'PS256'] });
    } catch {
      return this.err(req, 700027, { reason: 'The signature is not valid.', thumb: thumbHex, appId: app.client_id });
    }
    if (claims.iss !== app.client_id) return this.err(req, 700021);
    if (claims.sub !== claims.iss) return this.err(req, 50048);
    const auds = this.assertionAudiences(t, req.url.pathname);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && auds.includes(a)))
      return this.err(req, 70021, { expected: auds[0]!, actual: String(claims.aud) });
    const now = this.o.now();
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
    const exp = typeof claims.exp === 'number' ? claims.exp : 0;
    const skew = 300;
    if (exp === 0 || now / 1000 > exp + skew || now / 1000 < nbf - skew) {
      // §2.5: "valid from 1970-01-01T00:00:00.0000000Z" when nbf is absent.
      return this.err(req, 700024, { now: dotnetTime(now), nbf: dotnetTime(nbf * 1000), exp: dotnetTime(exp * 1000) });
    }
    // jti replay [inferred: Entra documents jti as unique; rejection code/text not quoted].
    const jti = typeof claims.jti === 'string' ? claims.jti : undefined;
    if (jti) {
      const key = `${app.client_id}|${jti}`;
      if (this.jtis.has(key)) return this.err(req, 700023);
      this.jtis.set(key, exp);
    }
    void v1;
    return undefined;
  }

  /** Accepted assertion audiences (§2.5 [inferred]): v2 and v1 token URLs and the issuer, for GUID, domain and path forms. */
  private assertionAudiences(t: Tenant, path: string): string[] {
    const segs = [...new Set([this.dir.tenant_id, this.dir.tenant_domain, t.segment])];
    const out: string[] = [`${this.url}${path}`];
    for (const s of segs) {
      out.push(
        `${this.url}/${s}/oauth2/v2.0/token`,
        `${this.url}/${s}/oauth2/token`,
        `${this.url}/${s}/v2.0`,
        `${this.url}/${s}/`,
      );
    }
    out.push(`https://login.microsoftonline.com/${this.dir.tenant_id}/oauth2/v2.0/token`);
    return out;
  }

  /** Resolve the one resource a token request targets (scope= for v2, resource= for v1). */
  private resourceFor(
    req: EmuRequest,
    scope: string,
    v1Resource?: string,
  ): { error: Reply } | { res: Resource; identifier: string; perms: string[]; ps: ParsedScope } {
    const ps = parseScope(scope);
    if (v1Resource !== undefined) {
      const res = findResource(v1Resource);
      if (!res) return { error: this.err(req, 500011, { resource: v1Resource, tenant: this.dir.tenant_domain }) };
      return { res, identifier: v1Resource, perms: res.defaultScopes, ps };
    }
    if (ps.resources.length > 1) return { error: this.err(req, 70011, { scope }) };
    const r = ps.resources[0] ?? { identifier: 'https://graph.microsoft.com', permissions: ['.default'] };
    const res = findResource(r.identifier);
    if (!res) return { error: this.err(req, 500011, { resource: r.identifier, tenant: this.dir.tenant_domain }) };
    const perms: string[] = [];
    for (const p of r.permissions) {
      if (p === '.default') perms.push(...res.defaultScopes);
      else if (res.kind === 'graph' || res.defaultScopes.includes(p)) perms.push(p);
      else return { error: this.err(req, 70011, { scope: `${r.identifier}/${p}` }) };
    }
    return { res, identifier: r.identifier, perms: [...new Set(perms)], ps };
  }

  private clientCredentials(req: EmuRequest, app: AppConfig, acr: '0' | '1' | '2', v1: boolean): Reply {
    const f = req.form!;
    let identifier: string;
    if (v1) {
      const resource = f.get('resource');
      if (!resource) return this.err(req, 900144, { name: 'resource' });
      identifier = resource;
    } else {
      const scope = f.get('scope');
      if (!scope) return this.err(req, 900144, { name: 'scope' });
      const parts = scope.split(' ').filter(Boolean);
      // §2.4: exactly one `<resource>/.default`
      if (parts.length !== 1 || !parts[0]!.endsWith('/.default')) return this.err(req, 1002012, { scope });
      identifier = parts[0]!.slice(0, -'/.default'.length);
    }
    const res = findResource(identifier);
    if (!res) return this.err(req, 500011, { resource: identifier, tenant: this.dir.tenant_domain });
    const t = mintAccessToken({
      now: this.nowS(),
      tid: this.dir.tenant_id,
      app,
      appidacr: acr,
      resource: res,
      identifier,
      key: this.o.key,
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

  private authCodeGrant(req: EmuRequest, app: AppConfig, acr: '0' | '1' | '2', v1: boolean): Reply {
    const f = req.form!;
    const code = f.get('code');
    if (!code) return this.err(req, 900144, { name: 'code' });
    const rec = this.codes.get(code);
    if (!rec) return this.err(req, 9002313);
    if (rec.params.clientId !== app.client_id)
      return this.err(
        req,
        70000,
        {},
        {
          error: 'invalid_grant',
          message:
            "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
        },
      );
    if (rec.used) return this.err(req, 54005);
    if (this.o.now() - rec.issuedAt > CODE_LIFETIME_S * 1000) return this.err(req, 70008);
    const sent = f.get('redirect_uri');
    if (sent === null) return this.err(req, 900144, { name: 'redirect_uri' });
    if (sent !== rec.params.redirectUri) {
      // §3.4 token-endpoint form of 50011.
      return this.err(
        req,
        50011,
        {},
        {
          error: 'invalid_grant',
          message: `The reply address '${sent}' does not match the reply address '${rec.params.redirectUri}' provided when requesting Authorization code.`,
        },
      );
    }
    if (rec.params.challenge !== undefined) {
      const verifier = f.get('code_verifier') ?? '';
      const computed =
        rec.params.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || !safeEqual(computed, rec.params.challenge)) return this.err(req, 501481);
    }
    const user = this.user(rec.upn);
    if (!user) return this.err(req, 9002313);
    rec.used = true;
    const scope = f.get('scope') ?? rec.params.scope;
    return this.issueUser(req, {
      app,
      acr,
      user,
      scope,
      nonce: rec.params.nonce,
      sid: rec.sid,
      clientInfo: f.get('client_info') === '1',
      v1,
      v1Resource: v1 ? (f.get('resource') ?? undefined) : undefined,
    });
  }

  private refreshGrant(req: EmuRequest, app: AppConfig, acr: '0' | '1' | '2', v1: boolean): Reply {
    const f = req.form!;
    const rt = f.get('refresh_token');
    if (!rt) return this.err(req, 900144, { name: 'refresh_token' });
    const rec = this.refreshTokens.get(rt);
    if (!rec || rec.clientId !== app.client_id) return this.err(req, 9002313);
    const now = this.o.now();
    if (now - rec.lastUsed > RT_INACTIVITY_S * 1000)
      return this.err(req, 700082, { issued: new Date(rec.issuedAt).toISOString() });
    const vf = this.validFrom.get(rec.upn);
    if (vf !== undefined && rec.issuedAt < vf)
      return this.err(req, 50173, { issued: dotnetTime(rec.issuedAt), validFrom: dotnetTime(vf) });
    const user = this.user(rec.upn);
    if (!user) return this.err(req, 9002313);
    rec.lastUsed = now;
    // §2.2: the scope may name another resource; the old refresh token stays valid.
    const scope = f.get('scope') ?? rec.scope;
    return this.issueUser(req, {
      app,
      acr,
      user,
      scope,
      sid: rec.sid,
      clientInfo: f.get('client_info') === '1',
      v1,
      v1Resource: v1 ? (f.get('resource') ?? rec.v1Resource) : undefined,
      forceRefresh: true,
    });
  }

  private passwordGrant(req: EmuRequest, app: AppConfig, acr: '0' | '1' | '2', v1: boolean): Reply {
    const f = req.form!;
    for (const name of ['username', 'password'] as const) if (!f.get(name)) return this.err(req, 900144, { name });
    const scope = f.get('scope') ?? '';
    if (!v1 && !scope) return this.err(req, 900144, { name: 'scope' });
    const user = this.user(f.get('username'));
    if (!user) return this.err(req, 50034, { tenant: this.dir.tenant_domain });
    if (!safeEqual(user.password, f.get('password')!)) return this.err(req, 50126);
    const target = this.resourceFor(req, scope, v1 ? (f.get('resource') ?? undefined) : undefined);
    if ('error' in target) return target.error;
    if (user.password_expired) return this.err(req, 50055);
    if (user.mfa_required) return this.err(req, 50076, { resource: target.res.appId });
    // ROPC does not check per-user consent here (Entra would answer 65001 without it); see README.
    return this.issueUser(req, {
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

  private deviceGrant(req: EmuRequest, app: AppConfig, acr: '0' | '1' | '2', v1: boolean): Reply {
    const f = req.form!;
    const dc = f.get('device_code') ?? f.get('code'); // v1 clients (ADAL) send `code`
    if (!dc) return this.err(req, 900144, { name: 'device_code' });
    const rec = this.devices.get(dc);
    if (!rec || rec.clientId !== app.client_id) return this.err(req, 70000);
    const now = this.o.now();
    if (now > rec.expiresAt) return this.err(req, 70020);
    if (rec.status === 'declined') return this.err(req, 65004, {}, { error: 'authorization_declined' });
    if (rec.status === 'pending') {
      const last = rec.lastPoll;
      rec.lastPoll = now;
      if (this.o.deviceSlowDown && last !== undefined && now - last < DEVICE_INTERVAL_S * 1000)
        return this.err(req, 70016, {}, { error: 'slow_down' });
      return this.err(req, 70016);
    }
    const user = this.user(rec.upn)!;
    this.devices.delete(dc);
    return this.issueUser(req, {
      app,
      acr,
      user,
      scope: rec.scope,
      clientInfo: f.get('client_info') === '1',
      v1,
      v1Resource: rec.v1Resource,
    });
  }

  /** A user-flow token response (§2.7; v1 §2.8 with string numbers and `resource`). */
  private issueUser(
    req: EmuRequest,
    o: {
      app: AppConfig;
      acr: '0' | '1' | '2';
      user: UserConfig;
      scope: string;
      nonce?: string;
      sid?: string;
      clientInfo: boolean;
      v1: boolean;
      v1Resource?: string;
      forceRefresh?: boolean;
      amr?: string[];
    },
  ): Reply {
    const target = this.resourceFor(
      req,
      o.scope,
      o.v1 ? (o.v1Resource ?? '00000003-0000-0000-c000-000000000000') : undefined,
    );
    if ('error' in target) return target.error;
    const now = this.nowS();
    const at = mintAccessToken({
      now,
      tid: this.dir.tenant_id,
      app: o.app,
      appidacr: o.acr,
      resource: target.res,
      identifier: target.identifier,
      user: o.user,
      scp: target.perms,
      ipaddr: req.ip,
      ...(o.amr ? { amr: o.amr } : {}),
      key: this.o.key,
    });
    const oidc = target.ps.oidc;
    const wantRefresh = o.v1 || oidc.has('offline_access');
    let refresh: string | undefined;
    if (wantRefresh) {
      refresh = opaqueToken(240);
      this.refreshTokens.set(refresh, {
        clientId: o.app.client_id,
        upn: o.user.upn,
        scope: o.scope,
        issuedAt: this.o.now(),
        lastUsed: this.o.now(),
        sid: o.sid,
        v1Resource: o.v1Resource,
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
      if (oidc.has('openid')) body.id_token = mintV1IdToken(now, this.dir.tenant_id, o.app.client_id, o.user);
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
        issuer: `${this.url}/${this.dir.tenant_id}/v2.0`,
        tid: this.dir.tenant_id,
        clientId: o.app.client_id,
        user: o.user,
        nonce: o.nonce,
        sid: o.sid,
        profile: oidc.has('profile'),
        email: oidc.has('email'),
        key: this.o.key,
      });
    }
    if (o.clientInfo) body.client_info = clientInfo(o.user.object_id, this.dir.tenant_id);
    return json(200, body, req.traceId);
  }

  // ---------------------------------------------------------------- device code (§4)

  deviceCode(req: EmuRequest, t: Tenant, v1: boolean): Reply {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded') || !req.form)
      return this.err(req, 900144, { name: 'client_id' });
    const f = req.form;
    const clientId = f.get('client_id');
    if (!clientId) return this.err(req, 900144, { name: 'client_id' });
    const app = this.app(clientId);
    if (!app) return this.err(req, 700016, { appId: clientId, tenant: this.tenantName(t) });
    let scope: string;
    let v1Resource: string | undefined;
    if (v1) {
      v1Resource = f.get('resource') ?? undefined;
      if (!v1Resource) return this.err(req, 900144, { name: 'resource' });
      scope = `${v1Resource}/.default openid`;
    } else {
      scope = f.get('scope') ?? '';
      if (!scope) return this.err(req, 900144, { name: 'scope' });
    }
    const scopeErr = this.checkScopeResources(parseScope(scope));
    if (scopeErr) return this.err(req, scopeErr.code, scopeErr.params);
    const userCode = userCodeString();
    const deviceCode = `DAQABAAEAAAD${randomBytes(140).toString('base64url')}`;
    this.devices.set(deviceCode, {
      deviceCode,
      userCode,
      clientId: app.client_id,
      scope,
      v1Resource,
      expiresAt: this.o.now() + DEVICE_CODE_LIFETIME_S * 1000,
      status: 'pending',
    });
    const uri = `${this.url}/devicelogin`;
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

  private deviceByUserCode(userCode: string): DeviceRecord | undefined {
    const c = userCode.trim().toUpperCase();
    return [...this.devices.values()].find((d) => d.userCode === c);
  }

  /** Approve or decline a pending device code (control API and /devicelogin). */
  approveDeviceCode(userCode: string, action: 'approve' | 'decline', upn?: string): { ok: true } | { error: string } {
    const d = this.deviceByUserCode(userCode);
    if (!d) return { error: `unknown user_code ${userCode}` };
    if (this.o.now() > d.expiresAt) return { error: `user_code ${userCode} has expired` };
    if (d.status !== 'pending') return { error: `user_code ${userCode} was already ${d.status}` };
    const user = this.user(upn ?? this.dir.default_user);
    if (!user) return { error: `unknown user ${upn}` };
    d.status = action === 'approve' ? 'approved' : 'declined';
    d.upn = user.upn;
    return { ok: true };
  }

  /** GET/POST /devicelogin: enter the code, then sign in and approve (idSIButton9) or cancel (idBtn_Back). */
  deviceLogin(req: EmuRequest): Reply {
    const f = req.form ?? new URLSearchParams();
    const otc = req.method === 'POST' ? f.get('otc') : req.url.searchParams.get('otc');
    if (!otc) return htmlReply(200, html.deviceLoginPage({ action: '/devicelogin' }), req.traceId);
    const d = this.deviceByUserCode(otc);
    if (!d || this.o.now() > d.expiresAt || d.status !== 'pending') {
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
    const app = this.app(d.clientId)!;
    const action = req.method === 'POST' ? f.get('action') : null;
    if (!action)
      return htmlReply(
        200,
        html.deviceConfirmPage({
          action: '/devicelogin',
          userCode: d.userCode,
          appName: app.display_name,
          upns: [this.session(req)?.upn ?? this.dir.default_user],
        }),
        req.traceId,
      );
    if (action === 'decline') {
      this.approveDeviceCode(d.userCode, 'decline');
      return htmlReply(
        200,
        html.messagePage('Sign-in declined', 'You have declined to sign in to the application on your device.'),
        req.traceId,
      );
    }
    const session = this.session(req);
    let upn = session?.upn;
    if (f.get('passwd')) {
      const user = this.user(f.get('login'));
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
          upns: [this.dir.default_user],
        }),
        req.traceId,
      );
    this.approveDeviceCode(d.userCode, 'approve', upn);
    return htmlReply(
      200,
      html.messagePage(
        `${app.display_name}`,
        'You have signed in to the application on your device. You may now close this window.',
      ),
      req.traceId,
    );
  }

  /** An AADSTS fault on the authorize leg: redirected when the request's redirect URI is trusted, else a page. */
  authorizeFault(req: EmuRequest, code: number): Reply {
    const q = req.url.searchParams;
    const app = this.app(q.get('client_id'));
    const uri = q.get('redirect_uri');
    if (app && uri && this.redirectMatches(app, uri) && !PAGE_ONLY.has(code)) {
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
      return this.errorRedirect(req, p, code, {
        appId: app.client_id,
        name: app.display_name,
        tenant: this.dir.tenant_domain,
        resource: '',
        uri,
      });
    }
    return this.errorPage(req, code, {
      appId: q.get('client_id') ?? '',
      uri: uri ?? '',
      tenant: this.dir.tenant_domain,
    });
  }
}

/** Codes Entra shows on its own page rather than redirecting (§1.3). */
const PAGE_ONLY = new Set([50011, 500113, 700016, 900144, 90014, 50105]);

function discoveryHeaders(): Record<string, string> {
  return {
    'Cache-Control': 'max-age=86400, private',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
  };
}

function parseBasic(h: string | undefined): { id: string; secret: string } | undefined {
  if (!h || !/^basic /i.test(h)) return undefined;
  const raw = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Nine uppercase alphanumerics, as in Entra's fixtures (§4.1). */
function userCodeString(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(9)].map((b) => alphabet[b % alphabet.length]).join('');
}
