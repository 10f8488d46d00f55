/**
 * The emulator's directory: one tenant, its app registrations (with secrets, certificates, redirect URIs and
 * granted app roles) and its users. Seeded with defaults (made-up GUIDs) and overridable by a JSON file
 * (`entra-token emulator --config FILE`), validated with one-line errors that name the field.
 */

export const DATABRICKS_APP_ID = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const MANAGEMENT_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';

export interface SecretConfig {
  value: string;
  /** ISO 8601; a secret past this date answers AADSTS7000222. */
  expires_at?: string;
}

export interface AppConfig {
  client_id: string;
  display_name: string;
  /** Object id of the app's service principal in this tenant: `oid`/`sub` of its app-only tokens. */
  sp_object_id: string;
  /** A public client (Mobile & desktop): it must present no secret or assertion (AADSTS700025). */
  public_client?: boolean;
  /** "Allow public client flows": ROPC, device code and auth code without a credential. */
  allow_public_client_flows?: boolean;
  redirect_uris?: string[];
  secrets?: SecretConfig[];
  /** PEM certificates whose private keys may sign client assertions. */
  certificates?: string[];
  /** Application permissions granted (admin-consented) per resource app id: become `roles` in app-only tokens. */
  app_roles?: Record<string, string[]>;
  /** Admin consent granted for the delegated permissions: no consent page for any user. */
  admin_consented?: boolean;
  /** "Access tokens (used for implicit flows)": authorize may answer `response_type=token`.
   * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow */
  oauth2_allow_implicit_flow?: boolean;
  /** "ID tokens (used for implicit and hybrid flows)": authorize may answer `id_token` (same page). */
  oauth2_allow_id_token_implicit_flow?: boolean;
  /**
   * Federated identity credentials (workload identity federation): an assertion whose issuer, subject
   * and audience match one of these exactly (case-sensitive) is accepted as this app's credential.
   */
  federated_credentials?: FederatedCredentialConfig[];
  /** This service principal is a managed identity: "system" (one per resource) or "user" (with its resource id). */
  managed_identity?: { kind: 'system' | 'user'; resource_id: string };
}

