/**
 * The credential chain: one resolver for `token`, `databricks …`, `graph …`, the metadata server and
 * the library's `createCredential`. As a script of named steps:
 *   1. Choose a credential   (core/credential-chain.ts: the order, explicit auth types, skip reasons)
 *   2. the chosen source's steps: a token given as is; a client secret or certificate (the app-only
 *      token from the cache when one with 5 min left is there, else client credentials, then cached);
 *      a cached sign-in (flows/silent.ts: refreshed silently); an interactive sign-in (flows/login.ts
 *      with the browser, or flows/device-code.ts without a display), cached.
 * A configured source that fails throws its own error: the chain never falls through to the next one.
 * A claims request (a claims challenge, `--claims`; docs/protocol.md §15) is sent as the `claims` parameter,
 * merged with the declared client capabilities; with one, no cached access token is served, and the new token
 * replaces the cached one. Sources that cannot carry claims (a token given as is, a managed identity) refuse.
 *
 * Why one file over 500 lines: every source's acquirer sits in the one ACQUIRERS table next to the chain that
 * picks it, so the order of the chain and what each source does are read in one place.
 */
import type { Authority } from '../core/authority.js';
import { OIDC_SCOPES, AZURE_DATABRICKS_SCOPE } from '../core/clouds.js';
import { decodeJwtUnverified } from '../core/jwt.js';
import { mergeClaims } from '../core/claims-challenge.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import {
  AUTH_TYPES,
  SOURCES,
  chainCacheQuery,
  describePlan,
  hintFor,
  parseAuthType,
  planChain,
  type ChainFacts,
  type ChainPlan,
  type InteractionFacts,
  type SourceId,
  type SourceSpec,
} from '../core/credential-chain.js';
import {
  authorityFromSettings,
  describeSource,
  endpointSource,
  resolveConfig,
  type Env,
  type ResolvedConfig,
  type SettingName,
} from '../core/config.js';
import { EntraTokenError, badInput, usageError } from '../core/errors.js';
import type { TokenResponse } from '../core/token.js';
import { detectAssertionSource } from '../core/federated.js';
import { defaultPublicClientId } from '../core/provider.js';
import { detectManagedIdentity, parseManagedIdentityId } from '../core/managed-identity.js';
import type { AssertionProvider } from '../io/federated-assertion.js';
import type { HttpClient } from '../io/http.js';
import type { OpenResult } from '../io/browser.js';
import { loadProfile, type ProfileLoad } from '../io/config-files.js';
import { readCertificateFile, certificateFromBytes } from '../io/credential-files.js';
import {
  lookup,
  putTokens,
  MIN_LIFETIME_MS,
  type CachedAccount,
  type CachedToken,
  type StoreInput,
  type TokenStore,
} from '../io/token-cache.js';
import type { Trace } from '../io/trace.js';
import type { SilentDeps } from './silent.js';
import type { Readable } from 'node:stream';

/** Where the chain looks; built once per command (or per library credential) by {@link chainSettings}. */
export interface ChainOptions {
  /** Settings resolved flag > env > profile (core/config.ts). */
  config: ResolvedConfig;
  /** The profile in use, for messages. */
  profile?: ProfileLoad | undefined;
  /** The authority found by OpenID discovery (`--issuer`), when there is one. */
  discoveredAuthority?: Authority | undefined;
  /** `--cloud` was given (it then beats the cloud of --authority's host). */
  cloudFlag?: string | undefined;
  env: Env;
  /** `--token-stdin`: the token is read with `deps.readStdin`. */
  tokenStdin?: boolean | undefined;
  /** A token handed in as a value (library). */
  accessToken?: string | undefined;
  /** A client secret given by reference on the command line (--client-secret-stdin/-file) or as a library option. */
  clientSecret?: { via: string; read: () => string | Promise<string> } | undefined;
  /** How the secret is sent (default post). */
  clientAuth?: 'post' | 'basic' | undefined;
  /** A certificate given as PEM text (library); the file setting is read otherwise. */
  certificatePem?: string | Buffer | undefined;
  /** Certificate credentials: RS256 with x5t, and x5c in the header. */
  rs256?: boolean | undefined;
  sendX5c?: boolean | undefined;
  /** Pick one of several cached accounts. */
  account?: string | undefined;
  /** Which managed identity (`system`, a client id, `object_id=…`, a resource id); default: the client id, else system. */
  managedIdentity?: string | undefined;
  interaction: InteractionFacts;
  /** Store what is acquired in the token cache (default true). */
  cacheWrites?: boolean | undefined;
  cwd: string;
  /** Login timeout for the interactive source (default 5 min). */
  loginTimeoutMs?: number | undefined;
  /** A claims request (JSON) for every token: bypasses the cache (`--claims`, docs/protocol.md §15). */
  claims?: string | undefined;
  /** Client capabilities to declare (`CP1`), sent as `access_token.xms_cc` in `claims` on every token request. */
  clientCapabilities?: readonly string[] | undefined;
}

