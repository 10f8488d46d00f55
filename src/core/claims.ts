/**
 * What each claim of an Entra token means, in plain words, and a one-line verdict on the whole token.
 * Pure: the clock (`now`, milliseconds) and the time zone are handed in.
 * Sources: Entra `access-token-claims-reference.md`, `id-token-claims-reference.md`,
 * `optional-claims-reference.md` (docs/protocol.md §6).
 *
 * Why one file over 500 lines: most of it is one table, a row per claim; split, the table would lose the
 * one place a reader looks a claim up.
 */

import {
  AZURE_DATABRICKS_APP_ID as DATABRICKS_APP_ID,
  ENTRA_FEDERATION_AUDIENCE,
  MICROSOFT_GRAPH_APP_ID as GRAPH_APP_ID,
} from './clouds.js';
import { formatDuration } from './duration.js';

export { formatDuration };

/** The tenant of personal Microsoft accounts (MSA). */
export const MSA_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
/** Databricks rejects tokens with less than this many seconds left. */
export const DATABRICKS_MIN_SECONDS_LEFT = 30;

const KNOWN_AUDIENCES: Record<string, string> = {
  [DATABRICKS_APP_ID]: 'Azure Databricks',
  '62a912ac-b58e-4c1d-89ea-b2dbfc7358fc': 'Azure Databricks (Databricks-internal dev zone)',
  '4a67d088-db5c-48f1-9ff2-0aace800ae68': 'Azure Databricks (Databricks-internal staging zone)',
  [GRAPH_APP_ID]: 'Microsoft Graph',
  'https://graph.microsoft.com': 'Microsoft Graph',
  'https://graph.microsoft.us': 'Microsoft Graph (US Gov L4)',
  'https://dod-graph.microsoft.us': 'Microsoft Graph (US Gov L5 DoD)',
  'https://microsoftgraph.chinacloudapi.cn': 'Microsoft Graph (China)',
  '00000002-0000-0000-c000-000000000000': 'Azure AD Graph (retired)',
  'https://graph.windows.net': 'Azure AD Graph (retired)',
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': 'Azure service management (ARM)',
  'https://management.core.windows.net': 'Azure service management (ARM)',
  'https://management.azure.com': 'Azure service management (ARM)',
  'https://management.core.usgovcloudapi.net': 'Azure service management (ARM, US Gov)',
  'https://management.usgovcloudapi.net': 'Azure service management (ARM, US Gov)',
  'https://management.core.chinacloudapi.cn': 'Azure service management (ARM, China)',
  'https://management.chinacloudapi.cn': 'Azure service management (ARM, China)',
};

const KNOWN_APPS: Record<string, string> = {
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Azure CLI',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Azure PowerShell',
};

const KNOWN_ROLES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'b79fbf4d-3ef9-4689-8143-76b194e85509': 'default member role of every user',
};

const CLIENT_AUTH: Record<string, string> = {
  '0': 'public client (no client authentication)',
  '1': 'confidential client authenticated with a client secret',
  '2': 'confidential client authenticated with a certificate (or client assertion)',
};

const AMR: Record<string, string> = {
  pwd: 'password',
  rsa: 'RSA key (e.g. Windows Hello, Authenticator)',
  otp: 'one-time passcode',
  fed: 'federated identity provider',
  wia: 'Windows integrated authentication',
  mfa: 'multi-factor authentication',
  ngcmfa: 'MFA for provisioning a Windows Hello credential',
  wiaormfa: 'Windows integrated or MFA',
  kba: 'knowledge-based',
  sms: 'SMS code',
  tel: 'telephone',
  pin: 'PIN',
  fido: 'FIDO2 key',
  hwk: 'hardware-protected key',
  swk: 'software-protected key',
  face: 'face recognition',
  mca: 'multiple-channel',
  sc: 'smart card',
  user: 'user presence',
  pop: 'proof of possession',
  none: 'none',
};

/** Normalize an audience for lookup: Graph and ARM App ID URIs appear with and without the trailing slash. */
function audienceKey(aud: string): string {
  return aud.replace(/\/+$/, '');
}

