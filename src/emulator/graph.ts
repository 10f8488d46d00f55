/**
 * An emulated Microsoft Graph: `GET /v1.0/users` with the default property set, `@odata.context`,
 * `$top` and `@odata.nextLink` paging by `$skiptoken` (docs/protocol.md §10), and Graph's error envelope
 * `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`.
 *
 * Authorization: an app-only token needs the application role `User.Read.All` or `Directory.Read.All`;
 * a delegated token needs `User.Read.All`, `User.ReadBasic.All` or `Directory.Read.All` in `scp` (as the
 * doc's permission table says). Anything else valid → 403 `Authorization_RequestDenied`.
 * 401 `InvalidAuthenticationToken` for a missing, unverifiable, wrong-audience or expired token; messages:
 * "Access token has expired or is not yet valid." [observed]; "Access token is empty." and
 * "Access token validation failure. Invalid audience." [inferred: Graph's wording as commonly reported, not
 * in docs/protocol.md §10].
 *
 * Graph tokens carry a `nonce` in their JWT header (§6.4); signatures are checked as {@link verifySignature}
 * documents (as issued, then with the header's nonce replaced by BASE64URL(SHA-256(nonce))).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bearerOf, drain, keyGetter, requestId, send, serveExtra, verifySignature, type KeySource } from './bearer.js';
import type { DirectoryConfig } from './directory.js';
import type { ExtraServer } from './index.js';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_AUDIENCES = [GRAPH_APP_ID, 'https://graph.microsoft.com', 'https://graph.microsoft.com/'];
const APP_ROLES = ['User.Read.All', 'Directory.Read.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'];
const DELEGATED_SCOPES = [
  'User.Read.All',
  'User.ReadBasic.All',
  'Directory.Read.All',
  'User.ReadWrite.All',
  'Directory.ReadWrite.All',
];

/** A user with Graph's default property set, in Graph's property order. */
export interface GraphUser {
  businessPhones: string[];
  displayName: string | null;
  givenName: string | null;
  jobTitle: string | null;
  mail: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  surname: string | null;
  userPrincipalName: string;
  id: string;
}

export interface GraphServerOptions {
  /** The directory's tenant: tokens from other tenants are refused. */
  tenantId: string;
  keys: KeySource;
  /** Default {@link seedGraphUsers}(). */
  users?: GraphUser[];
  /** Emulator clock, ms since the epoch. */
  now?: () => number;
  /** A CAE claims challenge (base64) for a token's claims, or undefined (docs/protocol.md §15). */
  claimsChallenge?: (claims: Record<string, unknown>) => string | undefined;
}

/** Seven users, enough for several pages at a small `$top`. */
export function seedGraphUsers(): GraphUser[] {
  const u = (id: string, upn: string, displayName: string, extra: Partial<GraphUser> = {}): GraphUser => ({
    businessPhones: [],
    displayName,
    givenName: null,
    jobTitle: null,
    mail: upn,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: upn,
    id,
    ...extra,
  });
  return [
    u('6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0', 'Adams@contoso.com', 'Conf Room Adams'),
    u('4562bcc8-c436-4f95-b7c0-4f8ce89dca5e', 'admin@contoso.com', 'MOD Administrator', {
      businessPhones: ['425-555-0100'],
      givenName: 'MOD',
      mail: null,
      mobilePhone: '425-555-0101',
      preferredLanguage: 'en-US',
      surname: 'Administrator',
    }),
    u('3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46', 'alice@contoso.com', 'Alice Smith', {
      givenName: 'Alice',
      surname: 'Smith',
      jobTitle: 'Data Engineer',
      officeLocation: '18/2111',
      preferredLanguage: 'en-US',
    }),
    u('8b2e6f10-1c3d-4e5f-9a7b-2c4d6e8f0a1b', 'bob@contoso.com', 'Bob Jones', {
      givenName: 'Bob',
      surname: 'Jones',
      jobTitle: 'Security Engineer',
      businessPhones: ['+1 425 555 0109'],
    }),
    u('c7d8e9f0-a1b2-4c3d-8e4f-5a6b7c8d9e0f', 'carol@contoso.com', 'Carol Lee', { givenName: 'Carol', surname: 'Lee' }),
    u('d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6', 'dan@contoso.com', 'Dan Park', {
      givenName: 'Dan',
      surname: 'Park',
      officeLocation: '131/1104',
      preferredLanguage: 'ko-KR',
    }),
    u('e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9', 'erin@contoso.com', 'Erin Novak', {
      givenName: 'Erin',
      surname: 'Novak',
    }),
  ];
}

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_TOP = 999;
const DEFAULT_TOP = 100;

