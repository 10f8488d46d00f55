/**
 * entra-token's local emulator of Microsoft Entra ID (plus, via `SERVERS`, a Databricks workspace and Graph).
 * Independent of the client: imports nothing from src/ outside src/emulator/.
 *
 * The rooms: `startEmulator` here (keys, directory, listeners, the public `Emulator` object);
 * state.ts (what is remembered), server.ts (the request handler), routes.ts (the ONE route table of Entra's
 * endpoints and the control API), reply.ts (answer shapes), discovery.ts, authorize.ts + sign-in.ts +
 * authorize-response.ts, token.ts + grants.ts + client-auth.ts, device-code.ts, control.ts, faults.ts,
 * request-log.ts; the resource servers databricks.ts and graph.ts (bearer.ts shared). A new Entra endpoint is
 * a new file plus a row in routes.ts; a new resource server is an `ExtraServer` added to `SERVERS`.
 *
 * Control API: see routes.ts and the README's emulator section.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { generateKeyPair } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceExtraServer } from './databricks.js';
import { approveDeviceCode } from './device-code.js';
import { applyFault, armFault, takeFault, type FaultSpec } from './faults.js';
import { graphExtraServer } from './graph.js';
import { managedIdentityExtraServer } from './managed-identity.js';
import { federationExtraServer } from './federation.js';
import { record, type RecordedRequest } from './request-log.js';
import { entraHandler } from './server.js';
import { State } from './state.js';
import type { SigningKey } from './tokens.js';
import { createSelfSignedCertificate, type KeyPair } from './x509.js';
import { applyOverride, defaultDirectory, DEFAULT_IDS, DEFAULT_SECRETS, type DirectoryConfig } from './directory.js';

export { createSelfSignedCertificate } from './x509.js';
export type { Certificate, CertificateOptions, KeyPair } from './x509.js';
export { DirectoryConfigError, DEFAULT_IDS, DATABRICKS_APP_ID, GRAPH_APP_ID, MANAGEMENT_APP_ID } from './directory.js';
export type { DirectoryConfig, AppConfig, UserConfig } from './directory.js';

export type { FaultEndpoint, FaultSpec } from './faults.js';
export type { RecordedRequest } from './request-log.js';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Sign the default user in and consent without any page. */
  autoApprove?: boolean;
  /** The default user approves every device code as soon as it is issued (the CLI's --auto-approve sets both). */
  autoApproveDeviceCodes?: boolean;
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
  /** The CAE claims challenge (base64) for a token's claims, when its user was revoked after it was issued. */
  claimsChallenge: (claims: Record<string, unknown>) => string | undefined;
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
  /** A single-page app allowed the implicit grant (access and id tokens). */
  implicit_client_id: string;
  /** The Azure CLI's public client id (04b07795-…), registered as Entra has it. */
  azure_cli_client_id: string;
  redirect_uri: string;
  username: string;
  password: string;
  mfa_username: string;
  mfa_password: string;
  /** A user whose password has expired: the password grant answers AADSTS50055. */
  expired_password_username: string;
  expired_password_password: string;
  /** A user of a federated domain: user realm discovery answers Federated. */
  federated_username: string;
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
  /** Revoke a user's tokens; `keepRefreshTokens`: only a CAE event (access tokens challenged, refresh still works). */
  revokeUser(username: string, opts?: { keepRefreshTokens?: boolean }): void;
}

const genRsa = promisify(generateKeyPair);
async function rsaKeyPair(): Promise<KeyPair> {
  return (await genRsa('rsa', { modulusLength: 2048 })) as unknown as KeyPair;
}

/** Start the emulator on 127.0.0.1 (port 0 = ephemeral by default). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
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

  const s = new State({
    directory,
    key: signingKey,
    ...(opts.now ? { now: opts.now } : {}),
    autoApprove: !!opts.autoApprove,
    autoApproveDeviceCodes: !!opts.autoApproveDeviceCodes,
    deviceSlowDown: !!opts.deviceSlowDown,
  });
  const now = s.now;

  const onRequest = entraHandler(s);
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
  // RFC 3986 §6.2.3: a default port is omitted (MSAL Node refuses an authority that names :443).
  const scheme = tlsMaterial ? 'https' : 'http';
  const defaultPort = (scheme === 'https' && port === 443) || (scheme === 'http' && port === 80);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `${scheme}://${hostPart}${defaultPort ? '' : `:${port}`}`;
  s.url = baseUrl;

  let tlsDir: string | undefined;
  let tlsCaFile: string | undefined;
  if (tlsMaterial) {
    tlsDir = await mkdtemp(join(tmpdir(), 'entra-token-emulator-'));
    tlsCaFile = join(tlsDir, 'ca.pem');
    await writeFile(tlsCaFile, tlsMaterial.cert, { mode: 0o600 });
  }

  const user = directory.users.find((u) => u.upn === directory.default_user)!;
  const mfa = directory.users.find((u) => u.mfa_required);
  const expired = directory.users.find((u) => u.password_expired);
  const federatedDomains = new Set((directory.federated_domains ?? []).map((d) => d.domain.toLowerCase()));
  const federated = directory.users.find((u) => federatedDomains.has(u.upn.split('@').pop()!.toLowerCase()));
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
    implicit_client_id: DEFAULT_IDS.implicit_client_id,
    azure_cli_client_id: DEFAULT_IDS.azure_cli_client_id,
    redirect_uri: 'http://localhost',
    username: user.upn,
    password: user.password,
    mfa_username: mfa?.upn ?? '',
    mfa_password: mfa?.password ?? '',
    expired_password_username: expired?.upn ?? '',
    expired_password_password: expired?.password ?? '',
    federated_username: federated?.upn ?? '',
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
    takeFault: (endpoint) => takeFault(s, endpoint),
    applyFault: (f, res) => applyFault(s, f, res),
    record: (server, req, body, status) => record(s, server, req, body, status),
    claimsChallenge: (claims) => s.claimsChallenge(claims),
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
    requests: () => s.log.slice(),
    clearRequests: () => void (s.log.length = 0),
    fault: (spec) => armFault(s, spec),
    clearFaults: () => void (s.faults.length = 0),
    advanceClock: (seconds) => s.advanceClock(seconds),
    approveDeviceCode(userCode, action, username) {
      const r = approveDeviceCode(s, userCode, action, username);
      if ('error' in r) throw new Error(r.error);
    },
    revokeUser(username, opts) {
      if (!s.revokeUser(username, !!opts?.keepRefreshTokens)) throw new Error(`unknown user ${username}`);
    },
  };
  s.info = info;
  return emu;
}