export interface FederatedCredentialConfig {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface UserConfig {
  upn: string;
  password: string;
  object_id: string;
  display_name: string;
  given_name?: string;
  family_name?: string;
  /** Conditional Access requires MFA: ROPC answers AADSTS50076. */
  mfa_required?: boolean;
  /** ROPC answers AADSTS50055. */
  password_expired?: boolean;
  /** Client ids this user has already consented to (no consent page for them). */
  consented_apps?: string[];
}

/** A verified domain federated to an on-premises identity provider (AD FS): user realm discovery says so. */
export interface FederatedDomainConfig {
  domain: string;
  /** The WS-Trust metadata exchange (MEX) URL of the identity provider. */
  metadata_url: string;
  /** The WS-Trust 2005 username/password endpoint of the identity provider. */
  active_auth_url: string;
}

export interface DirectoryConfig {
  tenant_id: string;
  tenant_domain: string;
  /** Other verified domains that resolve to this tenant (users' UPN suffixes). */
  other_domains?: string[];
  /** Verified domains whose users sign in at their own identity provider (`/common/userrealm` answers Federated). */
  federated_domains?: FederatedDomainConfig[];
  apps: AppConfig[];
  users: UserConfig[];
  /** The user `--auto-approve` signs in. */
  default_user: string;
}

/** Well-known client ids of the seeded directory (made up). */
export const DEFAULT_IDS = {
  tenant_id: '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13',
  public_client_id: '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90',
  confidential_client_id: '8d3f1b6e-2a4c-4e9d-b7f0-5c1a9e3d2b84',
  certificate_client_id: '4c9e7a1f-6b2d-4f8e-a3c5-9d1b7e0f2a63',
  no_roles_client_id: '5e1a8c3d-9f2b-4d7e-b6a0-3c8f1e5d9a27',
  expired_secret_client_id: '9a7c5e3b-1f8d-4b6a-a2c4-e0f9d7b5c3a1',
  no_public_flows_client_id: '3b8d6f4a-2c0e-4a9b-8d7f-1e5c3a9b7d02',
  implicit_client_id: 'e5a1c9d3-7b2f-4e8a-b6c4-2d9f0a8e6b31',
  /** The Azure CLI's public first-party client id (real, well known; azure-identity's default too). */
  azure_cli_client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
  /** An app with federated identity credentials only (no secret, no certificate). */
  federated_client_id: 'e3a1c5b7-9d2f-4e6a-8b0c-4d6f8a2c0e51',
  /** The system-assigned managed identity of the emulated VM / App Service. */
  system_identity_client_id: 'c7e5a3b1-0f9d-4b8e-a6c4-2e0a8c6e4d39',
  /** A user-assigned managed identity attached to the same resource. */
  user_identity_client_id: 'a9c7e5b3-1d0f-4e2a-b8c6-4f2e0a8c6b77',
} as const;

/** Azure resource ids of the emulated managed identities (made up). */
export const MANAGED_IDENTITY_RESOURCE_IDS = {
  system:
    '/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-entra-token/providers/Microsoft.Compute/virtualMachines/vm-emulated',
  user: '/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-entra-token/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-entra-token',
} as const;

export const DEFAULT_SECRETS = {
  confidential: 'emu8Q~kP0vW7nR2tY5uI9oA1sD4fG6hJ3lZ.x_-c',
  no_roles: 'emu8Q~noRoles.3kP0vW7nR2tY5uI9oA1sD4fG6h',
  expired: 'emu8Q~expired.3kP0vW7nR2tY5uI9oA1sD4fG6h',
  no_public_flows: 'emu8Q~webOnly.3kP0vW7nR2tY5uI9oA1sD4fG6h',
} as const;

/** The seeded directory. `certificatePem` is the certificate generated at start for the certificate app. */
export function defaultDirectory(certificatePem: string): DirectoryConfig {
  const loopback = [
    'http://localhost',
    'http://127.0.0.1',
    'https://login.microsoftonline.com/common/oauth2/nativeclient',
  ];
  return {
    tenant_id: DEFAULT_IDS.tenant_id,
    tenant_domain: 'contoso.onmicrosoft.com',
    other_domains: ['contoso.com', 'fabrikam.com'],
    federated_domains: [
      {
        domain: 'fabrikam.com',
        metadata_url: 'https://sts.fabrikam.com/adfs/services/trust/mex',
        active_auth_url: 'https://sts.fabrikam.com/adfs/services/trust/2005/usernamemixed',
      },
    ],
    apps: [
      {
        client_id: DEFAULT_IDS.public_client_id,
        display_name: 'entra-token public client',
        sp_object_id: 'b4e1f2a3-7c5d-4e8f-9a0b-1c2d3e4f5a6b',
        public_client: true,
        allow_public_client_flows: true,
        redirect_uris: loopback,
      },
      {
        client_id: DEFAULT_IDS.confidential_client_id,
        display_name: 'entra-token automation',
        sp_object_id: '0e7a5c3b-1d9f-4b2e-8a6c-4f3e2d1c0b9a',
        redirect_uris: ['http://localhost/callback', 'http://localhost'],
        secrets: [{ value: DEFAULT_SECRETS.confidential }],
        app_roles: { [GRAPH_APP_ID]: ['User.Read.All'], [DATABRICKS_APP_ID]: [], [MANAGEMENT_APP_ID]: [] },
        admin_consented: true,
      },
      {
        client_id: DEFAULT_IDS.certificate_client_id,
        display_name: 'entra-token certificate client',
        sp_object_id: '7f2b9d4e-3a1c-4e6b-9f8d-2c5a1e7b3d90',
        redirect_uris: ['http://localhost'],
        certificates: [certificatePem],
        app_roles: { [GRAPH_APP_ID]: ['User.Read.All'], [DATABRICKS_APP_ID]: [], [MANAGEMENT_APP_ID]: [] },
        admin_consented: true,
      },
      {
        client_id: DEFAULT_IDS.no_roles_client_id,
        display_name: 'entra-token no graph roles',
        sp_object_id: '2d6f8a1c-5e3b-4c7d-9a0e-8b1f3d5c7e92',
        secrets: [{ value: DEFAULT_SECRETS.no_roles }],
        app_roles: {},
        admin_consented: true,
      },
      {
        client_id: DEFAULT_IDS.expired_secret_client_id,
        display_name: 'entra-token expired secret',
        sp_object_id: '6c4e2a0b-8d6f-4e1a-b3c5-7d9f1b3e5a70',
        secrets: [{ value: DEFAULT_SECRETS.expired, expires_at: '2024-01-01T00:00:00Z' }],
        app_roles: { [DATABRICKS_APP_ID]: [] },
      },
      {
        client_id: DEFAULT_IDS.no_public_flows_client_id,
        display_name: 'entra-token web app',
        sp_object_id: '1a3c5e7f-9b2d-4f6a-8c0e-2b4d6f8a0c15',
        allow_public_client_flows: false,
        redirect_uris: ['http://localhost'],
        secrets: [{ value: DEFAULT_SECRETS.no_public_flows }],
        app_roles: { [DATABRICKS_APP_ID]: [] },
      },
      {
        // The Azure CLI: a first-party public client, pre-consented in every tenant, signing in on a loopback
        // redirect at any port (az login) or by device code; it gets Azure Databricks tokens as documented.
        client_id: DEFAULT_IDS.azure_cli_client_id,
        display_name: 'Microsoft Azure CLI',
        sp_object_id: '6b2d4f8a-0c1e-4a3b-9d5f-7e9a1c3b5d84',
        public_client: true,
        allow_public_client_flows: true,
        redirect_uris: ['http://localhost', 'http://127.0.0.1'],
        admin_consented: true,
      },
      {
        // A single-page app registered the old way: implicit grant of access and id tokens allowed.
        client_id: DEFAULT_IDS.implicit_client_id,
        display_name: 'entra-token implicit SPA',
        sp_object_id: '4f6b8d0e-2a4c-4e6f-8b0d-3c5e7f9a1b42',
        // a SPA redeems its codes without a secret, like a public client
        public_client: true,
        redirect_uris: ['http://localhost', 'http://127.0.0.1'],
        oauth2_allow_implicit_flow: true,
        oauth2_allow_id_token_implicit_flow: true,
      },
      {
        client_id: DEFAULT_IDS.federated_client_id,
        display_name: 'entra-token federated workload',
        sp_object_id: 'f1d3b5a7-2c4e-4f6a-9b8d-0e2c4a6f8b13',
        // the federation room (federation.ts) adds its issuer's credentials at start
        federated_credentials: [],
        app_roles: { [GRAPH_APP_ID]: ['User.Read.All'], [DATABRICKS_APP_ID]: [], [MANAGEMENT_APP_ID]: [] },
        admin_consented: true,
      },
      {
        client_id: DEFAULT_IDS.system_identity_client_id,
        display_name: 'vm-emulated',
        sp_object_id: 'd5b3a1c9-7e5f-4a3b-8c1d-9f7e5d3b1a28',
        managed_identity: { kind: 'system', resource_id: MANAGED_IDENTITY_RESOURCE_IDS.system },
        app_roles: { [GRAPH_APP_ID]: ['User.Read.All'], [DATABRICKS_APP_ID]: [], [MANAGEMENT_APP_ID]: [] },
        admin_consented: true,
      },
      {
        client_id: DEFAULT_IDS.user_identity_client_id,
        display_name: 'id-entra-token',
        sp_object_id: 'b3d1f9e7-5c3a-4b1e-9d7f-3a1c9e7d5b46',
        managed_identity: { kind: 'user', resource_id: MANAGED_IDENTITY_RESOURCE_IDS.user },
        app_roles: { [DATABRICKS_APP_ID]: [] },
        admin_consented: true,
      },
    ],
    users: [
      {
        upn: 'alice@contoso.com',
        password: 'Alice-P@ssw0rd!',
        object_id: '3f9d2c71-8a4e-4b6f-a1d0-5e7c9b2f8d46',
        display_name: 'Alice Smith',
        given_name: 'Alice',
        family_name: 'Smith',
        consented_apps: [],
      },
      {
        upn: 'bob@contoso.com',
        password: 'Bob-P@ssw0rd!',
        object_id: '8e2c4a6f-1b3d-4e5f-9a7c-0d2e4f6a8b13',
        display_name: 'Bob Jones',
        given_name: 'Bob',
        family_name: 'Jones',
        mfa_required: true,
        consented_apps: [DEFAULT_IDS.public_client_id],
      },
      {
        upn: 'carol@contoso.com',
        password: 'Carol-P@ssw0rd!',
        object_id: '5b7d9f1a-3c5e-4a7b-8d9f-1a3c5e7b9d24',
        display_name: 'Carol White',
        given_name: 'Carol',
        family_name: 'White',
        password_expired: true,
        consented_apps: [DEFAULT_IDS.public_client_id],
      },
      {
        // a user of the federated domain: user realm discovery answers Federated; ROPC refuses (AADSTS50126)
        upn: 'dave@fabrikam.com',
        password: 'Dave-P@ssw0rd!',
        object_id: '9c1e3a5b-7d9f-4b1c-8e3a-5b7d9f1c3e68',
        display_name: 'Dave Brown',
        given_name: 'Dave',
        family_name: 'Brown',
        consented_apps: [DEFAULT_IDS.public_client_id],
      },
    ],
    default_user: 'alice@contoso.com',
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A one-line configuration error naming the field. */
export class DirectoryConfigError extends Error {
  override name = 'DirectoryConfigError';
}

function fail(msg: string): never {
  throw new DirectoryConfigError(msg);
}

function str(v: unknown, where: string, opts: { guid?: boolean } = {}): string {
  if (typeof v !== 'string' || v === '') fail(`${where} must be a non-empty string`);
  if (opts.guid && !GUID.test(v)) fail(`${where} must be a GUID (got ${JSON.stringify(v).slice(0, 60)})`);
  return v;
}

function strList(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) fail(`${where} must be an array of strings`);
  return v.map((x, i) => str(x, `${where}[${i}]`));
}

function bool(v: unknown, where: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${where} must be true or false`);
  return v;
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object`);
  return v as Record<string, unknown>;
}

const APP_KEYS = new Set([
  'client_id',
  'display_name',
  'sp_object_id',
  'public_client',
  'allow_public_client_flows',
  'redirect_uris',
  'secrets',
  'certificates',
  'app_roles',
  'admin_consented',
  'oauth2_allow_implicit_flow',
  'oauth2_allow_id_token_implicit_flow',
  'federated_credentials',
  'managed_identity',
]);
const USER_KEYS = new Set([
  'upn',
  'password',
  'object_id',
  'display_name',
  'given_name',
  'family_name',
  'mfa_required',
  'password_expired',
  'consented_apps',
]);
const TOP_KEYS = new Set([
  'tenant_id',
  'tenant_domain',
  'other_domains',
  'federated_domains',
  'apps',
  'users',
  'default_user',
]);

function unknownKeys(o: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(o))
    if (!allowed.has(k)) fail(`${where}: unknown field "${k}" (allowed: ${[...allowed].join(', ')})`);
}

