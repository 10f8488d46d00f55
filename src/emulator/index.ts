/**
 * entra-token's local emulator of Microsoft Entra ID (plus, via `SERVERS`, a Databricks workspace and Graph).
 * Independent of the client: imports nothing from src/ outside src/emulator/.
 *
 * Control API (all JSON; not recorded in the request log):
 *
 *   GET    /_emulator/info          the info object (the JSON line the CLI prints)
 *   GET    /_emulator/requests      {"requests":[{seq,time,method,path,query,headers,form?,body?,status}]} in order
 *   DELETE /_emulator/requests      clear the log (204)
 *   POST   /_emulator/faults        arm a fault: {"endpoint":"token"|"authorize"|"devicecode"|"discovery"|"jwks"|"*",
 *                                   "count":N (default 1), "kind":"aadsts" ("code":50076) | "status" ("status":503,
 *                                   "retry_after":seconds or HTTP date) | "delay" ("ms") | "html" ("status"?) |
 *                                   "malformed" | "drop"} → 201 {"id",…}
 *   GET    /_emulator/faults        armed faults; DELETE /_emulator/faults clears them
 *   POST   /_emulator/clock         {"advance_seconds":N} → {"now":"<ISO>"}
 *   POST   /_emulator/devicecode    {"user_code","action":"approve"|"decline","username"?} → {"ok":true}
 *   POST   /_emulator/revoke        {"username"} → revoke the user's refresh tokens (AADSTS50173)
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { generateKeyPair, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AADSTS, entraError } from './aadsts.js';
import { workspaceExtraServer } from './databricks.js';
import { applyOverride, defaultDirectory, DEFAULT_IDS, DEFAULT_SECRETS, type DirectoryConfig } from './directory.js';
import { Entra, json, type EmuRequest, type Reply } from './entra.js';
import { graphExtraServer } from './graph.js';
import { managedIdentityExtraServer } from './managed-identity.js';
import { federationExtraServer } from './federation.js';
import type { SigningKey } from './tokens.js';
import { createSelfSignedCertificate, type KeyPair } from './x509.js';

export { createSelfSignedCertificate } from './x509.js';
export type { Certificate, CertificateOptions, KeyPair } from './x509.js';
export { DirectoryConfigError, DEFAULT_IDS, DATABRICKS_APP_ID, GRAPH_APP_ID, MANAGEMENT_APP_ID } from './directory.js';
export type { DirectoryConfig, AppConfig, UserConfig } from './directory.js';

export type FaultEndpoint = 'token' | 'authorize' | 'devicecode' | 'discovery' | 'jwks' | '*' | (string & {});

export type FaultSpec = { endpoint: FaultEndpoint; count?: number } & (
  | { kind: 'aadsts'; code: number }
  | { kind: 'status'; status: number; retry_after?: number | string }
  | { kind: 'delay'; ms: number }
  | { kind: 'html'; status?: number }
  | { kind: 'malformed' }
  | { kind: 'drop' }
);

interface ArmedFault {
  id: string;
  spec: FaultSpec;
  remaining: number;
}

export interface RecordedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  form?: Record<string, string>;
  body?: string;
  status?: number;
  /** Which server got it: "entra" or the name of an extra server. */
  server: string;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Sign the default user in and consent without any page. */
  autoApprove?: boolean;
  /** A JSON-style override merged into the seeded directory (see directory.ts). */
  directory?: unknown;
  /** The emulator's clock in ms (default Date.now); `advanceClock` adds to it. */
  now?: () => number;
  /** Serve HTTPS with a self-signed certificate made at start (its PEM is written to `info.tls_ca_file`). */
  tls?: boolean;
  /** Answer `slow_down` when a device code is polled faster than `interval` (real Entra does not). */
  deviceSlowDown?: boolean;
  /** Extra servers to start next to Entra (appended to the built-in `SERVERS`). */
  extraServers?: ExtraServer[];
}

