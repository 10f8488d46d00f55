/**
 * Azure Databricks REST calls with an Entra access token: the workspace host and ARM resource id as the
 * user gives them, tenant discovery through `/aad/auth`, checks on the token before it is sent, the
 * Azure headers for principals that are not workspace users, `clusters/list` (2.0, or every page of
 * 2.1), a generic call, and every refusal shape of docs/protocol.md §9.2 turned into one EAPI error with a fix.
 */
import { challengeDetail, challengeOfResponse } from '../core/claims-challenge.js';
import { AZURE_DATABRICKS_APP_ID, AZURE_DATABRICKS_SCOPE, cloudOfHost } from '../core/clouds.js';
import { EntraTokenError, excerpt } from '../core/errors.js';
import { decodeJwtUnverified } from '../core/jwt.js';
import { assertSecureUrl, isLoopbackHost } from '../core/url-safety.js';
import { mediaType, type HttpMethod, type WireRequest, type WireResponse } from '../core/wire.js';

/** The shared transport's signature (src/io/http.ts), injected so tests and the CLI choose the client. */
export type Send = (req: WireRequest, opts?: Record<string, unknown>) => Promise<WireResponse>;

export { AZURE_DATABRICKS_APP_ID } from '../core/clouds.js';
const DATABRICKS_SCOPE = AZURE_DATABRICKS_SCOPE;
const MANAGEMENT_SCOPE = 'https://management.core.windows.net//.default';
/** Databricks refuses a token with less than this many seconds left (docs/protocol.md §9.2). */
export const MIN_TOKEN_LIFETIME_SECONDS = 30;

const RESOURCE_ID =
  /^\/subscriptions\/([^/\s]+)\/resourceGroups\/([^/\s]+)\/providers\/Microsoft\.Databricks\/workspaces\/([^/\s]+)$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Normalize a workspace host (`--host` / DATABRICKS_HOST): with or without `https://`, trailing slashes,
 * a pasted browser URL (`/?o=…`) — to its origin. Plain http only for loopback hosts (EINSECURE).
 */
export function normalizeWorkspaceHost(input: string): string {
  const raw = input.trim();
  if (raw === '')
    throw new EntraTokenError('EUSAGE', 'the workspace host is empty', {
      hint: 'pass --host https://adb-<id>.<n>.azuredatabricks.net or set DATABRICKS_HOST',
    });
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  const url = assertSecureUrl(withScheme, 'workspace host');
  if (url.username || url.password)
    throw new EntraTokenError('EUSAGE', 'the workspace host must not contain a user name or password');
  if (!url.hostname) throw new EntraTokenError('EUSAGE', `the workspace host ${JSON.stringify(raw)} has no host name`);
  return url.origin;
}

export interface ResourceIdInput {
  resourceId?: string | undefined;
  subscription?: string | undefined;
  resourceGroup?: string | undefined;
  workspace?: string | undefined;
}

/** Validate an ARM resource id of a Databricks workspace (case-insensitive, as ARM compares them). */
export function validateResourceId(id: string): string {
  const v = id.trim().replace(/\/+$/, '');
  const m = RESOURCE_ID.exec(v);
  if (!m) {
    throw new EntraTokenError('EUSAGE', `not a Databricks workspace resource id: ${JSON.stringify(excerpt(id, 160))}`, {
      hint: 'expected /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Databricks/workspaces/{workspaceName}',
    });
  }
  if (!GUID.test(m[1]!)) {
    throw new EntraTokenError(
      'EUSAGE',
      `the subscription id in the resource id is not a GUID: ${JSON.stringify(m[1])}`,
    );
  }
  return v;
}