function parseApp(v: unknown, where: string): AppConfig {
  const o = obj(v, where);
  unknownKeys(o, APP_KEYS, where);
  const app: AppConfig = {
    client_id: str(o.client_id, `${where}.client_id`, { guid: true }),
    display_name: str(o.display_name ?? 'app', `${where}.display_name`),
    sp_object_id: str(o.sp_object_id ?? o.client_id, `${where}.sp_object_id`, { guid: true }),
  };
  if (o.public_client !== undefined) app.public_client = bool(o.public_client, `${where}.public_client`);
  if (o.allow_public_client_flows !== undefined)
    app.allow_public_client_flows = bool(o.allow_public_client_flows, `${where}.allow_public_client_flows`);
  if (o.admin_consented !== undefined) app.admin_consented = bool(o.admin_consented, `${where}.admin_consented`);
  for (const k of ['oauth2_allow_implicit_flow', 'oauth2_allow_id_token_implicit_flow'] as const)
    if (o[k] !== undefined) app[k] = bool(o[k], `${where}.${k}`);
  if (o.redirect_uris !== undefined) {
    app.redirect_uris = strList(o.redirect_uris, `${where}.redirect_uris`);
    app.redirect_uris.forEach((u, i) => {
      try {
        new URL(u);
      } catch {
        fail(`${where}.redirect_uris[${i}] is not an absolute URL: ${u}`);
      }
    });
  }
  if (o.secrets !== undefined) {
    if (!Array.isArray(o.secrets)) fail(`${where}.secrets must be an array of {"value","expires_at"?}`);
    app.secrets = o.secrets.map((s, i) => {
      const so = obj(s, `${where}.secrets[${i}]`);
      const out: SecretConfig = { value: str(so.value, `${where}.secrets[${i}].value`) };
      if (so.expires_at !== undefined) {
        const e = str(so.expires_at, `${where}.secrets[${i}].expires_at`);
        if (Number.isNaN(Date.parse(e))) fail(`${where}.secrets[${i}].expires_at is not an ISO 8601 date: ${e}`);
        out.expires_at = e;
      }
      return out;
    });
  }
  if (o.certificates !== undefined) {
    app.certificates = strList(o.certificates, `${where}.certificates`);
    app.certificates.forEach((c, i) => {
      if (!c.includes('-----BEGIN CERTIFICATE-----')) fail(`${where}.certificates[${i}] must be a PEM certificate`);
    });
  }
  if (o.federated_credentials !== undefined) {
    if (!Array.isArray(o.federated_credentials))
      fail(`${where}.federated_credentials must be an array of {"name","issuer","subject","audiences"}`);
    app.federated_credentials = o.federated_credentials.map((f, i) => {
      const w = `${where}.federated_credentials[${i}]`;
      const fo = obj(f, w);
      unknownKeys(fo, new Set(['name', 'issuer', 'subject', 'audiences']), w);
      return {
        name: str(fo.name ?? `credential-${i}`, `${w}.name`),
        issuer: str(fo.issuer, `${w}.issuer`),
        subject: str(fo.subject, `${w}.subject`),
        audiences: strList(fo.audiences ?? ['api://AzureADTokenExchange'], `${w}.audiences`),
      };
    });
  }
  if (o.managed_identity !== undefined) {
    const mo = obj(o.managed_identity, `${where}.managed_identity`);
    unknownKeys(mo, new Set(['kind', 'resource_id']), `${where}.managed_identity`);
    if (mo.kind !== 'system' && mo.kind !== 'user') fail(`${where}.managed_identity.kind must be "system" or "user"`);
    app.managed_identity = { kind: mo.kind, resource_id: str(mo.resource_id, `${where}.managed_identity.resource_id`) };
  }
  if (o.app_roles !== undefined) {
    const r = obj(o.app_roles, `${where}.app_roles`);
    app.app_roles = Object.fromEntries(
      Object.entries(r).map(([k, val]) => [k, strList(val, `${where}.app_roles.${k}`)]),
    );
  }
  return app;
}