/** `innerError.date` has no zone designator on the wire (§10). */
function graphDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function skiptoken(offset: number): string {
  // Graph's tokens look like X'4453…'; the emulator's carry the offset in the same hex-in-quotes style.
  return `X'${Buffer.from(`offset:${offset}`, 'utf8').toString('hex').toUpperCase()}'`;
}

function parseSkiptoken(token: string): number | undefined {
  const m = /^X'([0-9A-Fa-f]+)'$/.exec(token);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'hex').toString('utf8');
  const n = /^offset:(\d+)$/.exec(text);
  return n ? Number(n[1]) : undefined;
}

/** Build Graph's request handler. */
export function createGraphHandler(opts: GraphServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const getKey = keyGetter(opts.keys);
  const now = opts.now ?? (() => Date.now());
  const users = opts.users ?? seedGraphUsers();

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    rid: string,
    crid: string,
    extra: Record<string, string> = {},
  ) => {
    send(
      res,
      status,
      {
        'content-type': GRAPH_JSON,
        'request-id': rid,
        'client-request-id': crid,
        'x-ms-ags-diagnostic':
          '{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"EMU"}}',
        'cache-control': 'no-cache',
        'strict-transport-security': 'max-age=31536000',
        ...extra,
      },
      JSON.stringify(body),
    );
  };

  const error = (code: string, message: string, rid: string, crid: string) => ({
    error: { code, message, innerError: { date: graphDate(now()), 'request-id': rid, 'client-request-id': crid } },
  });

  return (req, res) => {
    void (async () => {
      await drain(req);
      const rid = requestId();
      const sentCrid = req.headers['client-request-id'];
      const crid = typeof sentCrid === 'string' && sentCrid ? sentCrid : rid;
      const host = req.headers.host ?? '127.0.0.1';
      const url = new URL(req.url ?? '/', `http://${host}`);
      const base = `http://${host}`;

      const unauthenticated = (message: string) =>
        reply(res, 401, error('InvalidAuthenticationToken', message, rid, crid), rid, crid, {
          'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
        });

      const token = bearerOf(req);
      if (!token) return unauthenticated('Access token is empty.');
      const verified = await verifySignature(token, getKey, { graphNonce: true });
      if (!verified) return unauthenticated('Access token validation failure.');
      const c = verified.payload;
      if (!GRAPH_AUDIENCES.includes(String(c.aud)))
        return unauthenticated('Access token validation failure. Invalid audience.');
      const nowSec = Math.floor(now() / 1000);
      if (typeof c.exp !== 'number' || c.exp <= nowSec || (typeof c.nbf === 'number' && c.nbf > nowSec + 300)) {
        return unauthenticated('Access token has expired or is not yet valid.');
      }
      if (c.tid !== opts.tenantId) return unauthenticated('Access token validation failure. Invalid tenant.');
      const claims = opts.claimsChallenge?.(c);
      if (claims) {
        // Continuous Access Evaluation: the user was revoked after this token was issued.
        return reply(
          res,
          401,
          error(
            'InvalidAuthenticationToken',
            'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp',
            rid,
            crid,
          ),
          rid,
          crid,
          {
            'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}", error="insufficient_claims", claims="${claims}"`,
          },
        );
      }

      const path = url.pathname.replace(/\/+$/, '');
      if (path.toLowerCase() !== '/v1.0/users' || req.method !== 'GET') {
        const segment = path.split('/').filter(Boolean).slice(1).join('/') || path;
        return reply(
          res,
          400,
          error('BadRequest', `Resource not found for the segment '${segment}'.`, rid, crid),
          rid,
          crid,
        );
      }

      const roles = Array.isArray(c.roles) ? c.roles.map(String) : [];
      const scopes = typeof c.scp === 'string' ? c.scp.split(' ') : [];
      const allowed =
        typeof c.scp === 'string'
          ? scopes.some((s) => DELEGATED_SCOPES.includes(s))
          : roles.some((r) => APP_ROLES.includes(r));
      if (!allowed) {
        return reply(
          res,
          403,
          error('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', rid, crid),
          rid,
          crid,
        );
      }

      const topRaw = url.searchParams.get('$top');
      let top = DEFAULT_TOP;
      if (topRaw !== null) {
        if (!/^\d+$/.test(topRaw) || Number(topRaw) < 1 || Number(topRaw) > MAX_TOP) {
          return reply(
            res,
            400,
            error(
              'Request_BadRequest',
              `Invalid page size specified: '${topRaw}'. Must be between 1 and ${MAX_TOP} inclusive.`,
              rid,
              crid,
            ),
            rid,
            crid,
          );
        }
        top = Number(topRaw);
      }
      let offset = 0;
      const skip = url.searchParams.get('$skiptoken');
      if (skip !== null) {
        const o = parseSkiptoken(skip);
        if (o === undefined) {
          return reply(
            res,
            400,
            error(
              'Directory_ExpiredPageToken',
              'The specified page token value has expired and can no longer be included in your request.',
              rid,
              crid,
            ),
            rid,
            crid,
          );
        }
        offset = o;
      }
      const page = users.slice(offset, offset + top);
      const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#users` };
      if (offset + top < users.length) {
        const q = new URLSearchParams();
        q.set('$top', String(top));
        q.set('$skiptoken', skiptoken(offset + top));
        body['@odata.nextLink'] = `${base}/v1.0/users?${q.toString().replace(/%24/g, '$')}`;
      }
      body.value = page;
      reply(res, 200, body, rid, crid);
    })().catch((e: unknown) => {
      send(
        res,
        500,
        { 'content-type': 'application/json' },
        JSON.stringify({
          error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) },
        }),
      );
    });
  };
}

