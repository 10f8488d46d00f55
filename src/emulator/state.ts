/**
 * Everything the emulator remembers between requests, in one object every endpoint is handed: the
 * directory, the signing key, the clock (advanceable), sessions, pending sign-ins, authorization codes,
 * refresh tokens, device codes, seen assertion ids, revocations, the request log and the armed faults.
 * Endpoints are plain functions over this state (one file per endpoint, see routes.ts).
 */
import type { AppConfig, DirectoryConfig, UserConfig } from './directory.js';
import type { ArmedFault } from './faults.js';
import type { RecordedRequest } from './request-log.js';
import { findResource, IAT_BACKDATE_S, type ParsedScope, type SigningKey } from './tokens.js';

/** Result of resolving the `{tenant}` path segment (docs/protocol.md §0, §5.1). */
export type Tenant =
  { kind: 'tenant'; segment: string } | { kind: 'common' | 'organizations' | 'consumers'; segment: string };

/** The parameters of one authorize (or admin-consent) request, kept until its code is redeemed. */
export interface AuthParams {
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
  /** A response_type other than `code` (implicit or hybrid flow): what goes in the fragment.
   * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow */
  implicit?: { code: boolean; token: boolean; idToken: boolean };
}

export interface Session {
  upn: string;
  sid: string;
  sessionState: string;
}

export interface CodeRecord {
  params: AuthParams;
  upn: string;
  issuedAt: number;
  used: boolean;
  sid: string;
  /** The sign-in that produced it satisfied MFA (see {@link Policy}). */
  mfa: boolean;
}

export interface RefreshRecord {
  clientId: string;
  upn: string;
  scope: string;
  issuedAt: number;
  lastUsed: number;
  sid?: string;
  v1Resource?: string;
  mfa?: boolean;
}

export interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  v1Resource?: string;
  expiresAt: number;
  status: 'pending' | 'approved' | 'declined';
  upn?: string;
  lastPoll?: number;
  mfa?: boolean;
}

/**
 * Conditional Access as the emulator plays it (control API `POST /_emulator/policy`), applied at the token
 * endpoint to user grants. `require_mfa`: a grant whose sign-in did not satisfy MFA answers AADSTS50076 with
 * a `claims` challenge; an interactive sign-in (authorize, device code) made while this is on satisfies MFA
 * (the emulator's sign-in page stands for the second factor), the password grant never does, a refresh
 * token keeps its sign-in's. `allowed_platforms`: the request's `x-client-OS` (header or form field, as MSAL
 * sends it) must start with one of these, case-insensitively, else AADSTS53003.
 */
export interface Policy {
  require_mfa: boolean;
  allowed_platforms: string[] | null;
}

export interface StateOptions {
  directory: DirectoryConfig;
  key: SigningKey;
  /** The base clock in ms since the epoch (default Date.now); `advanceClock` adds to it. */
  now?: () => number;
  autoApprove: boolean;
  /** The default user approves every device code as soon as it is issued. */
  autoApproveDeviceCodes?: boolean;
  /** Answer `slow_down` when a device code is polled faster than its interval (real Entra does not). */
  deviceSlowDown?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The emulator's memory. */
export class State {
  readonly dir: DirectoryConfig;
  readonly key: SigningKey;
  readonly autoApprove: boolean;
  readonly autoApproveDeviceCodes: boolean;
  readonly deviceSlowDown: boolean;
  /** Entra's base URL (scheme://host:port), known once the server listens. */
  url = '';
  readonly sessions = new Map<string, Session>();
  readonly pending = new Map<string, { params: AuthParams; upn?: string; expires: number }>();
  readonly codes = new Map<string, CodeRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  readonly devices = new Map<string, DeviceRecord>();
  /** `client_id|jti` → SHA-256 of the assertion that first carried it. */
  readonly jtis = new Map<string, string>();
  /** `uti` of each user access token issued → when (ms), for the CAE challenge. */
  readonly issuedAt = new Map<string, number>();
  /** upn → ms: tokens issued before are revoked (AADSTS50173). */
  readonly validFrom = new Map<string, number>();
  /** upn → ms: access tokens issued before are challenged (CAE) while refresh tokens stay valid. */
  readonly accessValidFrom = new Map<string, number>();
  /** Conditional Access policy (control API `POST /_emulator/policy`). */
  policy: Policy = { require_mfa: false, allowed_platforms: null };
  /** The info object (the JSON line the CLI prints), set at start. */
  info: Record<string, unknown> = {};
  /** The request log (control API `GET /_emulator/requests`). */
  readonly log: RecordedRequest[] = [];
  /** The last request log sequence number. */
  seq = 0;
  /** Armed faults (control API `POST /_emulator/faults`). */
  readonly faults: ArmedFault[] = [];
  private offsetMs = 0;
  private readonly baseNow: () => number;