function parseUser(v: unknown, where: string): UserConfig {
  const o = obj(v, where);
  unknownKeys(o, USER_KEYS, where);
  const upn = str(o.upn, `${where}.upn`);
  if (!upn.includes('@')) fail(`${where}.upn must look like user@domain (got ${upn})`);
  const user: UserConfig = {
    upn,
    password: str(o.password, `${where}.password`),
    object_id: str(o.object_id, `${where}.object_id`, { guid: true }),
    display_name: str(o.display_name ?? upn.split('@')[0], `${where}.display_name`),
  };
  if (o.given_name !== undefined) user.given_name = str(o.given_name, `${where}.given_name`);
  if (o.family_name !== undefined) user.family_name = str(o.family_name, `${where}.family_name`);
  if (o.mfa_required !== undefined) user.mfa_required = bool(o.mfa_required, `${where}.mfa_required`);
  if (o.password_expired !== undefined) user.password_expired = bool(o.password_expired, `${where}.password_expired`);
  if (o.consented_apps !== undefined) user.consented_apps = strList(o.consented_apps, `${where}.consented_apps`);
  return user;
}

/**
 * Merge a JSON override into the defaults: top-level scalars replace, `apps`/`users` entries replace the
 * default with the same client_id/upn or are added. Throws DirectoryConfigError naming the bad field.
 */
