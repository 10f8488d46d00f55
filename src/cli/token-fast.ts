/**
 * The cache-hit path of `entra-token token`, shared by the command and by bin.ts's fast path.
 * It imports only the cache file code and the output formatter: no commander, no undici, no jose, so a
 * hit costs little more than starting node. Anything it cannot answer (a miss, an unusual option,
 * --help, a bad value) returns undefined and the full program takes over, with its own validation.
 */
import { CLOUDS } from '../core/clouds.js';
import { AZURE_DATABRICKS_SCOPE } from '../core/clouds.js';
import { FileTokenStore, lookup, MIN_LIFETIME_MS, type CacheQuery } from '../io/token-cache.js';
import { cacheDir } from '../io/paths.js';
import { formatToken, TOKEN_FORMATS, type TokenFormat } from './token-output.js';

export interface TokenFlags {
  scope?: string[];
  account?: string;
  tenant?: string;
  authority?: string;
  cloud?: 'public' | 'usgov' | 'china';
  clientId?: string;
  output?: string;
}

type Env = Record<string, string | undefined>;

/** Scopes asked for: each --scope may hold several, space-separated; default the Azure Databricks scope. */
export function tokenScopes(given: string[] | undefined): string[] {
  const s = (given ?? []).flatMap((v) => v.split(/\s+/).filter(Boolean));
  return s.length ? [...new Set(s)] : [AZURE_DATABRICKS_SCOPE];
}

/**
 * The cache query from flags, then the environment (as the other commands read them). The authority is
 * not validated here: the full command validates it with core/authority before any refresh.
 */
export function tokenQuery(flags: TokenFlags, env: Env): CacheQuery {
  let authority = flags.authority ?? env.ENTRA_TOKEN_AUTHORITY;
  const tenant = flags.tenant ?? (flags.authority ? undefined : (env.AZURE_TENANT_ID ?? env.ARM_TENANT_ID));
  if (authority) {
    authority = authority.replace(/\/+$/, '');
    if (tenant && new URL(authority).pathname.replace(/\//g, '') === '') authority = `${authority}/${tenant}`;
  } else if (tenant) {
    authority = `https://${CLOUDS[flags.cloud ?? 'public'].authorityHost}/${tenant}`;
  }
  return {
    authority,
    client_id: flags.clientId ?? env.AZURE_CLIENT_ID ?? env.ARM_CLIENT_ID,
    account: flags.account,
    scopes: tokenScopes(flags.scope),
  };
}

const VALUE_FLAGS: Record<string, keyof TokenFlags> = {
  '--scope': 'scope',
  '--account': 'account',
  '--tenant': 'tenant',
  '--authority': 'authority',
  '--cloud': 'cloud',
  '--client-id': 'clientId',
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
      if (!(value in CLOUDS)) return undefined;
      flags.cloud = value as TokenFlags['cloud'];
    } else flags[key] = value;
  }
  if (flags.output !== undefined && !(TOKEN_FORMATS as readonly string[]).includes(flags.output)) return undefined;
  return flags;
}

export interface FastIo {
  env: Env;
  now: number;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Print a cached token with ≥ 5 min left and return 0; undefined when the full program must run. */
export async function cacheHit(flags: TokenFlags, io: FastIo): Promise<number | undefined> {
  let query: CacheQuery;
  try {
    query = tokenQuery(flags, io.env);
  } catch {
    return undefined; // a bad --authority: the full program explains it
  }
  const store = new FileTokenStore(cacheDir(io.env), { warn: (l) => io.stderr.write(`${l}\n`) });
  const found = lookup(await store.read(), query, io.now, MIN_LIFETIME_MS);
  if (!found.account || !found.fresh) return undefined;
  io.stdout.write(formatToken((flags.output ?? 'token') as TokenFormat, found.token!, found.account, 'cache', io.now, io.env));
  return 0;
}

/** bin.ts's entry: `entra-token token …` answered from the cache, or undefined to run the full program. */
export async function fastToken(argv: string[], io: FastIo): Promise<number | undefined> {
  if (io.env.ARM_ENVIRONMENT || io.env.ENTRA_TOKEN_NO_FAST_PATH) return undefined;
  const flags = parseFastArgs(argv);
  if (!flags) return undefined;
  try {
    return await cacheHit(flags, io);
  } catch {
    return undefined; // ECACHE and the like: the full program reports them properly
  }
}