export interface ChainDeps {
  store: TokenStore;
  /** Only called when a request must be sent (a cache hit never loads the HTTP stack). */
  http: () => HttpClient | Promise<HttpClient>;
  now: () => number;
  trace?: Trace | undefined;
  signal?: AbortSignal | undefined;
  /** For `--token-stdin`. */
  readStdin?: (() => Promise<string>) | undefined;
  /** Interactive sign-in: open the browser (default io/browser), paste-back input, progress lines. */
  openBrowser?: ((url: string) => Promise<OpenResult>) | undefined;
  pasteInput?: Readable | undefined;
  notify?: ((line: string) => void) | undefined;
  /** A cache that could not be written (the token is still returned). */
  warn?: ((line: string) => void) | undefined;
  /** How the caller chooses among several cached accounts (flows/silent.ts; the CLI names --account). */
  chooseAccount?: SilentDeps['chooseAccount'];
}

export interface ChainToken {
  access_token: string;
  token_type: string;
  /** ms since the epoch */
  expires_at: number;
  /** ms since the epoch: when a caller should get a new token (5 min before expiry). */
  refresh_after: number;
  /** Which source gave it, and where that source was configured. */
  source: SourceId;
  via: string;
  /** given (as is), cache (a hit), refresh (refresh token redeemed), new (a token request or sign-in). */
  from: 'given' | 'cache' | 'refresh' | 'new';
  /** The cache entries, when the token is cached (every source but a token given as is). */
  token?: CachedToken | undefined;
  account?: CachedAccount | undefined;
}

/** An acquirer: what a source does once chosen. One per source id; a new source adds one here. */
export type Acquirer = (c: AcquireContext) => Promise<ChainToken>;

export interface AcquireContext {
  opts: ChainOptions;
  deps: ChainDeps;
  scopes: string[];
  via: string;
  variant?: 'browser' | 'device-code' | undefined;
  /** The claims request of this call (a challenge or `--claims`): the cache is not used for the answer. */
  claims?: string | undefined;
  /** The `claims` parameter to send: the request merged with the client capabilities (undefined: none). */
  wireClaims?: string | undefined;
  /** The resolved authority; `defaultTenant` fills a missing tenant (interactive: organizations). */
  authority(defaultTenant?: string): Authority;
}

// ------------------------------------------------------------------------------ settings

/** Resolve the chain's settings (flags > env > profile) from option values, as the CLI and library give them. */
export function chainSettings(input: {
  flags: Partial<Record<SettingName, string | undefined>>;
  env: Env;
  profile?: string | undefined;
  cwd: string;
}): { config: ResolvedConfig; profile: ProfileLoad } {
  const profile = loadProfile(input.profile, input.env, input.cwd);
  const config = resolveConfig({ flags: input.flags, env: input.env, profile: profile.profile });
  return { config, profile };
}

/** Why interaction is refused by the environment (CI=true), or undefined. */
export function ciRefusal(env: Env): string | undefined {
  const ci = env.CI?.trim().toLowerCase();
  return ci && ci !== '0' && ci !== 'false' ? `CI=${env.CI} is set` : undefined;
}

function withTenant(opts: ChainOptions, tenant: string | undefined): ChainOptions {
  if (!tenant) return opts;
  const settings = { ...opts.config.settings, tenant: { value: tenant, source: { kind: 'flag', flag: 'tenantId' } } };
  return { ...opts, config: { ...opts.config, settings: settings as ResolvedConfig['settings'] } };
}

