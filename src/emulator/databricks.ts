/**
 * An emulated Azure Databricks workspace: the tenant-discovery redirects tools use (`/aad/auth`,
 * `/oidc/oauth2/v2.0/authorize`), `clusters/list` in API 2.0 and 2.1 (paged), and the workspace's
 * refusals in the shapes real workspaces have been seen to answer (docs/protocol.md §9). Bearer tokens are
 * verified against the Entra emulator's published keys like a real resource server would.
 *
 * Faithfulness notes (what is observed vs. inferred, docs/protocol.md §9.2):
 * - no/unsupported credential → 401 `{"error_code":401,"message":"Credential was not sent ... [ReqId: …]"}` [observed]
 * - bad signature / not a JWT → 403 Jetty HTML "Invalid access token." [observed, legacy]
 * - wrong `aud` → 400 Jetty HTML `io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: …` [observed]
 * - expired → 403 `{"error_code":403,"message":"JWT has expired"}` + `X-Databricks-Reason-Phrase` [observed 2024]
 * - expiring within 30 s → 403 with "Token is expiring within 30 seconds. (token expired)" [observed text;
 *   the JSON envelope with a numeric error_code is inferred from the expired case]
 * - token from another tenant → 400 Jetty HTML `IncorrectClaimException: Expected iss claim to be: …` [inferred
 *   from the aud case; the real wording for a foreign tenant was not found]
 * - principal unknown to the workspace, or not a workspace user and without the Azure headers it needs →
 *   403 Jetty HTML "User not authorized." [observed]
 * - malformed `X-Databricks-Azure-Workspace-Resource-Id` → 400 `INVALID_PARAMETER_VALUE`; a resource id of
 *   another workspace or a bad management token → 403 `PERMISSION_DENIED` JSON [inferred: not found]
 * - unknown API path → 404 `{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for 'GET /…'"}` [inferred
 *   from the standard error envelope; the message mirrors what workspaces print for unknown routes]
 * - `/aad/auth` redirects to `{authorityHost}/{tid}/oauth2/authorize?…`: the emulator uses its own Entra
 *   URL as authorityHost (default https://login.microsoftonline.com when run alone), so a client extracts
 *   the tenant from the first path segment exactly as databricks-sdk-py's `load_azure_tenant_id` does.
 * - Real workspaces auto-add an Azure Contributor/Owner as a workspace user after its first call with the
 *   Azure headers; here that is opt-in (`autoProvision`) so tests do not depend on call order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workspaceApi } from './databricks-api.js';
import { bearerOf, drain, keyGetter, requestId, send, serveExtra, verifySignature, type KeySource } from './bearer.js';
import { DATABRICKS_APP_ID, DEFAULT_IDS } from './directory.js';
import {
  defaultPrincipals,
  DEFAULT_RESOURCE_ID,
  seedClusters,
  type ClusterDetails,
  type WorkspacePrincipal,
} from './databricks-seed.js';
import type { ExtraServer } from './index.js';

export { defaultPrincipals, DEFAULT_RESOURCE_ID, seedClusters };
export type { ClusterDetails, WorkspacePrincipal };

/** Audiences Databricks accepts for `X-Databricks-Azure-SP-Management-Token` (public cloud). */
export const MANAGEMENT_AUDIENCES = [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
];

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Databricks/workspaces/{name}`, any case. */
export const RESOURCE_ID_PATTERN =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.databricks\/workspaces\/[^/]+$/i;

export interface WorkspaceServerOptions {
  /** The workspace's Entra tenant. */
  tenantId: string;
  /** Where to get the issuer's signing keys. */
  keys: KeySource;
  /** Entra host for the discovery redirects, without a trailing slash. */
  authorityHost?: string;
  /** The workspace's ARM resource id (what the resource-id header must name). */
  resourceId?: string;
  /** Who may call. Default {@link defaultPrincipals} with no app. */
  principals?: WorkspacePrincipal[];
  /** Default {@link seedClusters}(). */
  clusters?: ClusterDetails[];
  /** The emulator clock, milliseconds since the epoch. */
  now?: () => number;
  /** Add a role holder as a workspace user after its first call with valid Azure headers (real behaviour). */
  autoProvision?: boolean;
  /** A CAE claims challenge (base64) for a token's claims, or undefined (docs/protocol.md §15). */
  claimsChallenge?: (claims: Record<string, unknown>) => string | undefined;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html;charset=utf-8';
const DEFAULT_PAGE_SIZE = 100;

interface Refusal {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  html?: { title: string; reason: string };
}

/** A Jetty error page as legacy Databricks front ends answer (docs/protocol.md §9.2). */
export function jettyPage(status: number, path: string, reason: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n' +
    `<title>Error ${status} ${esc(reason)}</title>\n</head>\n<body><h2>HTTP ERROR ${status}</h2>\n` +
    `<p>Problem accessing ${esc(path)}. Reason:\n<pre>    ${esc(reason)}</pre></p>\n</body>\n</html>\n`
  );
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function parsePageToken(token: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    return typeof v.offset === 'number' && Number.isInteger(v.offset) && v.offset >= 0 ? v.offset : undefined;
  } catch {
    return undefined;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Build the workspace's request handler. */
export function createWorkspaceHandler(
  opts: WorkspaceServerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const getKey = keyGetter(opts.keys);
  const now = opts.now ?? (() => Date.now());
  const authorityHost = (opts.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  const resourceId = opts.resourceId ?? DEFAULT_RESOURCE_ID;
  const principals = (opts.principals ?? defaultPrincipals()).map((p) => ({ ...p }));
  const clusters = opts.clusters ?? seedClusters();
  const issuer = `https://sts.windows.net/${opts.tenantId}/`;

  const write = (res: ServerResponse, path: string, r: Refusal | { status: number; json: unknown }) => {
    const headers: Record<string, string> = { server: 'databricks', ...('headers' in r ? r.headers : {}) };
    if ('html' in r && r.html) {
      send(res, r.status, { ...headers, 'content-type': HTML_TYPE }, jettyPage(r.status, path, r.html.reason));
    } else {
      send(res, r.status, { ...headers, 'content-type': JSON_TYPE }, JSON.stringify(r.json));
    }
  };

  const findPrincipal = (claims: Record<string, unknown>): WorkspacePrincipal | undefined => {
    const appOnly = claims.scp === undefined && (claims.idtyp === 'app' || !isString(claims.upn ?? claims.unique_name));
    const names = [claims.upn, claims.unique_name, claims.preferred_username]
      .filter(isString)
      .map((s) => s.toLowerCase());
    const app = [claims.appid, claims.azp].find(isString)?.toLowerCase();
    return principals.find((p) => {
      if (p.oid && isString(claims.oid) && p.oid.toLowerCase() === claims.oid.toLowerCase()) return true;
      if (appOnly) return p.appId !== undefined && p.appId.toLowerCase() === app;
      return p.upn !== undefined && names.includes(p.upn.toLowerCase());
    });
  };

  /** The authentication and authorization of one /api/ request: the caller when allowed. */
  const authorize = async (
    req: IncomingMessage,
    _path: string,
  ): Promise<Refusal | { principal: WorkspacePrincipal; claims: Record<string, unknown> }> => {
    const token = bearerOf(req);
    if (!token) {
      return {
        status: 401,
        json: {
          error_code: 401,
          message: `Credential was not sent or was of an unsupported type for this API. [ReqId: ${requestId()}]`,
        },
      };
    }
    const invalid: Refusal = { status: 403, html: { title: 'Invalid access token.', reason: 'Invalid access token.' } };
    const verified = await verifySignature(token, getKey);
    if (!verified) return invalid;
    const c = verified.payload;
    const nowSec = Math.floor(now() / 1000);

    if (c.aud !== DATABRICKS_APP_ID) {
      const reason = `io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: ${DATABRICKS_APP_ID}, but was: ${String(c.aud)}.`;
      return { status: 400, html: { title: reason, reason } };
    }
    if (typeof c.exp !== 'number') return invalid;
    if (c.exp <= nowSec) {
      return {
        status: 403,
        headers: { 'x-databricks-reason-phrase': 'JWT has expired' },
        json: { error_code: 403, message: 'JWT has expired' },
      };
    }
    if (c.exp - nowSec < 30) {
      const message = 'Token is expiring within 30 seconds. (token expired)';
      return { status: 403, headers: { 'x-databricks-reason-phrase': message }, json: { error_code: 403, message } };
    }
    if (typeof c.nbf === 'number' && c.nbf > nowSec + 300) return invalid;
    if (c.iss !== issuer || c.tid !== opts.tenantId) {
      const reason = `io.jsonwebtoken.IncorrectClaimException: Expected iss claim to be: ${issuer}, but was: ${String(c.iss)}.`;
      return { status: 400, html: { title: reason, reason } };
    }
    const claims = opts.claimsChallenge?.(c);
    if (claims) {
      // Continuous Access Evaluation after a revocation [inferred: the workspace's wording is not public].
      return {
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="", error="insufficient_claims", error_description="The token was issued before the user's sessions were revoked.", claims="${claims}"`,
        },
        json: {
          error_code: 401,
          message: `Token was issued before the user's sessions were revoked. [ReqId: ${requestId()}]`,
        },
      };
    }

    const notAuthorized: Refusal = {
      status: 403,
      html: { title: 'User not authorized.', reason: 'User not authorized.' },
    };
    const sentResourceId = req.headers['x-databricks-azure-workspace-resource-id'];
    if (typeof sentResourceId === 'string' && !RESOURCE_ID_PATTERN.test(sentResourceId.trim())) {
      return {
        status: 400,
        json: {
          error_code: 'INVALID_PARAMETER_VALUE',
          message: `Invalid resource ID in header X-Databricks-Azure-Workspace-Resource-Id: expected /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Databricks/workspaces/{workspaceName}`,
        },
      };
    }
    const principal = findPrincipal(c);
    if (!principal) return notAuthorized;
    if (principal.workspaceUser) return { principal, claims: c };
    if (!principal.azureRole || typeof sentResourceId !== 'string') return notAuthorized;
    if (sentResourceId.trim().toLowerCase() !== resourceId.toLowerCase()) {
      return {
        status: 403,
        json: {
          error_code: 'PERMISSION_DENIED',
          message: 'The resource ID in X-Databricks-Azure-Workspace-Resource-Id does not match this workspace.',
        },
      };
    }
    const appOnly = principal.appId !== undefined && principal.upn === undefined;
    if (appOnly) {
      const mgmt = req.headers['x-databricks-azure-sp-management-token'];
      if (typeof mgmt !== 'string' || mgmt.trim() === '') return notAuthorized;
      const problem = await checkManagementToken(mgmt.trim(), c);
      if (problem) {
        return {
          status: 403,
          json: { error_code: 'PERMISSION_DENIED', message: `Invalid Azure management token: ${problem}` },
        };
      }
    }
    if (opts.autoProvision) principal.workspaceUser = true;
    return { principal, claims: c };
  };

  const checkManagementToken = async (mgmt: string, bearer: Record<string, unknown>): Promise<string | undefined> => {
    const v = await verifySignature(mgmt, getKey);
    if (!v) return 'signature validation failed.';
    const m = v.payload;
    if (!MANAGEMENT_AUDIENCES.includes(String(m.aud))) {
      return `expected aud claim to be: https://management.core.windows.net/, but was: ${String(m.aud)}.`;
    }
    if (typeof m.exp !== 'number' || m.exp <= Math.floor(now() / 1000)) return 'the token has expired.';
    if (m.tid !== opts.tenantId) return 'the token was issued by another tenant.';
    if (String(m.appid ?? m.azp).toLowerCase() !== String(bearer.appid ?? bearer.azp).toLowerCase()) {
      return 'the token was issued to another client than the bearer token.';
    }
    return undefined;
  };

  const listClusters = (version: '2.0' | '2.1', url: URL): Refusal | { status: number; json: unknown } => {
    if (version === '2.0') return { status: 200, json: clusters.length ? { clusters } : {} };
    const badParam = (message: string): Refusal => ({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message },
    });
    const ps = url.searchParams.get('page_size');
    let size = DEFAULT_PAGE_SIZE;
    if (ps !== null && ps !== '') {
      if (!/^\d+$/.test(ps)) return badParam(`Invalid value for page_size: ${ps}`);
      size = Number(ps) === 0 ? DEFAULT_PAGE_SIZE : Math.min(Number(ps), DEFAULT_PAGE_SIZE);
    }
    let offset = 0;
    const pt = url.searchParams.get('page_token');
    if (pt !== null && pt !== '') {
      const o = parsePageToken(pt);
      if (o === undefined) return badParam('Invalid page token');
      offset = o;
    }
    if (clusters.length === 0) return { status: 200, json: {} };
    const page = clusters.slice(offset, offset + size);
    const next = offset + size < clusters.length ? pageToken(offset + size) : '';
    const prev = offset > 0 ? pageToken(Math.max(0, offset - size)) : '';
    return { status: 200, json: { clusters: page, next_page_token: next, prev_page_token: prev } };
  };

  return (req, res) => {
    void (async () => {
      await drain(req);
      const url = new URL(req.url ?? '/', 'http://workspace.invalid');
      const path = url.pathname;
      const host = req.headers.host ?? 'localhost';
      if (req.method === 'GET' && path === '/aad/auth') {
        const q = new URLSearchParams({
          response_type: 'code',
          client_id: DATABRICKS_APP_ID,
          redirect_uri: `https://${host}/aad/redirect`,
          state: requestId(),
        });
        send(
          res,
          302,
          { server: 'databricks', location: `${authorityHost}/${opts.tenantId}/oauth2/authorize?${q}` },
          '',
        );
        return;
      }
      if (req.method === 'GET' && path === '/oidc/oauth2/v2.0/authorize') {
        send(
          res,
          302,
          {
            server: 'databricks',
            location: `${authorityHost}/${opts.tenantId}/oauth2/v2.0/authorize${url.search}`,
          },
          '',
        );
        return;
      }
      if (!path.startsWith('/api/')) {
        send(res, 404, { server: 'databricks', 'content-type': HTML_TYPE }, jettyPage(404, path, 'Not Found'));
        return;
      }
      const auth = await authorize(req, path);
      if ('status' in auth) return write(res, path, auth);
      const m = /^\/api\/(2\.0|2\.1)\/clusters\/list\/?$/.exec(path);
      if (req.method === 'GET' && m) return write(res, path, listClusters(m[1] as '2.0' | '2.1', url));
      const api = workspaceApi(req.method ?? 'GET', path);
      if (api) return write(res, path, api({ url, principal: auth.principal, claims: auth.claims, clusters }));
      const route = path.replace(/^\/api\/\d+\.\d+/, '');
      write(res, path, {
        status: 404,
        json: { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${req.method ?? 'GET'} ${route}'` },
      });
    })().catch((e: unknown) => {
      send(
        res,
        500,
        { server: 'databricks', 'content-type': JSON_TYPE },
        JSON.stringify({
          error_code: 'INTERNAL_ERROR',
          message: e instanceof Error ? e.message : String(e),
        }),
      );
    });
  };
}

