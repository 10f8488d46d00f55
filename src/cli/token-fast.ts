/**
 * The cache-hit path of `entra-token token`, shared by the command and by bin.ts's fast path, and the
 * output formats of `token`. Every module loaded here costs a millisecond or two, so it imports only
 * core/cache-keys (the pure lookup) and io/paths: no commander, no undici, no jose, not even
 * io/token-cache. Its reader is strict: anything unusual (no file, a corrupt file, wrong permissions, a
 * miss, an unusual option, --help) returns undefined and the full program takes over, where
 * FileTokenStore repairs or reports it and the refresh happens under the lock.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DATABRICKS_DEFAULT_SCOPE,
  PUBLIC_AUTHORITY_HOST,
  isCacheData,
  lookup,
  MIN_LIFETIME_MS,
  type CacheData,
  type CacheQuery,
  type CachedAccount,
  type CachedToken,
} from '../core/cache-keys.js';
import { cacheDir } from '../io/paths.js';
import { readDefaultAccount } from '../io/default-account.js';
import { writeAll } from '../io/fd-writer.js';
import { loadProfile } from '../io/config-files.js';

export interface TokenFlags {
  scope?: string[];
  account?: string;
  tenant?: string;
  authority?: string;
  issuer?: string;
  cloud?: 'public' | 'usgov' | 'china';
  clientId?: string;
  profile?: string;
  output?: string;
}

/** What a ~/.databrickscfg profile says about which sign-in to use (its azure_tenant_id, azure_client_id). */
export interface ProfileIdentity {
  tenant?: string | undefined;
  clientId?: string | undefined;
}

/**
 * The identity settings of the profile in use (--profile, DATABRICKS_CONFIG_PROFILE, else DEFAULT when the
 * file has one), read with the same rules as every other command (cli/options.ts resolveSettings). Throws
 * the same usage errors (a profile that is not defined, a malformed file); the fast path treats any throw
 * as "let the full program answer".
 */
export function profileIdentity(flag: string | undefined, env: Env, cwd?: string): ProfileIdentity | undefined {
  const { profile } = loadProfile(flag, env, cwd);
  if (!profile) return undefined;
  const v = (k: string) => profile.values[k]?.value || undefined;
  return { tenant: v('azure_tenant_id'), clientId: v('azure_client_id') };
}

type Env = Record<string, string | undefined>;

/** Authority hosts per cloud, as in core/clouds (not imported: see the module comment). */
const CLOUD_HOSTS: Record<string, string> = {
  public: PUBLIC_AUTHORITY_HOST,
  usgov: 'login.microsoftonline.us',
  china: 'login.chinacloudapi.cn',
};

/**
 * Scopes asked for: each --scope may hold several, space-separated; default the Azure Databricks scope,
 * or none for a sign-in with another provider (--issuer): then any token of that sign-in answers.
 */
export function tokenScopes(given: string[] | undefined, issuer?: string): string[] {
  const s = (given ?? []).flatMap((v) => v.split(/\s+/).filter(Boolean));
  return s.length ? [...new Set(s)] : issuer !== undefined ? [] : [DATABRICKS_DEFAULT_SCOPE];
}

/**
 * The cache query from flags, then the environment, then the profile (as the other commands read them).
 * The authority is not validated here: the full command validates it with core/authority before any refresh.
 */