function authorityHasTenant(value: string): boolean {
  try {
    return new URL(value.includes('://') ? value : `https://${value}`).pathname.split('/').some(Boolean);
  } catch {
    return true; // let authority resolution explain what is wrong with it
  }
}

function authorityOf(opts: ChainOptions, defaultTenant?: string): Authority {
  if (opts.discoveredAuthority) return opts.discoveredAuthority;
  const s = opts.config.settings;
  const ep = endpointSource(s);
  if (ep?.kind === 'issuer')
    throw usageError(
      `${describeSource(ep.setting.source)}: an OpenID provider by issuer must be discovered first`,
      'use --authority or --tenant instead',
    );
  const hasTenant = Boolean(s.tenant) || (ep?.kind === 'authority' && authorityHasTenant(ep.setting.value));
  if (!hasTenant && defaultTenant) {
    const config = {
      ...opts.config,
      settings: { ...s, tenant: { value: defaultTenant, source: { kind: 'default' as const } } },
    };
    return authorityFromSettings(config, { cloud: opts.cloudFlag });
  }
  return authorityFromSettings(opts.config, { cloud: opts.cloudFlag });
}

/** The authority the cache is asked for: only when a tenant, authority or issuer is configured. */
/** The authority the cached-sign-in source asks the cache for (undefined: any), as `whoami` shows it. */
export function cacheAuthorityOf(opts: ChainOptions): string | undefined {
  return cacheAuthority(opts);
}

function cacheAuthority(opts: ChainOptions): string | undefined {
  const s = opts.config.settings;
  if (opts.discoveredAuthority) return opts.discoveredAuthority.url;
  if (s.tenant || (s.authority && authorityHasTenant(s.authority.value))) return authorityOf(opts).url;
  // an authority host without a tenant (the emulator's origin, AZURE_AUTHORITY_HOST): any tenant on that host
  if (s.authority || s.authority_host) return authorityOf(opts, 'organizations').url;
  return undefined;
}

/** The scopes asked for: default the Azure Databricks scope; OIDC scopes are not a resource. */
export function chainScopes(scopes: string | readonly string[] | undefined): string[] {
  const list = (typeof scopes === 'string' ? [scopes] : (scopes ?? [])).flatMap((s) => s.split(/\s+/).filter(Boolean));
  const unique = [...new Set(list)];
  return unique.length ? unique : [AZURE_DATABRICKS_SCOPE];
}

// ------------------------------------------------------------------------------ the plan

/** Decide which source would be used, reading only the cache (no request is sent). */
export async function planCredential(
  opts: ChainOptions,
  deps: Pick<ChainDeps, 'store' | 'now'>,
  scopes: string[],
): Promise<ChainPlan> {
  const s = opts.config.settings;
  const facts: ChainFacts = {
    settings: s,
    tokenStdin: opts.tokenStdin,
    accessTokenEnv: opts.env.ENTRA_TOKEN_ACCESS_TOKEN?.trim() ? 'ENTRA_TOKEN_ACCESS_TOKEN' : undefined,
    accessTokenOption: opts.accessToken !== undefined,
    secretFlag: opts.clientSecret?.via,
    scopes,
    account: opts.account,
    cache: await deps.store.read(),
    now: deps.now(),
    cacheAuthority: cacheAuthority(opts),
    interaction: opts.interaction,
  };
  if (s.client_certificate_path === undefined && opts.certificatePem !== undefined)
    facts.settings = {
      ...s,
      client_certificate_path: { value: '(PEM)', source: { kind: 'flag', flag: 'the certificate option' } },
    };
  if (opts.tokenStdin && opts.clientSecret?.via === '--client-secret-stdin')
    throw usageError('--token-stdin and --client-secret-stdin both read standard input: give one');
  const authType = s.auth_type ? parseAuthType(s.auth_type) : undefined;
  facts.env = opts.env;
  if (authType) {
    facts.federatedKind = AUTH_TYPES[authType.name]?.federated;
    facts.managedIdentityExplicit = authType.source === 'managed-identity';
  }
  return planChain(facts, authType, SOURCES);
}