/** Human name of a well-known audience (resource), or undefined. */
export function audienceName(aud: unknown): string | undefined {
  return typeof aud === 'string' ? KNOWN_AUDIENCES[audienceKey(aud)] : undefined;
}

/** Whether the audience is Azure Databricks' public resource id. */
export function isDatabricksAudience(aud: unknown): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  return list.some((a) => a === DATABRICKS_APP_ID);
}

/** One explained claim (or header member). */
export interface ClaimExplanation {
  claim: string;
  value: unknown;
  /** Short name, e.g. "expires". */
  label: string;
  /** Plain-words meaning, with the value interpreted when it is known. */
  meaning: string;
  known: boolean;
}

export interface ExplainOptions {
  /** IANA time zone for "local" times (default: the runtime's). */
  timeZone?: string | undefined;
}

interface Entry {
  label: string;
  meaning: string | ((value: unknown, c: Record<string, unknown>, now: number, o: ExplainOptions) => string);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(str);
  if (typeof v === 'string') return v.split(' ').filter(Boolean);
  return [str(v)];
}

/** "expires in 52 min" or "expired 3 h ago" for an `exp` in seconds. */
export function expiryPhrase(exp: number, now: number): string {
  const left = exp - now / 1000;
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(left)} ago`;
}

function ago(t: number, now: number, past: string, future: string): string {
  const d = t - now / 1000;
  return d > 0 ? `${future} ${formatDuration(d)}` : `${past ? `${past} ` : ''}${formatDuration(d)} ago`;
}

/** The names of UTC itself, which Intl reports as "UTC". */
const UTC_ZONES = new Set([
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'UCT',
  'Etc/UCT',
]);

/** "2025-01-01 01:21:17 UTC (02:21:17 local, Europe/Paris)". */
export function formatTime(epochSeconds: number, o: ExplainOptions = {}): string {
  const d = new Date(epochSeconds * 1000);
  if (Number.isNaN(d.getTime())) return 'an impossible time';
  const utc = d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
  // UTC needs no time-zone data: Intl.DateTimeFormat's first use costs about 8 MB and 10 ms (`npm run bench`)
  if (o.timeZone !== undefined && UTC_ZONES.has(o.timeZone)) return `${utc} (${utc.slice(0, -4)} local, UTC)`;
  let local: string;
  let zone: string;
  try {
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone: o.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
    local = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    zone = f.resolvedOptions().timeZone;
  } catch {
    return utc;
  }
  return `${utc} (${local} local, ${zone})`;
}

function timeClaim(what: string, rel: (t: number, now: number) => string): Entry['meaning'] {
  return (v, _c, now, o) =>
    typeof v === 'number' && Number.isFinite(v)
      ? `${what} ${formatTime(v, o)}: ${rel(v, now)}`
      : `${what} (not a number: malformed)`;
}

function tenantMeaning(v: unknown): string {
  if (v === MSA_TENANT_ID) return 'tenant: the personal Microsoft account (MSA) tenant';
  return `tenant (directory) id ${str(v)}`;
}

function issuerMeaning(v: unknown): string {
  const s = str(v);
  let m = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/.exec(s);
  if (m) return `issuer: Entra ID v1 token service for tenant ${m[1]} (v1 token format)`;
  m = /^(https?:\/\/[^/]+)\/([^/]+)\/v2\.0$/.exec(s);
  if (m) return `issuer: Entra ID v2 endpoint ${m[1]} for tenant ${m[2]} (v2 token format)`;
  return `issuer ${s} (another OpenID provider, not an Entra issuer)`;
}

function audMeaning(v: unknown): string {
  const names = list(v).map((a) => {
    const n = audienceName(a);
    return n ? `${n} (${a})` : a;
  });
  return `audience: the API this token is for: ${names.join(', ')}`;
}

function clientAuth(v: unknown): string {
  return `how the client app authenticated: ${CLIENT_AUTH[str(v)] ?? `unknown value ${str(v)}`}`;
}

function appMeaning(v: unknown): string {
  const n = KNOWN_APPS[str(v)];
  return `client app (application id) that requested the token${n ? `: ${n}` : ''}`;
}

const CATALOGUE: Record<string, Entry> = {
  aud: { label: 'audience', meaning: audMeaning },
  iss: { label: 'issuer', meaning: issuerMeaning },
  iat: { label: 'issued at', meaning: timeClaim('issued', (t, n) => ago(t, n, '', 'IN THE FUTURE, in')) },
  nbf: {
    label: 'not before',
    meaning: timeClaim('not valid before', (t, n) =>
      t > n / 1000 ? `NOT YET VALID for another ${formatDuration(t - n / 1000)}` : 'valid now',
    ),
  },
  exp: { label: 'expires', meaning: timeClaim('expires', (t, n) => expiryPhrase(t, n)) },
  auth_time: { label: 'signed in at', meaning: timeClaim('the user signed in', (t, n) => ago(t, n, '', 'in')) },
  xms_tcdt: { label: 'tenant created', meaning: timeClaim('the tenant was created', (t, n) => ago(t, n, '', 'in')) },
  tid: { label: 'tenant', meaning: tenantMeaning },
  oid: {
    label: 'object id',
    meaning: 'object id of the user or service principal in the tenant: the stable id to key on',
  },
  sub: {
    label: 'subject',
    meaning: (v, c) =>
      c.oid !== undefined && v === c.oid
        ? "subject: equals oid (an application's service principal)"
        : c.tid !== undefined
          ? 'subject: pairwise id of the principal, unique per app: do not compare across apps'
          : c.client_id !== undefined && v === c.client_id
            ? 'subject: the client itself (no user: an app-only token, RFC 9068)'
            : "subject: the principal's id at this issuer (iss + sub identify it, OpenID Connect Core §2)",
  },
  upn: { label: 'user principal name', meaning: 'user principal name (sign-in name; may change, do not key on it)' },
  unique_name: { label: 'unique name', meaning: 'display sign-in name of the user (v1; may change, do not key on it)' },
  preferred_username: {
    label: 'preferred username',
    meaning: 'sign-in name of the user (v2; may change, do not key on it)',
  },
  name: { label: 'name', meaning: 'display name of the user' },
  given_name: { label: 'given name', meaning: 'first name of the user' },
  family_name: { label: 'family name', meaning: 'last name of the user' },
  email: { label: 'email', meaning: 'email address (not verified by Entra for every account; do not authorize on it)' },
  appid: { label: 'client app', meaning: appMeaning },
  azp: { label: 'client app', meaning: (v) => `${appMeaning(v)} (v2 name: authorized party)` },
  appidacr: { label: 'client auth', meaning: clientAuth },
  azpacr: { label: 'client auth', meaning: clientAuth },
  app_displayname: { label: 'client app name', meaning: 'display name of the client app' },
  // RFC 9068 §2.2: the standard claims of a JWT access token from any OAuth server
  scope: {
    label: 'scopes',
    meaning: (v) => `permissions (scopes) the token carries (RFC 9068 \`scope\`): ${str(v).split(' ').join(', ')}`,
  },
  client_id: {
    label: 'client',
    meaning: (v) => `the client (application) the token was issued to (RFC 9068): ${str(v)}`,
  },
  jti: { label: 'token id', meaning: (v) => `unique identifier of this token: ${str(v)}` },
  scp: {
    label: 'scopes',
    meaning: (v) =>
      `delegated permissions (scopes) the user granted the app: ${list(v)
        .map((s) => (s === 'user_impersonation' ? 'user_impersonation (act as the user)' : s))
        .join(', ')}`,
  },
  roles: {
    label: 'roles',
    meaning: (v) => `app roles (application permissions, or user roles) granted: ${list(v).join(', ')}`,
  },
  wids: {
    label: 'directory roles',
    meaning: (v) =>
      `Entra directory role template ids of the user: ${list(v)
        .map((r) => (KNOWN_ROLES[r] ? `${r} (${KNOWN_ROLES[r]})` : r))
        .join(', ')}`,
  },
  groups: { label: 'groups', meaning: (v) => `object ids of the groups the principal belongs to (${list(v).length})` },
  hasgroups: { label: 'group overage', meaning: 'too many groups to list: ask Graph for the memberships' },
  _claim_names: {
    label: 'overage names',
    meaning: 'claims moved elsewhere because there were too many (group overage)',
  },
  _claim_sources: { label: 'overage sources', meaning: 'where to fetch the moved claims (group overage)' },
  amr: {
    label: 'auth methods',
    meaning: (v) =>
      `how the user authenticated: ${list(v)
        .map((a) => (AMR[a] ? `${a} (${AMR[a]})` : a))
        .join(', ')}`,
  },
  acr: {
    label: 'auth context class',
    meaning: (v) =>
      v === '0'
        ? 'authentication did not meet ISO/IEC 29115 level requirements ("0")'
        : v === '1'
          ? 'normal authentication ("1")'
          : `authentication context class ${str(v)}`,
  },
  acrs: {
    label: 'auth contexts',
    meaning: (v) => `Conditional Access authentication contexts satisfied: ${list(v).join(', ')}`,
  },
  idtyp: {
    label: 'token type',
    meaning: (v) =>
      v === 'app'
        ? 'app-only token (no user): client credentials'
        : v === 'user'
          ? 'token for a user (delegated)'
          : `identity type ${str(v)}`,
  },
  ver: {
    label: 'version',
    meaning: (v) =>
      `token format version ${str(v)}${v === '1.0' ? ' (v1: sts.windows.net issuer, appid/upn claims)' : v === '2.0' ? ' (v2: login host issuer, azp/preferred_username claims)' : ''}`,
  },
  ipaddr: { label: 'IP address', meaning: 'IP address the user authenticated from' },
  nonce: {
    label: 'nonce',
    meaning: 'echo of the nonce sent in the authorize request: the client must compare it (replay protection)',
  },
  uti: { label: 'token id', meaning: 'unique token identifier (Entra-internal; useful in support cases)' },
  rh: { label: 'refresh hint', meaning: 'Entra-internal value used to revalidate tokens (opaque)' },
  aio: { label: 'internal', meaning: 'Entra-internal data (opaque; ignore)' },
  sid: { label: 'session id', meaning: 'sign-in session id (for front-channel sign-out)' },
  idp: {
    label: 'identity provider',
    meaning: (v, c) =>
      typeof c.iss === 'string' && v === c.iss
        ? 'identity provider: the issuing tenant itself'
        : v === 'live.com'
          ? 'identity provider: personal Microsoft account'
          : `identity provider that authenticated the user: ${str(v)} (a guest from elsewhere, or a federated provider)`,
  },
  at_hash: {
    label: 'access token hash',
    meaning: 'hash of the access token issued with this ID token (OIDC Core §3.2.2.9)',
  },
  c_hash: { label: 'code hash', meaning: 'hash of the authorization code issued with this ID token (hybrid flow)' },
  acct: {
    label: 'account status',
    meaning: (v) =>
      v === 0 || v === '0'
        ? 'account status: member of the tenant'
        : v === 1 || v === '1'
          ? 'account status: guest in the tenant'
          : `account status ${str(v)}`,
  },
  puid: { label: 'passport id', meaning: 'Microsoft-internal user id (undocumented)' },
  onprem_sid: { label: 'on-premises SID', meaning: 'Windows security identifier synced from on-premises AD' },
  pwd_exp: { label: 'password expires', meaning: "seconds until the user's password expires" },
  pwd_url: { label: 'password URL', meaning: 'where the user can change the password' },
  in_corp: { label: 'in corporate network', meaning: 'the client signed in from the corporate network' },
  login_hint: { label: 'login hint', meaning: 'opaque value to pass as login_hint to skip account selection' },
  tenant_region_scope: { label: 'tenant region', meaning: 'region of the tenant' },
  tenant_ctry: { label: 'tenant country', meaning: 'country of the tenant' },
  ctry: { label: 'country', meaning: 'country of the user' },
  deviceid: { label: 'device id', meaning: 'Entra device id of the signed-in device' },
  cnf: { label: 'confirmation', meaning: 'proof-of-possession key confirmation (a PoP-bound token)' },
  xms_cc: {
    label: 'client capabilities',
    meaning: (v) =>
      `client capabilities${list(v).includes('cp1') ? ': cp1 = can handle Continuous Access Evaluation claims challenges' : ''}`,
  },
  xms_mirid: { label: 'managed identity', meaning: 'resource id of the managed identity the token was issued to' },
  xms_pdl: { label: 'data location', meaning: 'preferred data location of the user (multi-geo)' },
  xms_pl: { label: 'user language', meaning: 'preferred language of the user' },
  xms_tpl: { label: 'tenant language', meaning: 'preferred language of the tenant' },
};