  constructor(o: StateOptions) {
    this.dir = o.directory;
    this.key = o.key;
    this.autoApprove = o.autoApprove;
    this.autoApproveDeviceCodes = !!o.autoApproveDeviceCodes;
    this.deviceSlowDown = !!o.deviceSlowDown;
    this.baseNow = o.now ?? Date.now;
  }

  /** The emulator's clock in ms. */
  now = (): number => this.baseNow() + this.offsetMs;

  nowS(): number {
    return Math.floor(this.now() / 1000);
  }

  advanceClock(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  app(clientId: string | null | undefined): AppConfig | undefined {
    if (!clientId) return undefined;
    return this.dir.apps.find((a) => a.client_id.toLowerCase() === clientId.toLowerCase());
  }

  user(upn: string | null | undefined): UserConfig | undefined {
    if (!upn) return undefined;
    return this.dir.users.find((u) => u.upn.toLowerCase() === upn.toLowerCase());
  }

  /**
   * Revoke every refresh token of a user issued so far (a password reset), for AADSTS50173; with
   * `keepRefreshTokens`, a Continuous Access Evaluation event that only invalidates access tokens (a network
   * location change): the resources challenge them, and a refresh (with the challenge's claims) succeeds.
   */
  revokeUser(upn: string, keepRefreshTokens = false): boolean {
    const u = this.user(upn);
    if (!u) return false;
    (keepRefreshTokens ? this.accessValidFrom : this.validFrom).set(u.upn, this.now() + 1);
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

  /**
   * The Continuous Access Evaluation challenge for an access token's claims, or undefined: a user token
   * issued before that user's revocation (`POST /_emulator/revoke`) gets the base64 claims request
   * `{"access_token":{"nbf":{"essential":true,"value":"<revocation time>"}}}` (docs/protocol.md §15).
   */
  claimsChallenge(claims: Record<string, unknown>): string | undefined {
    if (typeof claims.oid !== 'string' || typeof claims.iat !== 'number') return undefined;
    const user = this.dir.users.find((u) => u.object_id.toLowerCase() === String(claims.oid).toLowerCase());
    const times = user ? [this.validFrom.get(user.upn), this.accessValidFrom.get(user.upn)] : [];
    const set = times.filter((t): t is number => t !== undefined);
    if (!set.length) return undefined;
    const vf = Math.max(...set);
    const revokedS = Math.floor(vf / 1000);
    const issued = typeof claims.uti === 'string' ? this.issuedAt.get(claims.uti) : undefined;
    if (issued !== undefined ? issued >= vf : claims.iat + IAT_BACKDATE_S >= revokedS) return undefined;
    const request = { access_token: { nbf: { essential: true, value: String(revokedS) } } };
    return Buffer.from(JSON.stringify(request)).toString('base64');
  }

  tenantName(t: Tenant): string {
    return t.kind === 'tenant' ? this.dir.tenant_domain : t.segment;
  }

  /** The first resource of a scope this directory does not know, as AADSTS500011. */
  checkScopeResources(ps: ParsedScope): { code: number; params: Record<string, string> } | undefined {
    for (const r of ps.resources) {
      if (!findResource(r.identifier))
        return { code: 500011, params: { resource: r.identifier, tenant: this.dir.tenant_domain } };
    }
    return undefined;
  }
}
