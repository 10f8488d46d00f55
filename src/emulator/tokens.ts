/**
 * Token minting: the resources the emulator knows, scope parsing, and the claim sets of Entra's tokens
 * (docs/protocol.md §6): v1 access tokens for Azure Databricks / Graph / Azure management, v2 id tokens.
 * JWTs are assembled by hand (RS256 with node:crypto) so the Graph header `nonce` quirk (§6.4) can be made.
 */
import { createHash, randomBytes, randomInt, sign, type KeyObject } from 'node:crypto';
import type { Certificate } from './x509.js';
import { DATABRICKS_APP_ID, GRAPH_APP_ID, MANAGEMENT_APP_ID, type AppConfig, type UserConfig } from './directory.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  cert: Certificate;
}

export interface Resource {
  appId: string;
  name: string;
  /** Identifiers a request may use (`resource=` or the part of a scope before the last `/`). */
  identifiers: string[];
  /** Delegated permissions `.default` expands to. */
  defaultScopes: string[];
  kind: 'databricks' | 'graph' | 'management';
}

export const RESOURCES: Resource[] = [
  {
    appId: DATABRICKS_APP_ID,
    name: 'AzureDatabricks',
    identifiers: [DATABRICKS_APP_ID],
    defaultScopes: ['user_impersonation'],
    kind: 'databricks',
  },
  {
    appId: GRAPH_APP_ID,
    name: 'Microsoft Graph',
    identifiers: ['https://graph.microsoft.com', 'https://graph.microsoft.com/', GRAPH_APP_ID],
    defaultScopes: ['User.Read'],
    kind: 'graph',
  },
  {
    appId: MANAGEMENT_APP_ID,
    name: 'Windows Azure Service Management API',
    identifiers: [
      'https://management.core.windows.net/',
      'https://management.core.windows.net',
      'https://management.azure.com/',
      'https://management.azure.com',
      MANAGEMENT_APP_ID,
    ],
    defaultScopes: ['user_impersonation'],
    kind: 'management',
  },
];

export function findResource(identifier: string): Resource | undefined {
  return RESOURCES.find((r) => r.identifiers.some((i) => i.toLowerCase() === identifier.toLowerCase()));
}

/** The `aud` Entra puts in a v1 token: the identifier the request used (GUID for Databricks). */
export function audienceFor(res: Resource, identifier: string): string {
  if (res.kind === 'databricks') return DATABRICKS_APP_ID;
  if (res.kind === 'graph')
    return identifier.toLowerCase() === GRAPH_APP_ID ? GRAPH_APP_ID : 'https://graph.microsoft.com';
  if (identifier.toLowerCase() === MANAGEMENT_APP_ID) return 'https://management.core.windows.net/';
  return identifier.endsWith('/') ? identifier : `${identifier}/`;
}

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export interface ParsedScope {
  oidc: Set<string>;
  /** Resource scopes grouped by resource identifier, in request order. */
  resources: Array<{ identifier: string; permissions: string[] }>;
}

/** Split a space-separated scope into OIDC scopes and per-resource permissions (`X/perm` splits at the last `/`). */
export function parseScope(scope: string): ParsedScope {
  const oidc = new Set<string>();
  const resources: ParsedScope['resources'] = [];
  for (const s of scope.split(' ').filter(Boolean)) {
    if (OIDC_SCOPES.includes(s)) {
      oidc.add(s);
      continue;
    }
    const at = s.lastIndexOf('/');
    const identifier = at > 0 ? s.slice(0, at) : 'https://graph.microsoft.com';
    const perm = at > 0 ? s.slice(at + 1) : s;
    const existing = resources.find((r) => r.identifier === identifier);
    if (existing) existing.permissions.push(perm);
    else resources.push({ identifier, permissions: [perm] });
  }
  return { oidc, resources };
}