const HEADER_CATALOGUE: Record<string, Entry> = {
  alg: {
    label: 'algorithm',
    meaning: (v) =>
      v === 'RS256'
        ? 'signature algorithm: RSA PKCS#1 v1.5 with SHA-256 (what Entra and most providers use)'
        : v === 'none'
          ? 'NO SIGNATURE (alg none): anyone could have written this token'
          : typeof v === 'string' && v.startsWith('HS')
            ? 'HMAC with a shared secret: never used by Entra ID'
            : `signature algorithm ${str(v)} (Entra signs with RS256)`,
  },
  typ: { label: 'type', meaning: 'media type of the token' },
  kid: { label: 'key id', meaning: "which key of the issuer's JWKS signed the token" },
  x5t: { label: 'thumbprint', meaning: 'SHA-1 thumbprint of the signing certificate (v1 tokens; equals kid)' },
  nonce: {
    label: 'header nonce',
    meaning:
      'Microsoft Graph quirk: the signature covers a transformed header, so clients cannot verify this token (Microsoft-owned API, proprietary format)',
  },
  jku: {
    label: 'JWKS URL',
    meaning: 'a key URL supplied by the token itself: IGNORED (keys only come from the configured Entra host)',
  },
  x5u: { label: 'cert URL', meaning: 'a certificate URL supplied by the token itself: IGNORED' },
  cty: { label: 'content type', meaning: 'content type of the payload' },
};