export function applyOverride(base: DirectoryConfig, override: unknown, where = 'config'): DirectoryConfig {
  const o = obj(override, where);
  unknownKeys(o, TOP_KEYS, where);
  const out: DirectoryConfig = structuredClone(base);
  if (o.tenant_id !== undefined) out.tenant_id = str(o.tenant_id, `${where}.tenant_id`, { guid: true });
  if (o.tenant_domain !== undefined) out.tenant_domain = str(o.tenant_domain, `${where}.tenant_domain`);
  if (o.other_domains !== undefined) out.other_domains = strList(o.other_domains, `${where}.other_domains`);
  if (o.federated_domains !== undefined) {
    if (!Array.isArray(o.federated_domains))
      fail(`${where}.federated_domains must be an array of {"domain","metadata_url","active_auth_url"}`);
    out.federated_domains = o.federated_domains.map((d, i) => {
      const w = `${where}.federated_domains[${i}]`;
      const f = obj(d, w);
      unknownKeys(f, new Set(['domain', 'metadata_url', 'active_auth_url']), w);
      return {
        domain: str(f.domain, `${w}.domain`),
        metadata_url: str(f.metadata_url, `${w}.metadata_url`),
        active_auth_url: str(f.active_auth_url, `${w}.active_auth_url`),
      };
    });
  }
  if (o.apps !== undefined) {
    if (!Array.isArray(o.apps)) fail(`${where}.apps must be an array`);
    o.apps.forEach((a, i) => {
      const app = parseApp(a, `${where}.apps[${i}]`);
      const at = out.apps.findIndex((x) => x.client_id.toLowerCase() === app.client_id.toLowerCase());
      if (at >= 0) out.apps[at] = app;
      else out.apps.push(app);
    });
  }
  if (o.users !== undefined) {
    if (!Array.isArray(o.users)) fail(`${where}.users must be an array`);
    o.users.forEach((u, i) => {
      const user = parseUser(u, `${where}.users[${i}]`);
      const at = out.users.findIndex((x) => x.upn.toLowerCase() === user.upn.toLowerCase());
      if (at >= 0) out.users[at] = user;
      else out.users.push(user);
    });
  }
  if (o.default_user !== undefined) out.default_user = str(o.default_user, `${where}.default_user`);
  if (!out.users.some((u) => u.upn.toLowerCase() === out.default_user.toLowerCase())) {
    fail(`${where}.default_user "${out.default_user}" is not one of the users`);
  }
  return out;
}
