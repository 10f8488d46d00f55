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

export { applyOverride, DirectoryConfigError } from './directory-config.js';