/** The plan as lines (`use …`, `skip …: reason`), for `auth describe` and error hints. No secret is in them. */
export { describePlan };

// ------------------------------------------------------------------------------ acquirers

function refreshAfter(expiresAt: number, now: number): number {
  return Math.max(now, expiresAt - MIN_LIFETIME_MS);
}

/** A token just acquired by `source`: its expiry from the cache entry when it was cached, else from `expires_in`. */
function newToken(
  c: AcquireContext,
  source: SourceId,
  tokens: TokenResponse,
  stored: { token?: CachedToken; account?: CachedAccount } = {},
): ChainToken {
  const now = c.deps.now();
  const expires = stored.token?.expires_at ?? now + tokens.expires_in * 1000;
  return {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    expires_at: expires,
    refresh_after: refreshAfter(expires, now),
    source,
    via: c.via,
    from: 'new',
    token: stored.token,
    account: stored.account,
  };
}

async function store(
  c: AcquireContext,
  input: Omit<StoreInput, 'now'>,
): Promise<{ token?: CachedToken; account?: CachedAccount }> {
  const now = c.deps.now();
  if (c.opts.cacheWrites === false || c.opts.env.ENTRA_TOKEN_NO_CACHE === '1') return {};
  try {
    return await c.deps.store.update((d) => putTokens(d, { ...input, now }));
  } catch (e) {
    const why = e instanceof EntraTokenError ? `${e.code}: ${e.message}` : (e as Error).message;
    c.deps.warn?.(`entra-token: warning: the tokens were not cached (${why})`);
    return {};
  }
}

/** Sources that cannot send a `claims` parameter refuse a claims request rather than hand back the same token. */
function refuseClaims(c: AcquireContext, what: string, hint: string): void {
  if (c.claims === undefined) return;
  throw new EntraTokenError('EINTERACTION_REQUIRED', `a claims challenge cannot be answered with ${what} (${c.via})`, {
    hint,
    detail: { claims: c.claims },
  });
}

const fromGivenToken: Acquirer = async (c) => {
  refuseClaims(
    c,
    'an access token given as is',
    `get a new token with the claims, e.g. ${signInAgainCommand({ authority: undefined, client_id: c.opts.config.settings.client_id?.value, claims: c.claims })}, and pass it again`,
  );
  let raw: string;
  if (c.opts.tokenStdin) {
    if (!c.deps.readStdin) throw usageError('--token-stdin: no standard input to read');
    const { tokenFromInput } = await import('../core/token-input.js');
    raw = tokenFromInput(await c.deps.readStdin(), 'access_token');
  } else {
    raw = (c.opts.accessToken ?? c.opts.env.ENTRA_TOKEN_ACCESS_TOKEN ?? '').trim();
  }
  if (!raw) throw badInput(`${c.via}: the access token is empty`);
  if (/\s/.test(raw)) throw badInput('the access token contains whitespace', 'pass exactly one token');
  const now = c.deps.now();
  // a JWT's exp; a token that is not a JWT (a Databricks PAT) has no expiry to read: an hour, then asked again
  let expires = now + 60 * 60 * 1000;
  try {
    const { claims } = decodeJwtUnverified(raw);
    if (typeof claims.exp === 'number') expires = claims.exp * 1000;
  } catch {
    /* not a JWT */
  }
  return {
    access_token: raw,
    token_type: 'Bearer',
    expires_at: expires,
    refresh_after: refreshAfter(expires, now),
    source: 'access-token',
    via: c.via,
    from: 'given',
  };
};

/** The one `<resource>/.default` scope an app-only token is asked with. */
function appScope(scopes: string[]): string {
  const s = scopes.filter((x) => !(OIDC_SCOPES as readonly string[]).includes(x));
  return s.join(' ');
}

function clientIdFor(c: AcquireContext, what: string): string {
  const id = c.opts.config.settings.client_id?.value;
  if (!id)
    throw usageError(
      `the ${what} (${c.via}) needs a client id: give --client-id, set AZURE_CLIENT_ID or azure_client_id in the profile`,
    );
  return id;
}