/** What the emulator hands to extra servers (Databricks workspace, Graph): keys, clock, directory, faults, log. */
export interface EmulatorCore {
  /** Entra's base URL, e.g. http://127.0.0.1:P. */
  url: string;
  tenantId: string;
  directory: DirectoryConfig;
  /** The token-signing key (public part verifies every access token the emulator issues). */
  signingKey: SigningKey;
  now: () => number;
  tls?: { key: string; cert: string };
  host: string;
  /** Take one armed fault for `endpoint` (e.g. "workspace", "graph"), or undefined. */
  takeFault: (endpoint: string) => FaultSpec | undefined;
  /** Apply a fault in the same way Entra's endpoints do; returns true when the response was handled. */
  applyFault: (fault: FaultSpec, res: ServerResponse) => Promise<boolean>;
  /** Append a request to the shared log. */
  record: (server: string, req: IncomingMessage, body: Buffer, status?: number) => RecordedRequest;
}

/** An extra server: started after Entra, its `info` merged into `emu.info` (e.g. {workspace_url}). */
export type ExtraServer = (
  core: EmulatorCore,
) => Promise<{ info: Record<string, unknown>; close: () => Promise<void> }>;

/**
 * Built-in extra servers. The workspace helper adds the Databricks workspace and Graph servers HERE
 * (src/emulator/databricks.ts, src/emulator/graph.ts), each an `ExtraServer` returning
 * `{info: {workspace_url}}` / `{info: {graph_url}}`.
 */
export const SERVERS: ExtraServer[] = [
  workspaceExtraServer,
  graphExtraServer,
  managedIdentityExtraServer,
  federationExtraServer,
];

export interface EmulatorInfo {
  emulator: 'entra-token';
  url: string;
  authority: string;
  tenant_id: string;
  tenant_domain: string;
  public_client_id: string;
  confidential_client_id: string;
  client_secret: string;
  certificate_client_id: string;
  certificate_thumbprint: string;
  no_roles_client_id: string;
  no_roles_client_secret: string;
  expired_secret_client_id: string;
  expired_client_secret: string;
  no_public_flows_client_id: string;
  no_public_flows_client_secret: string;
  redirect_uri: string;
  username: string;
  password: string;
  mfa_username: string;
  mfa_password: string;
  jwks_uri: string;
  tls_ca_file?: string;
  [extra: string]: unknown;
}

export interface Emulator {
  info: EmulatorInfo;
  url: string;
  /** The certificate app's credential (PEM). Never printed by the CLI unless `--certificate-out` asks. */
  certificate: { certPem: string; keyPem: string; x5t: string; x5tS256: string };
  /** The signing key's public certificate (PEM) and kid. */
  signing: { certPem: string; kid: string };
  /** The TLS certificate (PEM) when `tls` is on: trust it as a CA. */
  tlsCaPem?: string;
  directory: DirectoryConfig;
  close(): Promise<void>;
  requests(): RecordedRequest[];
  clearRequests(): void;
  fault(spec: FaultSpec): string;
  clearFaults(): void;
  advanceClock(seconds: number): void;
  approveDeviceCode(userCode: string, action: 'approve' | 'decline', username?: string): void;
  revokeUser(username: string): void;
}

