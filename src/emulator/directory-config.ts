/**
 * The emulator's `--config FILE` (or `startEmulator({directory})`): a JSON override merged into the seeded
 * directory (directory.ts), validated with one-line errors that name the field.
 */
import type { AppConfig, DirectoryConfig, SecretConfig, UserConfig } from './directory.js';

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