function explainWith(
  cat: Record<string, Entry>,
  obj: Record<string, unknown>,
  now: number,
  o: ExplainOptions,
): ClaimExplanation[] {
  return Object.entries(obj).map(([claim, value]) => {
    const e = Object.prototype.hasOwnProperty.call(cat, claim) ? cat[claim] : undefined;
    if (e) {
      const meaning = typeof e.meaning === 'string' ? e.meaning : e.meaning(value, obj, now, o);
      return { claim, value, label: e.label, meaning, known: true };
    }
    if (claim.startsWith('xms_'))
      return {
        claim,
        value,
        label: 'Microsoft extension',
        meaning: 'Microsoft extension claim (xms_*); meaning not in the catalogue',
        known: true,
      };
    return { claim, value, label: 'unknown', meaning: 'not in the catalogue', known: false };
  });
}

/** Explain every claim of a token, in token order; unknown claims are listed with `known: false`. */
export function explainClaims(
  claims: Record<string, unknown>,
  now: number,
  o: ExplainOptions = {},
): ClaimExplanation[] {
  return explainWith(CATALOGUE, claims, now, o);
}

/** Explain the JOSE header members. */
export function explainHeader(header: Record<string, unknown>, now = 0, o: ExplainOptions = {}): ClaimExplanation[] {
  return explainWith(HEADER_CATALOGUE, header, now, o);
}