const genRsa = promisify(generateKeyPair);
async function rsaKeyPair(): Promise<KeyPair> {
  return (await genRsa('rsa', { modulusLength: 2048 })) as unknown as KeyPair;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Which fault endpoint a path belongs to. */
function endpointOf(path: string): string | undefined {
  if (/\/oauth2\/(v2\.0\/)?token$/.test(path)) return 'token';
  if (/\/oauth2\/(v2\.0\/)?devicecode$/.test(path)) return 'devicecode';
  if (
    /\/oauth2\/(v2\.0\/)?authorize$/.test(path) ||
    /\/(v2\.0\/)?adminconsent$/.test(path) ||
    /\/(login|Consent\/Set)$/.test(path)
  )
    return 'authorize';
  if (/openid-configuration$/.test(path) || path === '/common/discovery/instance') return 'discovery';
  if (/\/discovery\/(v2\.0\/)?keys$/.test(path)) return 'jwks';
  return undefined;
}

function send(res: ServerResponse, r: Reply): void {
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

function validateFault(v: unknown): FaultSpec {
  if (typeof v !== 'object' || v === null) throw new Error('fault must be a JSON object');
  const f = v as Record<string, unknown>;
  if (typeof f.endpoint !== 'string' || !f.endpoint)
    throw new Error(
      'fault.endpoint must be "token", "authorize", "devicecode", "discovery", "jwks", "*" or an extra server name',
    );
  if (f.count !== undefined && (!Number.isInteger(f.count) || (f.count as number) < 1))
    throw new Error('fault.count must be a positive integer');
  switch (f.kind) {
    case 'aadsts':
      if (!Number.isInteger(f.code) || !AADSTS[f.code as number])
        throw new Error(`fault.code must be a known AADSTS code (${Object.keys(AADSTS).join(', ')})`);
      break;
    case 'status':
      if (!Number.isInteger(f.status) || (f.status as number) < 100 || (f.status as number) > 599)
        throw new Error('fault.status must be an HTTP status');
      if (f.retry_after !== undefined && typeof f.retry_after !== 'number' && typeof f.retry_after !== 'string')
        throw new Error('fault.retry_after must be seconds or an HTTP date');
      break;
    case 'delay':
      if (typeof f.ms !== 'number' || f.ms < 0) throw new Error('fault.ms must be a non-negative number');
      break;
    case 'html':
    case 'malformed':
    case 'drop':
      break;
    default:
      throw new Error('fault.kind must be "aadsts", "status", "delay", "html", "malformed" or "drop"');
  }
  return f as unknown as FaultSpec;
}

/** A proxy's HTML error page, for the "html" fault. */
function proxyPage(status: number): string {
  return `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** Start the emulator on 127.0.0.1 (port 0 = ephemeral by default). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  let offsetMs = 0;
  const baseNow = opts.now ?? Date.now;
  const now = (): number => baseNow() + offsetMs;

  const [signingPair, certAppPair, tlsPair] = await Promise.all([
    rsaKeyPair(),
    rsaKeyPair(),
    opts.tls ? rsaKeyPair() : Promise.resolve(undefined),
  ]);
  const signingCert = createSelfSignedCertificate({
    subject: 'login.microsoftonline.com (entra-token emulator)',
    keyPair: signingPair,
    days: 365,
  });
  const signingKey: SigningKey = { ...signingPair, cert: signingCert };
  const appCert = createSelfSignedCertificate({
    subject: 'entra-token certificate client',
    keyPair: certAppPair,
    days: 365,
  });
  const certificate = {
    certPem: appCert.pem,
    keyPem: certAppPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    x5t: appCert.x5t,
    x5tS256: appCert.x5tS256,
  };
  let tlsMaterial: { key: string; cert: string } | undefined;
  if (tlsPair) {
    const c = createSelfSignedCertificate({
      subject: 'entra-token emulator TLS',
      keyPair: tlsPair,
      days: 30,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    tlsMaterial = { key: tlsPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: c.pem };
  }

  const directory =
    opts.directory === undefined
      ? defaultDirectory(appCert.pem)
      : applyOverride(defaultDirectory(appCert.pem), opts.directory);

  let baseUrl = '';
  const entra = new Entra({
    directory,
    key: signingKey,
    now,
    baseUrl: () => baseUrl,
    autoApprove: !!opts.autoApprove,
    deviceSlowDown: !!opts.deviceSlowDown,
  });

  const log: RecordedRequest[] = [];
  let seq = 0;
  const faults: ArmedFault[] = [];

  const record = (server: string, req: IncomingMessage, body: Buffer, status?: number): RecordedRequest => {
    const u = new URL(req.url ?? '/', 'http://x');
    const r: RecordedRequest = {
      seq: ++seq,
      time: new Date(now()).toISOString(),
      method: req.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers },
      server,
    };
    if (body.length) {
      const ct = String(req.headers['content-type'] ?? '').toLowerCase();
      if (ct.startsWith('application/x-www-form-urlencoded'))
        r.form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      else r.body = body.toString('utf8').slice(0, 65536);
    }
    if (status !== undefined) r.status = status;
    log.push(r);
    return r;
  };

  const takeFault = (endpoint: string): FaultSpec | undefined => {
    const i = faults.findIndex(
      (f) => f.spec.endpoint === endpoint || (f.spec.endpoint === '*' && endpoint !== 'control'),
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.remaining <= 0) faults.splice(i, 1);
    return f.spec;
  };

  const genericFault = async (fault: FaultSpec, res: ServerResponse, traceId = randomUUID()): Promise<boolean> => {
    switch (fault.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        return false;
      case 'drop':
        res.socket?.destroy();
        return true;
      case 'malformed':
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'x-ms-request-id': traceId });
        res.end('{"token_type":"Bearer","expires_in":35');
        return true;
      case 'html': {
        const status = fault.status ?? 502;
        res.writeHead(status, { 'Content-Type': 'text/html', Server: 'nginx' });
        res.end(proxyPage(status));
        return true;
      }
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retry_after !== undefined) headers['Retry-After'] = String(fault.retry_after);
        // The real 429/503 body is "not found" (reference §3.2); an Entra-shaped temporarily_unavailable is [inferred].
        const e = entraError(
          fault.status === 429 ? 50196 : 90033,
          {},
          { now: now(), traceId },
          { status: fault.status },
        );
        send(res, json(fault.status, e.body, traceId, headers));
        return true;
      }
      case 'aadsts': {
        const e = entraError(
          fault.code,
          {
            appId: DEFAULT_IDS.public_client_id,
            tenant: directory.tenant_domain,
            resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d',
            name: 'grant_type',
            scope: '',
            uri: '',
          },
          { now: now(), traceId },
        );
        send(res, json(e.status, e.body, traceId));
        return true;
      }
    }
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> => {
    const ok = (status: number, v?: unknown): void => {
      res.writeHead(status, v === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(v === undefined ? '' : JSON.stringify(v));
    };
    const bad = (msg: string, status = 400): void => ok(status, { error: msg });
    let input: Record<string, unknown> = {};
    if (req.method === 'POST') {
      try {
        input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return bad('body must be JSON');
      }
    }
    const route = `${req.method} ${path}`;
    switch (route) {
      case 'GET /_emulator/info':
        return ok(200, emu.info);
      case 'GET /_emulator/requests':
        return ok(200, { requests: log });
      case 'DELETE /_emulator/requests':
        log.length = 0;
        return ok(204);
      case 'GET /_emulator/faults':
        return ok(200, { faults: faults.map((f) => ({ id: f.id, remaining: f.remaining, ...f.spec })) });
      case 'DELETE /_emulator/faults':
        faults.length = 0;
        return ok(204);
      case 'POST /_emulator/faults':
        try {
          const id = emu.fault(validateFault(input));
          return ok(201, { id, ...input, count: (input.count as number | undefined) ?? 1 });
        } catch (e) {
          return bad((e as Error).message);
        }
      case 'POST /_emulator/clock': {
        const s = input.advance_seconds;
        if (typeof s !== 'number' || !Number.isFinite(s)) return bad('advance_seconds must be a number');
        emu.advanceClock(s);
        return ok(200, { now: new Date(now()).toISOString() });
      }
      case 'POST /_emulator/devicecode': {
        if (typeof input.user_code !== 'string') return bad('user_code must be a string');
        if (input.action !== 'approve' && input.action !== 'decline')
          return bad('action must be "approve" or "decline"');
        const r = entra.approveDeviceCode(
          input.user_code,
          input.action,
          typeof input.username === 'string' ? input.username : undefined,
        );
        return 'error' in r ? bad(r.error, 404) : ok(200, { ok: true });
      }
      case 'POST /_emulator/revoke':
        if (typeof input.username !== 'string' || !entra.revokeUser(input.username))
          return bad('username must be a user of the directory', 404);
        return ok(200, { ok: true });
      default:
        return bad(`no control route ${route}`, 404);
    }
  };

  const route = async (r: EmuRequest): Promise<Reply> => {
    const path = r.url.pathname;
    if (path === '/devicelogin' || path === '/common/oauth2/deviceauth') return entra.deviceLogin(r);
    if (path === '/common/discovery/instance') return entra.instanceDiscovery(r);
    const m = /^\/([^/]+)(\/.*)$/.exec(path);
    if (!m) return json(404, { error: 'not_found', error_description: `No route ${path}` }, r.traceId);
    const [, seg, rest] = m as unknown as [string, string, string];
    const known = [
      '/v2.0/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
      '/discovery/v2.0/keys',
      '/discovery/keys',
      '/oauth2/v2.0/authorize',
      '/oauth2/authorize',
      '/oauth2/v2.0/token',
      '/oauth2/token',
      '/oauth2/v2.0/devicecode',
      '/oauth2/devicecode',
      '/adminconsent',
      '/v2.0/adminconsent',
      '/login',
      '/Consent/Set',
      '/oauth2/v2.0/logout',
      '/oauth2/logout',
    ];
    if (!known.includes(rest))
      return json(404, { error: 'not_found', error_description: `No route ${path}` }, r.traceId);
    const t = entra.resolveTenant(decodeURIComponent(seg));
    if ('error' in t) {
      // the redirect target cannot be trusted before the tenant is known: Entra's own page.
      if (rest.endsWith('authorize') || rest.endsWith('adminconsent'))
        return entra.errorPage(r, t.error, { tenant: decodeURIComponent(seg) });
      return entra.err(r, t.error, { tenant: decodeURIComponent(seg) });
    }
    switch (rest) {
      case '/v2.0/.well-known/openid-configuration':
        return entra.discoveryV2(r, t);
      case '/.well-known/openid-configuration':
        return entra.discoveryV1(r, t);
      case '/discovery/v2.0/keys':
        return entra.jwks(r, true);
      case '/discovery/keys':
        return entra.jwks(r, false);
      case '/oauth2/v2.0/authorize':
        return entra.authorize(r, t, false);
      case '/oauth2/authorize':
        return entra.authorize(r, t, true);
      case '/oauth2/v2.0/token':
        return entra.token(r, t, false);
      case '/oauth2/token':
        return entra.token(r, t, true);
      case '/oauth2/v2.0/devicecode':
        return entra.deviceCode(r, t, false);
      case '/oauth2/devicecode':
        return entra.deviceCode(r, t, true);
      case '/adminconsent':
        return entra.adminConsent(r, t, 'v1');
      case '/v2.0/adminconsent':
        return entra.adminConsent(r, t, 'v2');
      case '/login':
        return entra.loginPost(r);
      case '/Consent/Set':
        return entra.consentPost(r);
      default:
        return entra.logout(r);
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname.startsWith('/_emulator/')) return control(req, res, url.pathname, body);
    const rec = record('entra', req, body);
    res.on('finish', () => (rec.status = res.statusCode));
    const traceId = randomUUID();
    const endpoint = endpointOf(url.pathname);
    const fault = takeFault(endpoint ?? 'other');
    if (fault) {
      if (fault.kind === 'aadsts' && endpoint === 'authorize') {
        return send(
          res,
          entra.authorizeFault(
            { method: req.method ?? 'GET', url, headers: req.headers, body, traceId, ip: '127.0.0.1' },
            fault.code,
          ),
        );
      }
      if (await genericFault(fault, res, traceId)) return;
    }
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    const r: EmuRequest = {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      body,
      traceId,
      ip: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    if (ct.startsWith('application/x-www-form-urlencoded')) r.form = new URLSearchParams(body.toString('utf8'));
    try {
      send(res, await route(r));
    } catch (e) {
      const err = entraError(90033, {}, { now: now(), traceId });
      send(res, json(500, { ...err.body, error: 'server_error' }, traceId));
      process.emitWarning(`entra-token emulator: ${(e as Error).stack ?? String(e)}`);
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => void handler(req, res);
  const server: Server = tlsMaterial
    ? createHttpsServer({ key: tlsMaterial.key, cert: tlsMaterial.cert }, onRequest)
    : createHttpServer(onRequest);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  baseUrl = `${tlsMaterial ? 'https' : 'http'}://${host}:${port}`;

  let tlsDir: string | undefined;
  let tlsCaFile: string | undefined;
  if (tlsMaterial) {
    tlsDir = await mkdtemp(join(tmpdir(), 'entra-token-emulator-'));
    tlsCaFile = join(tlsDir, 'ca.pem');
    await writeFile(tlsCaFile, tlsMaterial.cert, { mode: 0o600 });
  }

  const user = directory.users.find((u) => u.upn === directory.default_user)!;
  const mfa = directory.users.find((u) => u.mfa_required);
  const info: EmulatorInfo = {
    emulator: 'entra-token',
    url: baseUrl,
    authority: `${baseUrl}/${directory.tenant_id}`,
    tenant_id: directory.tenant_id,
    tenant_domain: directory.tenant_domain,
    public_client_id: DEFAULT_IDS.public_client_id,
    confidential_client_id: DEFAULT_IDS.confidential_client_id,
    client_secret: DEFAULT_SECRETS.confidential,
    certificate_client_id: DEFAULT_IDS.certificate_client_id,
    certificate_thumbprint: appCert.x5t,
    no_roles_client_id: DEFAULT_IDS.no_roles_client_id,
    no_roles_client_secret: DEFAULT_SECRETS.no_roles,
    expired_secret_client_id: DEFAULT_IDS.expired_secret_client_id,
    expired_client_secret: DEFAULT_SECRETS.expired,
    no_public_flows_client_id: DEFAULT_IDS.no_public_flows_client_id,
    no_public_flows_client_secret: DEFAULT_SECRETS.no_public_flows,
    redirect_uri: 'http://localhost',
    username: user.upn,
    password: user.password,
    mfa_username: mfa?.upn ?? '',
    mfa_password: mfa?.password ?? '',
    jwks_uri: `${baseUrl}/${directory.tenant_id}/discovery/v2.0/keys`,
    ...(tlsCaFile ? { tls_ca_file: tlsCaFile } : {}),
  };

  const core: EmulatorCore = {
    url: baseUrl,
    tenantId: directory.tenant_id,
    directory,
    signingKey,
    now,
    host,
    ...(tlsMaterial ? { tls: tlsMaterial } : {}),
    takeFault,
    applyFault: (f, res) => genericFault(f, res),
    record,
  };
  const extras: Array<{ close: () => Promise<void> }> = [];
  const closeMain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  try {
    for (const start of [...SERVERS, ...(opts.extraServers ?? [])]) {
      const s = await start(core);
      Object.assign(info, s.info);
      extras.push(s);
    }
  } catch (e) {
    await Promise.all(extras.map((x) => x.close()));
    await closeMain();
    throw e;
  }

  const emu: Emulator = {
    info,
    url: baseUrl,
    certificate,
    signing: { certPem: signingCert.pem, kid: signingCert.x5t },
    ...(tlsMaterial ? { tlsCaPem: tlsMaterial.cert } : {}),
    directory,
    async close() {
      await Promise.all(extras.map((x) => x.close()));
      await closeMain();
      if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
    },
    requests: () => log.slice(),
    clearRequests: () => void (log.length = 0),
    fault(spec) {
      const valid = validateFault(spec);
      const id = randomUUID();
      faults.push({ id, spec: valid, remaining: valid.count ?? 1 });
      return id;
    },
    clearFaults: () => void (faults.length = 0),
    advanceClock(seconds) {
      offsetMs += seconds * 1000;
    },
    approveDeviceCode(userCode, action, username) {
      const r = entra.approveDeviceCode(userCode, action, username);
      if ('error' in r) throw new Error(r.error);
    },
    revokeUser(username) {
      if (!entra.revokeUser(username)) throw new Error(`unknown user ${username}`);
    },
  };
  return emu;
}