async function appOnly(
  c: AcquireContext,
  source: 'client-secret' | 'certificate' | 'federated',
  credential: () => Promise<import('./client-credentials.js').ClientCredential>,
): Promise<ChainToken> {
  const client_id = clientIdFor(
    c,
    source === 'certificate' ? 'certificate' : source === 'federated' ? 'federated token' : 'client secret',
  );
  const authority = c.authority();
  const scope = appScope(c.scopes);
  const { assertDefaultScope, assertSingleTenant, clientCredentialsTokens } = await import('./client-credentials.js');
  assertSingleTenant(authority);
  assertDefaultScope(scope);
  // a cached app-only token of this client at this authority, with 5 min left, is the answer (not to a claims request)
  c.deps.trace?.step('Look in the cache');
  const hit = lookup(
    await c.deps.store.read(),
    { authority: authority.url, client_id, account: client_id.toLowerCase(), scopes: [scope] },
    c.deps.now(),
  );
  if (c.claims !== undefined)
    c.deps.trace?.note('a claims request: the cache is not used; the new token replaces the cached one');
  else if (hit.account && hit.fresh && hit.account.kind === 'app') {
    const t = hit.token!;
    return {
      access_token: t.access_token,
      token_type: t.token_type,
      expires_at: t.expires_at,
      refresh_after: refreshAfter(t.expires_at, c.deps.now()),
      source,
      via: c.via,
      from: 'cache',
      token: t,
      account: hit.account,
    };
  }
  const result = await clientCredentialsTokens(
    { authority, client_id, credential: await credential(), scope, claims: c.wireClaims },
    { http: await c.deps.http(), now: c.deps.now, trace: c.deps.trace, signal: c.deps.signal },
  );
  const stored = await store(c, {
    authority: authority.url,
    client_id,
    scopes: [scope],
    tokens: result.tokens,
    appOnly: true,
  });
  return newToken(c, source, result.tokens, stored);
}

const fromClientSecret: Acquirer = (c) =>
  appOnly(c, 'client-secret', async () => {
    const secret = c.opts.clientSecret ? await c.opts.clientSecret.read() : c.opts.config.settings.client_secret?.value;
    if (!secret) throw badInput(`${c.via}: the client secret is empty`);
    return { kind: 'secret', client_secret: secret, method: c.opts.clientAuth ?? 'post' };
  });

const fromCertificate: Acquirer = (c) =>
  appOnly(c, 'certificate', async () => {
    const passphrase = c.opts.env.ENTRA_TOKEN_CERTIFICATE_PASSPHRASE ?? c.opts.env.AZURE_CLIENT_CERTIFICATE_PASSWORD;
    const certificate =
      c.opts.certificatePem !== undefined
        ? certificateFromBytes(Buffer.from(c.opts.certificatePem), 'the certificate option', passphrase)
        : await readCertificateFile(c.opts.config.settings.client_certificate_path!.value, c.opts.cwd, passphrase);
    return { kind: 'certificate', certificate, rs256: c.opts.rs256, sendX5c: c.opts.sendX5c };
  });

/**
 * Federated token providers, one per chain options object: a library credential or a long-running
 * server keeps its GitHub / Pipelines token while it is fresh and fetches a new one near its expiry.
 */
const assertionProviders = new WeakMap<ChainOptions, AssertionProvider>();

const fromFederated: Acquirer = (c) =>
  appOnly(c, 'federated', async () => {
    let provider = assertionProviders.get(c.opts);
    if (!provider) {
      const kind = c.opts.config.settings.auth_type
        ? AUTH_TYPES[c.opts.config.settings.auth_type.value.trim().toLowerCase()]?.federated
        : undefined;
      const found = detectAssertionSource(c.opts.env, kind);
      if (!found.source) throw usageError(`no federated token: ${found.reason}`, hintFor('federated'));
      const { createAssertionProvider } = await import('../io/federated-assertion.js');
      provider = createAssertionProvider(found.source, {
        http: await c.deps.http(),
        now: c.deps.now,
        env: c.opts.env,
      });
      assertionProviders.set(c.opts, provider);
    }
    return { kind: 'federated', provider };
  });