export type TokenKind = 'access' | 'id';

/** Token format version from `ver`, else from the issuer's shape. */
export function tokenVersion(claims: Record<string, unknown>): '1' | '2' | undefined {
  if (claims.ver === '1.0') return '1';
  if (claims.ver === '2.0') return '2';
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  if (/^https:\/\/sts\.[^/]+\/[^/]+\/$/.test(iss)) return '1';
  if (/\/v2\.0$/.test(iss)) return '2';
  return undefined;
}

/** Access or ID token: access tokens name a client (appid/azp) or permissions; ID tokens carry nonce/at_hash and neither. */
export function tokenKind(claims: Record<string, unknown>, hint?: TokenKind): TokenKind {
  if (hint) return hint;
  // Entra's access-token claims, and RFC 9068's `scope` / `client_id` of any JWT access token
  const access = ['appid', 'scp', 'roles', 'idtyp', 'appidacr', 'azpacr', 'scope', 'client_id'].some(
    (k) => claims[k] !== undefined,
  );
  if (access) return 'access';
  // an id token: its sign-in claims, Entra's v2 shape, or `azp` naming its own audience (OpenID Connect Core §2)
  const id =
    ['nonce', 'at_hash', 'c_hash', 'auth_time'].some((k) => claims[k] !== undefined) ||
    (claims.ver === '2.0' && claims.aud !== undefined) ||
    (typeof claims.azp === 'string' &&
      (claims.aud === claims.azp || (Array.isArray(claims.aud) && claims.aud.includes(claims.azp))));
  if (id) return 'id';
  return 'access';
}