/** Compose the workspace resource id from its three parts. */
export function composeResourceId(subscription: string, resourceGroup: string, workspace: string): string {
  for (const [name, value] of [
    ['--subscription', subscription],
    ['--resource-group', resourceGroup],
    ['--workspace', workspace],
  ] as const) {
    if (!value || /[/\s]/.test(value))
      throw new EntraTokenError('EUSAGE', `${name} must be a non-empty name without "/" or spaces`);
  }
  return validateResourceId(
    `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Databricks/workspaces/${workspace}`,
  );
}

/**
 * The resource id from `--resource-id` (or DATABRICKS_AZURE_RESOURCE_ID), or composed from
 * `--subscription`, `--resource-group` and `--workspace`; undefined when none is given.
 */
export function resolveResourceId(
  input: ResourceIdInput,
  env: Record<string, string | undefined> = {},
): string | undefined {
  const parts = [input.subscription, input.resourceGroup, input.workspace];
  const anyPart = parts.some((p) => p !== undefined);
  if (input.resourceId !== undefined && anyPart) {
    throw new EntraTokenError(
      'EUSAGE',
      '--resource-id and --subscription/--resource-group/--workspace are mutually exclusive',
    );
  }
  if (input.resourceId !== undefined) return validateResourceId(input.resourceId);
  if (anyPart) {
    if (parts.some((p) => p === undefined)) {
      throw new EntraTokenError('EUSAGE', '--subscription, --resource-group and --workspace must be given together');
    }
    return composeResourceId(input.subscription!, input.resourceGroup!, input.workspace!);
  }
  const fromEnv = env.DATABRICKS_AZURE_RESOURCE_ID;
  return fromEnv ? validateResourceId(fromEnv) : undefined;
}

/**
 * Read the workspace tenant from a `/aad/auth` answer: a 3xx whose Location is
 * `https://login.microsoftonline.com/{tenant}/oauth2/authorize?…` — the first path segment, as
 * databricks-sdk-py's `load_azure_tenant_id` reads it.
 */
export function tenantFromAadAuth(res: WireResponse, host: string): string {
  const location = res.headers.location;
  if (res.status < 300 || res.status > 399 || !location) {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `${new URL(host).host}/aad/auth answered ${res.status} without a redirect, so the workspace tenant is unknown`,
      {
        hint: 'check that --host is an Azure Databricks workspace URL',
      },
    );
  }
  let tenant: string | undefined;
  try {
    tenant = new URL(location, host).pathname.split('/')[1];
  } catch {
    tenant = undefined;
  }
  if (!tenant || !/^[A-Za-z0-9.-]+$/.test(tenant)) {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `${new URL(host).host}/aad/auth redirected to ${excerpt(location, 120)}, which names no tenant`,
    );
  }
  return tenant;
}

/** Find the workspace's Entra tenant: `GET {host}/aad/auth` without following the redirect. */
export async function discoverWorkspaceTenant(
  host: string,
  send: Send,
  sendOptions: Record<string, unknown> = {},
): Promise<string> {
  const origin = normalizeWorkspaceHost(host);
  const res = await send({ method: 'GET', url: `${origin}/aad/auth`, headers: {}, idempotent: true }, sendOptions);
  return tenantFromAadAuth(res, origin);
}

/**
 * The Entra authority a workspace names in its `/aad/auth` redirect, `{origin}/{tenant}`, for `login --host`.
 * The sign-in host is trusted only when it is a known Entra cloud host (docs/protocol.md §7), or, for a
 * loopback workspace (the emulator), a loopback host: a workspace URL alone must not be able to send the user's
 * password to a host of its choosing.
 */
export function authorityFromAadAuth(res: WireResponse, host: string): { origin: string; tenant: string } {
  const tenant = tenantFromAadAuth(res, host);
  const location = new URL(res.headers.location ?? '', host);
  const workspaceLoopback = isLoopbackHost(new URL(host).hostname);
  const trusted =
    cloudOfHost(location.hostname) !== undefined || (workspaceLoopback && isLoopbackHost(location.hostname));
  if (!trusted || (location.protocol !== 'https:' && !isLoopbackHost(location.hostname)))
    throw new EntraTokenError(
      'EINSECURE',
      `${new URL(host).host}/aad/auth sends sign-ins to ${location.origin}, which is not a Microsoft Entra host`,
      { hint: 'check --host; to sign in anyway, name the authority yourself with --tenant or --authority' },
    );
  return { origin: location.origin, tenant };
}