/** A node http server (not yet listening) for the workspace. */
export function createWorkspaceServer(opts: WorkspaceServerOptions): Server {
  return createServer(createWorkspaceHandler(opts));
}

/** Listen on 127.0.0.1 (ephemeral port by default) and return the server's base URL. */
export async function listenLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Close a server, ending idle keep-alive sockets so tests do not hang. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/**
 * The workspace as an extra server of `startEmulator` (sets `workspace_url` and `workspace_resource_id`).
 * Tokens are verified with the emulator's signing key handed over directly (the same public key its JWKS
 * publishes), so the workspace's checks neither appear in the Entra request log nor trip faults armed on
 * "jwks". Seed: alice is a workspace user; bob@contoso.com (a directory user) is an Owner of the Azure
 * resource but not a workspace user — the "workspace admin" who must send the resource-id header; the
 * confidential app's service principal is a Contributor but not a workspace user (both Azure headers).
 */
export const workspaceExtraServer: ExtraServer = async (core) => {
  const confidential = core.directory.apps.find((a) => a.client_id === DEFAULT_IDS.confidential_client_id)?.client_id;
  const handler = createWorkspaceHandler({
    tenantId: core.tenantId,
    keys: { getKey: async () => core.signingKey.publicKey },
    authorityHost: core.url,
    resourceId: DEFAULT_RESOURCE_ID,
    principals: [
      ...defaultPrincipals({
        adminUpn: 'bob@contoso.com',
        ...(confidential ? { confidentialClientId: confidential } : {}),
      }),
      // automation identities added to the workspace as service principals (docs/protocol.md §13, §14)
      ...core.directory.apps
        .filter((a) => a.managed_identity || a.federated_credentials)
        .map((a) => ({ appId: a.client_id, displayName: a.display_name, workspaceUser: true })),
    ],
    now: core.now,
    claimsChallenge: core.claimsChallenge,
  });
  const s = await serveExtra(core, 'workspace', handler);
  return { info: { workspace_url: s.url, workspace_resource_id: DEFAULT_RESOURCE_ID }, close: s.close };
};