export function tokenQuery(flags: TokenFlags, env: Env, profile?: ProfileIdentity): CacheQuery {
  // an issuer (flag, or the environment when no authority is given) is the cached sign-in's authority
  const issuer = flags.issuer ?? (flags.authority ? undefined : env.ENTRA_TOKEN_ISSUER);
  if (issuer !== undefined) {
    return {
      authority: issuer.replace(/\/+$/, ''),
      issuer,
      client_id: flags.clientId ?? env.AZURE_CLIENT_ID ?? env.ARM_CLIENT_ID ?? profile?.clientId,
      account: flags.account,
      scopes: tokenScopes(flags.scope, issuer),
    };
  }
  let authority = flags.authority ?? env.ENTRA_TOKEN_AUTHORITY;
  const tenant =
    flags.tenant ?? (flags.authority ? undefined : (env.AZURE_TENANT_ID ?? env.ARM_TENANT_ID ?? profile?.tenant));
  if (authority) {
    authority = authority.replace(/\/+$/, '');
    if (tenant && new URL(authority).pathname.replace(/\//g, '') === '') authority = `${authority}/${tenant}`;
  } else if (tenant) {
    // AZURE_AUTHORITY_HOST (a national cloud's host, a private endpoint, the emulator) unless --cloud is given
    const host = flags.cloud ? undefined : env.AZURE_AUTHORITY_HOST?.trim();
    const origin = host
      ? (host.includes('://') ? host : `https://${host}`).replace(/\/+$/, '')
      : `https://${flags.cloud ? CLOUD_HOSTS[flags.cloud] : PUBLIC_AUTHORITY_HOST}`;
    authority = `${origin}/${tenant}`;
  }
  return {
    authority,
    client_id: flags.clientId ?? env.AZURE_CLIENT_ID ?? env.ARM_CLIENT_ID ?? profile?.clientId,
    account: flags.account,
    scopes: tokenScopes(flags.scope),
  };
}

const VALUE_FLAGS: Record<string, keyof TokenFlags> = {
  '--scope': 'scope',
  '--account': 'account',
  '--tenant': 'tenant',
  '--authority': 'authority',
  '--issuer': 'issuer',
  '--cloud': 'cloud',
  '--client-id': 'clientId',
  '--profile': 'profile',
  '--output': 'output',
  '-o': 'output',
};

/** The few options the fast path understands; undefined for anything else. */
export function parseFastArgs(argv: string[]): TokenFlags | undefined {
  const flags: TokenFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[name];
    if (!key) return undefined;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    if (key === 'scope') (flags.scope ??= []).push(value);
    else if (key === 'cloud') {
      if (!(value in CLOUD_HOSTS)) return undefined;
      flags.cloud = value as TokenFlags['cloud'];
    } else flags[key] = value;
  }
  if (flags.output !== undefined && !(TOKEN_FORMATS as readonly string[]).includes(flags.output)) return undefined;
  return flags;
}

/** The cache file, only when it is private and valid; undefined for anything else (the store handles it). */
function readStrict(dir: string): CacheData | undefined {
  const posix = process.platform !== 'win32';
  let fd: number;
  try {
    if (posix && (statSync(dir).mode & 0o077) !== 0) return undefined;
    fd = openSync(join(dir, 'tokens.json'), 'r');
  } catch {
    return undefined;
  }
  try {
    if (posix && (fstatSync(fd).mode & 0o077) !== 0) return undefined;
    const v: unknown = JSON.parse(readFileSync(fd, 'utf8'));
    return isCacheData(v) ? v : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export interface FastIo {
  env: Env;
  now: number;
  /** For a relative DATABRICKS_CONFIG_FILE (default: the process's). */
  cwd?: string;
  /** Default: fd 1, written synchronously (creating process.stdout would cost the hit a few ms). */
  stdout?: { write(s: string): unknown };
}

/** Print a cached token with ≥ 5 min left and return 0; undefined when the full program must run. */
export async function cacheHit(flags: TokenFlags, io: FastIo): Promise<number | undefined> {
  let query: CacheQuery;
  try {
    query = tokenQuery(flags, io.env, profileIdentity(flags.profile, io.env, io.cwd));
  } catch {
    return undefined; // a bad --authority or profile: the full program explains it
  }
  const data = readStrict(cacheDir(io.env));
  if (!data) return undefined;
  const found = lookup(data, query, io.now, MIN_LIFETIME_MS);
  if (!found.account || !found.fresh) return undefined;
  const e = io.env;
  const credential =
    e.AZURE_CLIENT_SECRET || e.ARM_CLIENT_SECRET
      ? 'client-secret'
      : e.AZURE_CLIENT_CERTIFICATE_PATH
        ? 'certificate'
        : 'cached-sign-in';
  const text = formatToken(
    (flags.output ?? 'token') as TokenFormat,
    found.token!,
    found.account,
    'cache',
    io.now,
    io.env,
    credential,
  );
  if (io.stdout) io.stdout.write(text);
  else writeAll(1, Buffer.from(text));
  return 0;
}

const APP_CREDENTIAL_VARS = ['AZURE_CLIENT_SECRET', 'ARM_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH'];

/**
 * True when the credential chain (flows/credential.ts) would look in the cache as this fast path does:
 * no token given in the environment, no explicit auth type, no authority host to resolve, and no
 * `~/.databrickscfg` profile that may name a tenant, client, secret or auth type.
 */
function chainAgrees(env: Env): boolean {
  if (env.ENTRA_TOKEN_ACCESS_TOKEN || env.ENTRA_TOKEN_AUTH_TYPE || env.AZURE_AUTHORITY_HOST) return false;
  if (env.DATABRICKS_CONFIG_PROFILE || env.DATABRICKS_CONFIG_FILE) return false;
  const home = env.HOME || env.USERPROFILE;
  if (!home) return false;
  let text: string;
  try {
    text = readFileSync(join(home, '.databrickscfg'), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return !/^\s*(azure_|auth_type)/im.test(text);
}

/** bin.ts's entry: `entra-token token …` answered from the cache, or undefined to run the full program. */
export async function fastToken(argv: string[], io: FastIo): Promise<number | undefined> {
  if (io.env.ARM_ENVIRONMENT || io.env.ENTRA_TOKEN_NO_FAST_PATH) return undefined;
  if (!chainAgrees(io.env)) return undefined;
  const flags = parseFastArgs(argv);
  if (!flags) return undefined;
  // a client secret or certificate in the environment: the credential chain answers with that app's token
  if (APP_CREDENTIAL_VARS.some((k) => io.env[k])) {
    const clientId = flags.clientId ?? io.env.AZURE_CLIENT_ID ?? io.env.ARM_CLIENT_ID;
    const tenant = flags.tenant ?? flags.authority ?? io.env.AZURE_TENANT_ID ?? io.env.ARM_TENANT_ID;
    if (!clientId || !tenant || flags.account || io.env.ENTRA_TOKEN_AUTHORITY) return undefined;
    flags.account = clientId;
  }
  // as the chain: --account, else ENTRA_TOKEN_ACCOUNT, else the default account of `account use` (cli/account.ts)
  flags.account ??= io.env.ENTRA_TOKEN_ACCOUNT?.trim() || readDefaultAccount(io.env)?.account;
  try {
    return await cacheHit(flags, io);
  } catch {
    return undefined; // ECACHE and the like: the full program reports them properly
  }
}

// ------------------------------------------------------------------------------------ output

export const TOKEN_FORMATS = ['token', 'json', 'az', 'databricks'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** az's `expiresOn`: local time, `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function azLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

/** Go's time.Time JSON (RFC 3339 with the local offset), as `databricks auth token` prints `expiry`. */
export function rfc3339Local(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = off === 0 ? 'Z' : `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${tz}`;
}

/** The text printed on stdout (with its newline). */
export function formatToken(
  format: TokenFormat,
  t: Pick<CachedToken, 'access_token' | 'token_type' | 'expires_at' | 'granted' | 'resource'>,
  a: CachedAccount | undefined,
  source: 'cache' | 'refresh' | 'new' | 'given',
  now: number,
  env: Record<string, string | undefined>,
  /** The credential chain's source (core/credential-chain SourceId), when the full program answered. */
  credential?: string,
): string {
  switch (format) {
    case 'token':
      return `${t.access_token}\n`;
    case 'az': {
      // az account get-access-token: keys sorted as az prints them; both expiry fields from the whole
      // epoch second; `subscription` only when one is known (az leaves it out with --tenant, never null)
      const expiresOn = Math.floor(t.expires_at / 1000);
      const subscription = env.AZURE_SUBSCRIPTION_ID || env.ARM_SUBSCRIPTION_ID || undefined;
      return `${JSON.stringify(
        {
          accessToken: t.access_token,
          expiresOn: azLocalTime(expiresOn * 1000),
          expires_on: expiresOn,
          ...(subscription ? { subscription } : {}),
          tenant: a?.tid ?? null,
          tokenType: t.token_type,
        },
        null,
        2,
      )}\n`;
    }
    case 'databricks':
      return `${JSON.stringify({ access_token: t.access_token, token_type: t.token_type, expiry: rfc3339Local(t.expires_at) }, null, 2)}\n`;
    case 'json':
      return `${JSON.stringify(
        {
          token_type: t.token_type,
          access_token: t.access_token,
          expires_on: new Date(t.expires_at).toISOString(),
          expires_in: Math.max(0, Math.floor((t.expires_at - now) / 1000)),
          scope: t.granted.join(' '),
          resource: t.resource,
          account: a
            ? {
                home_account_id: a.account,
                username: a.username ?? null,
                name: a.name ?? null,
                oid: a.oid ?? null,
                tid: a.tid ?? null,
              }
            : null,
          authority: a?.authority ?? null,
          client_id: a?.client_id ?? null,
          source,
          credential: credential ?? 'cached-sign-in',
        },
        null,
        2,
      )}\n`;
  }
}