/** Find the workspace's sign-in authority: `GET {host}/aad/auth` without following the redirect. */
export async function discoverWorkspaceAuthority(
  host: string,
  send: Send,
  sendOptions: Record<string, unknown> = {},
): Promise<{ origin: string; tenant: string }> {
  const origin = normalizeWorkspaceHost(host);
  const res = await send({ method: 'GET', url: `${origin}/aad/auth`, headers: {}, idempotent: true }, sendOptions);
  return authorityFromAadAuth(res, origin);
}

/** True for a Databricks personal access token (sent as is; no JWT checks apply). */
export function isPersonalAccessToken(token: string): boolean {
  return /^dapi[0-9a-f]{32}(-\d+)?$/i.test(token.trim());
}

/**
 * Check a token before sending it (no signature check: only the claims Databricks will refuse):
 * `aud` is Azure Databricks, more than 30 s left, and `tid` is the workspace's tenant when known.
 * Throws ECLAIM with the fix; EBAD_INPUT when the token is not a JWT.
 */
export function checkWorkspaceToken(
  token: string,
  opts: { nowMs: number; workspaceTenant?: string | undefined },
): void {
  if (isPersonalAccessToken(token)) return;
  const { claims } = decodeJwtUnverified(token);
  const aud = claims.aud;
  if (aud !== AZURE_DATABRICKS_APP_ID) {
    throw new EntraTokenError(
      'ECLAIM',
      `the token's audience is ${JSON.stringify(aud)}, not Azure Databricks (${AZURE_DATABRICKS_APP_ID})`,
      {
        hint: `request a token with scope ${DATABRICKS_SCOPE}`,
        detail: { claim: 'aud', expected: AZURE_DATABRICKS_APP_ID, actual: aud },
      },
    );
  }
  if (typeof claims.exp === 'number') {
    const left = claims.exp - Math.floor(opts.nowMs / 1000);
    if (left <= MIN_TOKEN_LIFETIME_SECONDS) {
      throw new EntraTokenError(
        'ECLAIM',
        left <= 0
          ? `the token expired ${-left} s ago`
          : `the token expires in ${left} s; Databricks refuses tokens with ${MIN_TOKEN_LIFETIME_SECONDS} s or less left`,
        {
          hint: 'get a new access token (refresh, or sign in again)',
          detail: { claim: 'exp', expected: `> now + ${MIN_TOKEN_LIFETIME_SECONDS}`, actual: claims.exp },
        },
      );
    }
  }
  if (
    opts.workspaceTenant &&
    GUID.test(opts.workspaceTenant) &&
    typeof claims.tid === 'string' &&
    claims.tid.toLowerCase() !== opts.workspaceTenant.toLowerCase()
  ) {
    throw new EntraTokenError(
      'ECLAIM',
      `the token is from tenant ${claims.tid}, but the workspace belongs to tenant ${opts.workspaceTenant}`,
      {
        hint: `sign in with the workspace's tenant as authority (…/${opts.workspaceTenant}); a guest needs a token from the resource tenant`,
        detail: { claim: 'tid', expected: opts.workspaceTenant, actual: claims.tid },
      },
    );
  }
}