/** The `scope` string of a delegated token response (docs/protocol.md §2.7): resource scopes, then profile/openid/email. */
export function responseScope(res: Resource, identifier: string, scp: string[], oidc: Set<string>): string {
  const prefix =
    res.kind === 'graph' ? '' : res.kind === 'management' ? `${audienceFor(res, identifier)}/` : `${res.appId}/`;
  const parts = scp.map((p) => `${prefix}${p}`);
  for (const o of ['profile', 'openid', 'email']) if (oidc.has(o)) parts.push(o);
  return parts.join(' ');
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Sign a JWT with RS256. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: SigningKey): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/**
 * A Graph-style token: the header carries a `nonce`; the signature covers a header whose nonce is the SHA-256
 * of the one shown, so standard libraries fail to verify it (docs/protocol.md §6.4; the hashing detail is [inferred]).
 */
export function signGraphJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: SigningKey,
): string {
  const nonce = randomBytes(32).toString('base64url');
  const shown = { typ: 'JWT', nonce, ...header };
  const signed = { ...shown, nonce: createHash('sha256').update(nonce).digest('base64url') };
  const signedInput = `${b64url(signed)}.${b64url(payload)}`;
  const sig = sign('sha256', Buffer.from(signedInput), key.privateKey).toString('base64url');
  return `${b64url(shown)}.${b64url(payload)}.${sig}`;
}

/** Opaque-looking token strings in the current `0.A…` style (docs/protocol.md §1.2). */
export function opaqueToken(bytes = 96): string {
  return `0.AXEA${randomBytes(bytes).toString('base64url')}`;
}

export const uti = (): string => randomBytes(16).toString('base64url').slice(0, 22);
const aio = (): string => `${randomBytes(40).toString('base64')}`;
const rh = (): string => `1.AXEA${randomBytes(24).toString('base64url')}.`;

/** Pairwise `sub`: stable per (user, app), 43 chars like Entra's. */
export function pairwiseSub(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}|${clientId}`).digest('base64url');
}

export function clientInfo(oid: string, tid: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url');
}

/** Access tokens' `iat`/`nbf` are this many seconds before their issue. */
export const IAT_BACKDATE_S = 300;

export interface AccessTokenRequest {
  now: number; // seconds
  tid: string;
  app: AppConfig;
  /** "0" public, "1" secret, "2" certificate. */
  appidacr: '0' | '1' | '2';
  resource: Resource;
  identifier: string;
  user?: UserConfig;
  scp?: string[];
  ipaddr?: string;
  amr?: string[];
  key: SigningKey;
  /** Extra claims: app-only e.g. `xms_mirid` for a managed identity; user e.g. `xms_cc` (client capabilities). */
  extra?: Record<string, unknown>;
}

export interface MintedToken {
  token: string;
  expiresIn: number;
  expiresOn: number;
  notBefore: number;
  claims: Record<string, unknown>;
}

/**
 * A v1 access token (docs/protocol.md §6.2/§6.3). Lifetimes: delegated random 60–90 min (§6.6); app-only 3599 s.
 * `iat`/`nbf` are backdated 5 minutes as in the observed sample (exp − iat = 3900 for expires_in 3599).
 */
export function mintAccessToken(r: AccessTokenRequest): MintedToken {
  const lifetime = r.user ? randomInt(3600, 5401) : 3600;
  const iat = r.now - IAT_BACKDATE_S;
  const exp = r.now + lifetime;
  const iss = `https://sts.windows.net/${r.tid}/`;
  const aud = audienceFor(r.resource, r.identifier);
  let claims: Record<string, unknown>;
  if (r.user) {
    const u = r.user;
    claims = {
      aud,
      iss,
      iat,
      nbf: iat,
      exp,
      acr: '1',
      aio: aio(),
      amr: r.amr ?? (u.mfa_required ? ['pwd', 'mfa'] : ['pwd']),
      appid: r.app.client_id,
      appidacr: r.appidacr,
      ...(u.family_name ? { family_name: u.family_name } : {}),
      ...(u.given_name ? { given_name: u.given_name } : {}),
      ...(r.resource.kind === 'graph' ? { acct: 0, app_displayname: r.app.display_name, idtyp: 'user' } : {}),
      ipaddr: r.ipaddr ?? '127.0.0.1',
      name: u.display_name,
      oid: u.object_id,
      rh: rh(),
      scp: (r.scp ?? r.resource.defaultScopes).join(' '),
      sub: pairwiseSub(u.object_id, r.resource.appId),
      tid: r.tid,
      unique_name: u.upn,
      upn: u.upn,
      uti: uti(),
      ver: '1.0',
      ...(r.extra ?? {}),
    };
  } else {
    const roles = r.app.app_roles?.[r.resource.appId] ?? [];
    claims = {
      aud,
      iss,
      iat,
      nbf: iat,
      exp,
      aio: aio(),
      ...(r.resource.kind === 'graph' ? { app_displayname: r.app.display_name } : {}),
      appid: r.app.client_id,
      appidacr: r.appidacr,
      idp: iss,
      idtyp: 'app',
      oid: r.app.sp_object_id,
      rh: rh(),
      ...(roles.length ? { roles } : {}),
      ...(r.extra ?? {}),
      sub: r.app.sp_object_id,
      tid: r.tid,
      uti: uti(),
      ver: '1.0',
    };
  }
  const header = { typ: 'JWT', alg: 'RS256', x5t: r.key.cert.x5t, kid: r.key.cert.x5t };
  const token = r.resource.kind === 'graph' ? signGraphJwt(header, claims, r.key) : signJwt(header, claims, r.key);
  return { token, expiresIn: r.user ? lifetime : 3599, expiresOn: exp, notBefore: iat, claims };
}