const fromManagedIdentity: Acquirer = async (c) => {
  refuseClaims(
    c,
    'a managed identity (its token endpoint takes no claims)',
    'use a credential that can carry claims (a client secret, a certificate or a signed-in user)',
  );
  const explicit = c.opts.config.settings.auth_type?.value.trim().toLowerCase() === 'azure-msi';
  const found = detectManagedIdentity(c.opts.env, explicit);
  if (!found.endpoint) throw usageError(`no managed identity endpoint: ${found.reason}`, hintFor('managed-identity'));
  // a user-assigned identity: --managed-identity, else the client id (as Databricks' azure-msi and azure-identity do)
  const idText = c.opts.managedIdentity ?? c.opts.config.settings.client_id?.value;
  const scope = appScope(c.scopes);
  const [{ managedIdentityTokens }, { createManagedIdentityHttpClient }] = await Promise.all([
    import('./managed-identity.js'),
    import('../io/managed-identity.js'),
  ]);
  const http = createManagedIdentityHttpClient();
  try {
    const r = await managedIdentityTokens(
      { scope, env: c.opts.env, endpoint: found.endpoint, id: parseManagedIdentityId(idText) },
      { http, now: c.deps.now, trace: c.deps.trace, signal: c.deps.signal },
    );
    return newToken(c, 'managed-identity', r.tokens);
  } finally {
    await http.close();
  }
};

const fromCache: Acquirer = async (c) => {
  const { acquireTokenSilent } = await import('./silent.js');
  const q = chainCacheQuery({
    settings: c.opts.config.settings,
    scopes: c.scopes,
    account: c.opts.account,
    cacheAuthority: cacheAuthority(c.opts),
  });
  const r = await acquireTokenSilent(
    q,
    {
      store: c.deps.store,
      http: c.deps.http,
      now: c.deps.now,
      trace: c.deps.trace,
      signal: c.deps.signal,
      chooseAccount: c.deps.chooseAccount,
    },
    undefined,
    { challenge: c.claims, parameter: c.wireClaims },
  );
  return {
    access_token: r.token.access_token,
    token_type: r.token.token_type,
    expires_at: r.token.expires_at,
    refresh_after: refreshAfter(r.token.expires_at, c.deps.now()),
    source: 'cached-sign-in',
    via: c.via,
    from: r.source,
    token: r.token,
    account: r.account,
  };
};

const fromInteraction: Acquirer = async (c) => {
  const authority = c.authority('organizations');
  // no client id: the provider's public client (the Azure CLI's on Entra), as the chain's plan said
  const client_id =
    c.opts.config.settings.client_id?.value ??
    defaultPublicClientId(authority) ??
    clientIdFor(c, 'interactive sign-in');
  const scopes = [...new Set([...c.scopes, ...OIDC_SCOPES])];
  const notify = c.deps.notify ?? (() => {});
  const flowDeps = { http: await c.deps.http(), now: c.deps.now, trace: c.deps.trace, signal: c.deps.signal };
  let result: { tokens: import('../core/token.js').TokenResponse; idToken?: StoreInput['idToken'] };
  if (c.variant === 'device-code') {
    const { deviceCodeTokens } = await import('./device-code.js');
    result = await deviceCodeTokens(
      { authority, client_id, scopes, onPrompt: (d) => notify(d.message), claims: c.wireClaims },
      flowDeps,
    );
  } else {
    const { login } = await import('./login.js');
    const open =
      c.deps.openBrowser ??
      (async (url: string) => (await import('../io/browser.js')).openBrowser(url, { env: c.opts.env }));
    result = await login(
      { authority, client_id, scopes, timeoutMs: c.opts.loginTimeoutMs, claims: c.wireClaims },
      {
        stdin: c.deps.pasteInput,
        openBrowser: open,
        progress: {
          authorizeUrl: (url, opened) =>
            notify(
              opened?.opened
                ? `Opened the sign-in page in your browser (${opened.via}); if nothing appeared, open: ${url}`
                : `Open this URL in a browser and sign in (or paste the address it ends on here): ${url}`,
            ),
        },
      },
      flowDeps,
    );
  }
  const stored = await store(c, {
    authority: authority.url,
    client_id,
    scopes: c.scopes,
    tokens: result.tokens,
    idToken: result.idToken,
  });
  return newToken(c, 'interactive', result.tokens, stored);
};