/** Whether an access token carries no user: idtyp "app", or no scp and oid == sub with no user name. */
export function isAppOnly(claims: Record<string, unknown>): boolean {
  if (claims.idtyp === 'app') return true;
  if (claims.idtyp === 'user' || claims.scp !== undefined) return false;
  // RFC 9068 §2.2: a token with no resource owner has the client as its subject
  if (typeof claims.client_id === 'string') return claims.sub === claims.client_id;
  const userName = ['upn', 'unique_name', 'preferred_username', 'name', 'email'].some((k) => claims[k] !== undefined);
  return !userName;
}

function userOf(c: Record<string, unknown>): string {
  for (const k of ['upn', 'preferred_username', 'unique_name', 'email', 'name', 'oid', 'sub']) {
    if (typeof c[k] === 'string' && c[k]) return c[k] as string;
  }
  return 'an unnamed user';
}

/** One line saying what the token is, for whom, and how long it lives. */
export function verdict(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  now: number,
  hint?: TokenKind,
): string {
  const ver = tokenVersion(claims);
  const v = ver ? ` (v${ver})` : '';
  const tid = typeof claims.tid === 'string' ? claims.tid : undefined;
  const tenant =
    tid === undefined ? '' : tid === MSA_TENANT_ID ? ' in the personal Microsoft account tenant' : ` in tenant ${tid}`;
  const exp = typeof claims.exp === 'number' ? expiryPhrase(claims.exp, now) : 'no expiry (exp missing)';
  const parts: string[] = [];
  const kind = tokenKind(claims, hint);
  const auds = Array.isArray(claims.aud) ? claims.aud.map(str) : claims.aud === undefined ? [] : [str(claims.aud)];
  if (auds.includes(ENTRA_FEDERATION_AUDIENCE)) {
    // a workload's OpenID token meant for Entra's token exchange (docs/protocol.md §14), not an access token
    parts.push(
      `federated credential assertion (workload identity federation) from ${str(claims.iss ?? 'an unknown issuer')}: ` +
        `Entra accepts it as the client assertion of an app with a federated identity credential of ` +
        `issuer "${str(claims.iss ?? '?')}", subject "${str(claims.sub ?? '?')}", audience "${ENTRA_FEDERATION_AUDIENCE}"`,
    );
    parts.push(exp);
    return parts.join(', ');
  }
  if (kind === 'id') {
    const aud = Array.isArray(claims.aud)
      ? claims.aud.map(str).join(', ')
      : claims.aud === undefined
        ? 'no app'
        : str(claims.aud);
    parts.push(`ID token${v} for ${userOf(claims)}${tenant}, issued to app ${aud}`);
  } else {
    const audRaw = Array.isArray(claims.aud)
      ? claims.aud.map(str).join(', ')
      : claims.aud === undefined
        ? undefined
        : str(claims.aud);
    const name = audienceName(claims.aud);
    const what = name ? `${name} access token${v}` : `access token${v} for audience ${audRaw ?? '(none)'}`;
    const app = str(claims.appid ?? claims.azp ?? claims.client_id ?? 'unknown');
    if (isAppOnly(claims)) {
      const roles =
        claims.roles !== undefined
          ? `roles ${list(claims.roles).join(' ')}`
          : typeof claims.scope === 'string'
            ? `scope ${claims.scope}`
            : 'no roles';
      const auth = CLIENT_AUTH[str(claims.appidacr ?? claims.azpacr)]
        ? ` (${['public client', 'client secret', 'certificate'][Number(claims.appidacr ?? claims.azpacr)]})`
        : '';
      parts.push(`${what}, app-only for app ${app}${auth}${tenant}, ${roles}`);
    } else {
      const scp =
        claims.scp !== undefined
          ? `scp ${list(claims.scp).join(' ')}`
          : typeof claims.scope === 'string'
            ? `scope ${claims.scope}`
            : 'no scp';
      parts.push(`${what} for ${userOf(claims)}${tenant}, delegated (${scp}) via app ${app}`);
    }
  }
  parts.push(exp);
  let line = parts.join(', ');
  if (header.alg === 'none') line += '; UNSIGNED (alg none)';
  if (header.nonce !== undefined) line += '; Graph header nonce: signature not verifiable by clients';
  return line;
}