/** What Databricks said, from any of the body shapes of docs/protocol.md §9.2. */
export interface WorkspaceErrorBody {
  status: number;
  error_code?: string | number | undefined;
  message: string;
  reasonPhrase?: string | undefined;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Parse a workspace error body as databricks-sdk-py's deserializer does: JSON `{error_code, message}`
 * (numeric or string code), API-1.2 `{"error": …}`, SCIM `{detail, status}`, HTML `<pre>` then `<title>`,
 * plain `ERROR_CODE: message`, or the text itself.
 */
export function parseWorkspaceError(res: WireResponse): WorkspaceErrorBody {
  const reasonPhrase = res.headers['x-databricks-reason-phrase'];
  const text = res.body.trim();
  const base = { status: res.status, reasonPhrase };
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      if (typeof j.message === 'string' || j.error_code !== undefined) {
        return {
          ...base,
          error_code: j.error_code as string | number | undefined,
          message: String(j.message ?? reasonPhrase ?? ''),
        };
      }
      if (typeof j.error === 'string') return { ...base, message: j.error };
      if (typeof j.detail === 'string')
        return { ...base, error_code: j.scimType as string | undefined, message: j.detail };
    } catch {
      // not JSON after all: fall through to text
    }
  }
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(text);
  if (pre) return { ...base, message: decodeEntities(pre[1]!).trim() };
  const title = /<title>([\s\S]*?)<\/title>/i.exec(text);
  if (title)
    return {
      ...base,
      message: decodeEntities(title[1]!)
        .replace(/^Error \d{3}\s*/, '')
        .trim(),
    };
  const plain = /^([A-Z][A-Z_]+): ([\s\S]+)$/.exec(text);
  if (plain) return { ...base, error_code: plain[1], message: plain[2]!.trim() };
  return { ...base, message: text || reasonPhrase || `HTTP ${res.status}` };
}

/** What was sent, so the hint can say what is missing. */
export interface SentContext {
  method: string;
  path: string;
  resourceIdSent: boolean;
  managementTokenSent: boolean;
  /** The token's kind, from its claims: a user (delegated) or an app (service principal). */
  principal?: 'user' | 'app' | undefined;
}