/** The acquirer of every source in SOURCES (a source without one is a build error caught by the tests). */
export const ACQUIRERS: Readonly<Partial<Record<SourceId, Acquirer>>> = {
  'access-token': fromGivenToken,
  'client-secret': fromClientSecret,
  certificate: fromCertificate,
  federated: fromFederated,
  'managed-identity': fromManagedIdentity,
  'cached-sign-in': fromCache,
  interactive: fromInteraction,
};

// ------------------------------------------------------------------------------ the chain

/** Thrown when no source is configured: the library's CredentialUnavailableError is this. */
export class CredentialUnavailableError extends EntraTokenError {
  readonly plan: string[];
  constructor(message: string, plan: string[], hint: string) {
    super('EINTERACTION_REQUIRED', message, { hint, detail: { plan } });
    // azure-identity's ChainedTokenCredential moves on to its next credential on this name
    this.name = 'CredentialUnavailableError';
    this.plan = plan;
  }
}

/** Get a token for `scopes` from the first configured source. */
export async function getChainToken(
  optsIn: ChainOptions,
  deps: ChainDeps,
  scopesIn: readonly string[],
  call: { tenantId?: string | undefined; claims?: string | undefined } = {},
): Promise<ChainToken & { plan: ChainPlan }> {
  const opts = withTenant(optsIn, call.tenantId);
  const claims = call.claims ?? opts.claims;
  const wireClaims = mergeClaims(claims, [...(opts.clientCapabilities ?? [])]);
  if (wireClaims !== undefined) deps.trace?.note(`claims ${wireClaims} (docs/protocol.md §15)`);
  const scopes = chainScopes(scopesIn);
  deps.trace?.step('Choose a credential');
  const plan = await planCredential(opts, deps, scopes);
  for (const line of describePlan(plan)) deps.trace?.note(line);
  if (!plan.chosen) {
    const lines = describePlan(plan);
    const cached = plan.steps.find((st) => st.id === 'cached-sign-in')?.skipped;
    const { signInHint } = await import('./silent.js');
    const q = chainCacheQuery({
      settings: opts.config.settings,
      scopes,
      account: opts.account,
      cacheAuthority: cacheAuthority(opts),
    });
    throw new CredentialUnavailableError(
      cached?.startsWith('no cached sign-in')
        ? cached
        : `no credential for ${scopes.join(' ')}: no source is configured`,
      lines,
      `sign in first: ${signInHint(q)}  (or configure a credential: entra-token auth describe shows each source and why it was skipped)`,
    );
  }
  const chosen = plan.chosen;
  const acquire = (ACQUIRERS as Record<string, Acquirer | undefined>)[chosen.id];
  if (!acquire) throw usageError(`the ${chosen.title} is not available yet in entra-token`, hintFor(chosen.id));
  const token = await acquire({
    opts,
    deps,
    scopes,
    via: chosen.detection.via,
    variant: chosen.detection.variant,
    claims,
    wireClaims,
    authority: (defaultTenant) => authorityOf(opts, defaultTenant),
  });
  return { ...token, plan };
}

/** For tests and `auth describe`: every source id has an acquirer (sources added without one are caught). */
export function missingAcquirers(sources: readonly SourceSpec[] = SOURCES): SourceId[] {
  return sources.filter((s) => !(s.id in ACQUIRERS)).map((s) => s.id);
}

/** The interactive source's facts: a terminal on stdin and stderr, interaction allowed, a display for the browser. */
export async function interactionFacts(input: {
  env: Env;
  noInteractive?: boolean | undefined;
  stdinTTY: boolean;
  stderrTTY: boolean;
}): Promise<InteractionFacts> {
  const refused = input.noInteractive ? '--no-interactive' : ciRefusal(input.env);
  const terminal = input.stdinTTY && input.stderrTTY;
  let noBrowser: string | undefined;
  if (!refused && terminal) noBrowser = await (await import('../io/browser.js')).noBrowserReason(input.env);
  return { refused, terminal, noBrowser };
}

/** The resolved authority for display (`auth describe`), or why it cannot be resolved. */
export function describeAuthority(opts: ChainOptions): string {
  try {
    return authorityOf(opts).url;
  } catch (e) {
    return `unresolved (${(e as Error).message})`;
  }
}