/** A problem worth a warning (non-zero exit with --strict). */
export interface TokenWarning {
  code: 'audience' | 'expiring' | 'expired' | 'not_yet_valid' | 'tenant' | 'alg' | 'nonce';
  message: string;
}

export interface CheckOptions {
  /** Which API the token must be for. */
  expect?: 'databricks' | 'graph' | undefined;
  tenant?: string | undefined;
  /** Expected ID-token nonce. */
  nonce?: string | undefined;
  kind?: TokenKind | undefined;
}

/** Checks done on every inspect, without keys: audience, remaining lifetime, tenant, algorithm, nonce. */
export function tokenWarnings(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  now: number,
  o: CheckOptions = {},
): TokenWarning[] {
  const w: TokenWarning[] = [];
  const kind = tokenKind(claims, o.kind);
  const nowS = now / 1000;
  if (o.expect === 'databricks' && !isDatabricksAudience(claims.aud)) {
    w.push({
      code: 'audience',
      message: `the audience is ${str(claims.aud)}${audienceName(claims.aud) ? ` (${audienceName(claims.aud)})` : ''}, not Azure Databricks (${DATABRICKS_APP_ID}): Databricks will reject it; request scope ${DATABRICKS_APP_ID}/.default`,
    });
  }
  if (o.expect === 'graph' && !(audienceName(claims.aud) ?? '').startsWith('Microsoft Graph')) {
    w.push({
      code: 'audience',
      message: `the audience is ${str(claims.aud)}, not Microsoft Graph: request scope https://graph.microsoft.com/.default`,
    });
  }
  if (typeof claims.exp === 'number') {
    const left = claims.exp - nowS;
    if (left <= 0) w.push({ code: 'expired', message: `the token expired ${formatDuration(left)} ago` });
    else if (left < DATABRICKS_MIN_SECONDS_LEFT)
      w.push({
        code: 'expiring',
        message: `only ${Math.floor(left)} s left: Databricks rejects tokens with less than ${DATABRICKS_MIN_SECONDS_LEFT} s; refresh it`,
      });
  } else {
    w.push({ code: 'expired', message: 'the token has no numeric "exp" claim' });
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowS)
    w.push({
      code: 'not_yet_valid',
      message: `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()} (in ${formatDuration(claims.nbf - nowS)})`,
    });
  // a token from another provider has no tid at all
  const tid = typeof claims.tid === 'string' ? claims.tid : undefined;
  if (o.tenant !== undefined && tid?.toLowerCase() !== o.tenant.toLowerCase()) {
    w.push({
      code: 'tenant',
      message: `the tenant is ${claims.tid === undefined ? '(none)' : str(claims.tid)}, not ${o.tenant}`,
    });
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (alg === 'none')
    w.push({ code: 'alg', message: 'the token is unsigned (alg none): nothing in it can be trusted' });
  else if (/^HS/i.test(alg))
    w.push({
      code: 'alg',
      message: `the token is signed with ${alg} (a shared secret); Entra ID never signs with HMAC: it is not an Entra token`,
    });
  if (o.nonce !== undefined && kind === 'id' && claims.nonce !== o.nonce) {
    w.push({
      code: 'nonce',
      message:
        claims.nonce === undefined
          ? `the ID token has no "nonce" claim; expected ${o.nonce}`
          : `unexpected ID token "nonce" claim value ${str(claims.nonce)}; expected ${o.nonce}`,
    });
  }
  return w;
}