/** Turn a workspace refusal into an EAPI error: one line naming the call, the server's words, and the fix. */
export function workspaceError(res: WireResponse, sent: SentContext): EntraTokenError {
  const e = parseWorkspaceError(res);
  const msg = e.message;
  const code = e.error_code !== undefined && typeof e.error_code === 'string' ? `${e.error_code}: ` : '';
  const message = `Databricks refused ${sent.method} ${sent.path} (${res.status}): ${code}${excerpt(msg, 240)}`;
  let hint: string | undefined;
  const challenge = challengeOfResponse(res);
  if (challenge) {
    // Continuous Access Evaluation / Conditional Access: a new token with these claims (docs/protocol.md §15)
    const c = challengeDetail(challenge);
    return new EntraTokenError('EAPI', message.replace(/\): /, '): a claims challenge (insufficient_claims): '), {
      hint: c.hint,
      detail: { status: res.status, error_code: e.error_code, message: msg, path: sent.path, ...c.detail },
    });
  }
  if (
    /JWT has expired|Token is expired|ExpiredJwtException|JWT expired|token expired|expiring within 30 seconds/i.test(
      msg,
    )
  ) {
    hint = 'the access token has expired (or has less than 30 s left): get a new token and try again';
  } else if (/Expected aud claim/i.test(msg)) {
    hint = `the token is for another resource: request one with scope ${DATABRICKS_SCOPE}`;
  } else if (/Expected iss claim|tenant/i.test(msg) && res.status === 400) {
    hint =
      "the token comes from another tenant: sign in with the workspace's tenant as authority (`GET <host>/aad/auth` names it)";
  } else if (/Credential was not sent/i.test(msg)) {
    hint = `no bearer token reached the workspace: pass an Entra access token (scope ${AZURE_DATABRICKS_SCOPE})`;
  } else if (/User not authorized/i.test(msg)) {
    if (!sent.resourceIdSent) {
      hint =
        sent.principal === 'app'
          ? 'this service principal is not a user of the workspace: add it to the workspace, or, if it is Contributor/Owner on the Azure resource, pass --resource-id and --sp-management-token (a token for https://management.core.windows.net/ from the same app)'
          : 'this identity is not a user of the workspace: ask an admin to add it, or, if you are Contributor/Owner on the Azure resource (a workspace admin), pass --resource-id';
    } else if (sent.principal === 'app' && !sent.managementTokenSent) {
      hint = `a service principal that is not a workspace user also needs --sp-management-token: a token for ${MANAGEMENT_SCOPE} obtained by the same app`;
    } else {
      hint =
        'the identity is neither a workspace user nor Contributor/Owner on this Azure Databricks resource: ask a workspace admin to add it';
    }
  } else if (/Invalid access token/i.test(msg)) {
    hint =
      "the workspace did not accept the token (bad signature, another tenant's keys, or a PAT of another workspace): get a new Entra token for Azure Databricks";
  } else if (/management token/i.test(msg)) {
    hint = `pass --sp-management-token with a token for ${MANAGEMENT_SCOPE} obtained by the same service principal`;
  } else if (/X-Databricks-Azure-Workspace-Resource-Id|resource ID/i.test(msg)) {
    hint =
      'check --resource-id: /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Databricks/workspaces/{workspaceName} of this workspace';
  } else if (res.status === 404 && e.error_code === undefined && !res.headers['x-databricks-reason-phrase']) {
    // a workspace's 404 carries a Databricks error_code; this one does not: the host is not a workspace
    hint = /error_description|login\.microsoftonline|login\.windows|AADSTS/i.test(res.body)
      ? 'this is Entra ID (the authority), not a workspace: --host takes the workspace URL, https://adb-<id>.<n>.azuredatabricks.net'
      : 'this server is not an Azure Databricks workspace (its 404 has no Databricks error): check --host, e.g. https://adb-<id>.<n>.azuredatabricks.net';
  } else if (e.error_code === 'ENDPOINT_NOT_FOUND' || res.status === 404) {
    hint = 'check the API path and version, e.g. /api/2.1/clusters/list';
  } else if (res.status === 429 || res.status >= 500) {
    hint = 'the workspace is busy or unavailable: try again later';
  }
  return new EntraTokenError('EAPI', message, {
    ...(hint === undefined ? {} : { hint }),
    detail: { status: res.status, error_code: e.error_code, message: msg, path: sent.path },
  });
}

export interface WorkspaceClientOptions {
  host: string;
  token: string;
  send: Send;
  /** The ARM resource id, sent as X-Databricks-Azure-Workspace-Resource-Id. */
  resourceId?: string | undefined;
  /** An Azure management token of the same SP, sent as X-Databricks-Azure-SP-Management-Token. */
  spManagementToken?: string | undefined;
  /** Passed to every `send` (trace, signal, timeout). */
  sendOptions?: Record<string, unknown>;
}

export type ClusterDetails = Record<string, unknown> & { cluster_id: string };

/** A workspace API client bound to one host and token. */
export class WorkspaceClient {
  readonly host: string;
  private readonly opts: WorkspaceClientOptions;

  constructor(opts: WorkspaceClientOptions) {
    this.host = normalizeWorkspaceHost(opts.host);
    if (opts.resourceId !== undefined) validateResourceId(opts.resourceId);
    this.opts = opts;
  }

  private principal(): 'user' | 'app' | undefined {
    if (isPersonalAccessToken(this.opts.token)) return 'user';
    try {
      const { claims } = decodeJwtUnverified(this.opts.token);
      return claims.scp === undefined && (claims.idtyp === 'app' || claims.upn === undefined) ? 'app' : 'user';
    } catch {
      return undefined;
    }
  }