export interface IdTokenRequest {
  now: number;
  issuer: string;
  tid: string;
  clientId: string;
  user: UserConfig;
  nonce?: string;
  sid?: string;
  profile: boolean;
  email: boolean;
  /** The access token issued with it on the front channel (implicit grant): adds `at_hash`. */
  accessToken?: string;
  /** The code issued with it on the front channel (hybrid flow): adds `c_hash`. */
  code?: string;
  key: SigningKey;
}

/** OIDC Core §3.2.2.10 / §3.3.2.11: base64url of the left half of SHA-256 of the value (RS256). */
export function halfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

/** A v2 id token (docs/protocol.md §6.5); `name`/`preferred_username` only with the `profile` scope. */
export function mintIdToken(r: IdTokenRequest): string {
  const claims: Record<string, unknown> = {
    aud: r.clientId,
    iss: r.issuer,
    iat: r.now - 300,
    nbf: r.now - 300,
    exp: r.now + 3600,
    aio: aio(),
    ...(r.accessToken !== undefined ? { at_hash: halfHash(r.accessToken) } : {}),
    ...(r.code !== undefined ? { c_hash: halfHash(r.code) } : {}),
    ...(r.email ? { email: r.user.upn } : {}),
    ...(r.profile ? { name: r.user.display_name } : {}),
    ...(r.nonce !== undefined ? { nonce: r.nonce } : {}),
    oid: r.user.object_id,
    ...(r.profile ? { preferred_username: r.user.upn } : {}),
    rh: rh(),
    ...(r.sid ? { sid: r.sid } : {}),
    sub: pairwiseSub(r.user.object_id, r.clientId),
    tid: r.tid,
    uti: uti(),
    ver: '2.0',
  };
  return signJwt({ typ: 'JWT', alg: 'RS256', kid: r.key.cert.x5t }, claims, r.key);
}

/** The unsigned id token of the v1 endpoint (docs/protocol.md §2.8: `alg: none`, empty signature). */
export function mintV1IdToken(now: number, tid: string, clientId: string, user: UserConfig): string {
  const claims = {
    aud: clientId,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now - 300,
    nbf: now - 300,
    exp: now + 3600,
    amr: user.mfa_required ? ['pwd', 'mfa'] : ['pwd'],
    family_name: user.family_name,
    given_name: user.given_name,
    name: user.display_name,
    oid: user.object_id,
    sub: pairwiseSub(user.object_id, clientId),
    tid,
    unique_name: user.upn,
    upn: user.upn,
    ver: '1.0',
  };
  return `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.`;
}