/** A node http server (not yet listening) for Graph. */
export function createGraphServer(opts: GraphServerOptions): Server {
  return createServer(createGraphHandler(opts));
}

/** The directory's users in Graph's default shape, then the extra seeded ones (rooms, admins) for paging. */
export function graphUsersOf(directory: DirectoryConfig): GraphUser[] {
  const fromDirectory: GraphUser[] = directory.users.map((u) => ({
    businessPhones: [],
    displayName: u.display_name,
    givenName: u.given_name ?? null,
    jobTitle: null,
    mail: u.upn,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.family_name ?? null,
    userPrincipalName: u.upn,
    id: u.object_id,
  }));
  const known = new Set(fromDirectory.map((u) => u.userPrincipalName.toLowerCase()));
  return [...fromDirectory, ...seedGraphUsers().filter((u) => !known.has(u.userPrincipalName.toLowerCase()))];
}

/**
 * Graph as an extra server of `startEmulator` (sets `graph_url`). Verifies with the emulator's signing key
 * handed over directly (see workspaceExtraServer), and lists the emulator's directory users.
 */
export const graphExtraServer: ExtraServer = async (core) => {
  const handler = createGraphHandler({
    tenantId: core.tenantId,
    keys: { getKey: async () => core.signingKey.publicKey },
    users: graphUsersOf(core.directory),
    now: core.now,
    claimsChallenge: core.claimsChallenge,
  });
  const s = await serveExtra(core, 'graph', handler);
  return { info: { graph_url: s.url }, close: s.close };
};