  /** The request value for `method path` with optional JSON data (query string for GET, as the Databricks CLI does). */
  buildRequest(method: HttpMethod, path: string, data?: unknown): WireRequest {
    if (!path.startsWith('/') || path.startsWith('//') || /^\/[^/]*:/.test(path)) {
      throw new EntraTokenError(
        'EUSAGE',
        `the API path must start with a single "/", e.g. /api/2.0/clusters/list; got ${JSON.stringify(excerpt(path, 80))}`,
      );
    }
    const url = new URL(path, this.host);
    if (url.origin !== this.host) throw new EntraTokenError('EUSAGE', 'the API path must stay on the workspace host');
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' };
    if (this.opts.resourceId) headers['x-databricks-azure-workspace-resource-id'] = this.opts.resourceId;
    if (this.opts.spManagementToken) headers['x-databricks-azure-sp-management-token'] = this.opts.spManagementToken;
    let body: string | undefined;
    if (data !== undefined && data !== null) {
      if (method === 'GET' || method === 'DELETE' || method === 'HEAD') {
        if (typeof data !== 'object' || Array.isArray(data))
          throw new EntraTokenError('EUSAGE', `--data for ${method} must be a JSON object (sent as query parameters)`);
        for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
          for (const item of Array.isArray(v) ? v : [v])
            url.searchParams.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
        }
      } else {
        body = JSON.stringify(data);
        headers['content-type'] = 'application/json';
      }
    }
    return {
      method,
      url: url.toString(),
      headers,
      ...(body === undefined ? {} : { body }),
      idempotent: method === 'GET' || method === 'HEAD',
    };
  }

  /** Call any workspace API: returns the parsed JSON answer ({} for an empty body); EAPI on refusal. */
  async call(method: HttpMethod, path: string, data?: unknown): Promise<unknown> {
    const req = this.buildRequest(method, path, data);
    const res = await this.opts.send(req, this.opts.sendOptions ?? {});
    const sentPath = new URL(req.url).pathname;
    if (res.status < 200 || res.status > 299) {
      throw workspaceError(res, {
        method,
        path: sentPath,
        resourceIdSent: Boolean(this.opts.resourceId),
        managementTokenSent: Boolean(this.opts.spManagementToken),
        principal: this.principal(),
      });
    }
    if (res.body.trim() === '') return {};
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new EntraTokenError(
        'EBAD_RESPONSE',
        `${method} ${sentPath} answered ${res.status} (${mediaType(res) || 'no content type'}) with a body that is not JSON: ${excerpt(res.body, 200)}`,
      );
    }
  }

  /**
   * List clusters: API 2.1 following `next_page_token` until it is empty or missing (default), or the
   * unpaged API 2.0 (docs/protocol.md §9.3). `{}` means no clusters.
   */
  async listClusters(
    opts: { apiVersion?: '2.0' | '2.1'; pageSize?: number; maxPages?: number } = {},
  ): Promise<ClusterDetails[]> {
    if (opts.apiVersion === '2.0') {
      const body = (await this.call('GET', '/api/2.0/clusters/list')) as { clusters?: ClusterDetails[] };
      return body.clusters ?? [];
    }
    const all: ClusterDetails[] = [];
    const seen = new Set<string>();
    let token = '';
    for (let page = 0; page < (opts.maxPages ?? 1000); page++) {
      const query: Record<string, unknown> = {};
      if (opts.pageSize) query.page_size = opts.pageSize;
      if (token) query.page_token = token;
      const body = (await this.call(
        'GET',
        '/api/2.1/clusters/list',
        Object.keys(query).length ? query : undefined,
      )) as {
        clusters?: ClusterDetails[];
        next_page_token?: string;
      };
      all.push(...(body.clusters ?? []));
      token = body.next_page_token ?? '';
      if (!token) return all;
      if (seen.has(token))
        throw new EntraTokenError('EBAD_RESPONSE', 'clusters/list returned the same next_page_token twice; stopping');
      seen.add(token);
    }
    throw new EntraTokenError('EBAD_RESPONSE', `clusters/list did not end after ${opts.maxPages ?? 1000} pages`);
  }
}
