/**
 * The credential chain's pure half: which sources exist, in which order, what makes each one
 * "configured", the auth-type names, and the decision with a reason for every source that was
 * skipped. No files, no sockets: the caller hands in what it found (settings with their sources,
 * whether a terminal is attached, a snapshot of the token cache), and flows/credential.ts runs the
 * chosen source.
 *
 * The order (the Databricks unified auth and azure-identity's DefaultAzureCredential work the same
 * way: walk a documented list, stop at the first source that is configured):
 *   1. an access token given as is     (--token-stdin, ENTRA_TOKEN_ACCESS_TOKEN)
 *   2. a client secret                 (--client-secret-stdin/-file, AZURE_CLIENT_SECRET, profile azure_client_secret)
 *   3. a certificate                   (--certificate, AZURE_CLIENT_CERTIFICATE_PATH)
 *   [federated assertion and managed identity are added to SOURCES here, between 3 and 4]
 *   4. a cached sign-in                (the token cache: this authority, client and resource; refreshed silently)
 *   5. an interactive sign-in          (browser, or device code without a display; only on a terminal,
 *                                       never with --no-interactive or in CI)
 * A source given on the command line wins over sources found only in the environment or a profile;
 * an explicit auth type (--auth-type, ENTRA_TOKEN_AUTH_TYPE, profile auth_type) considers only its source.
 * A source that is configured but fails is an error, never a fall-through to the next one.
 * @see https://docs.databricks.com/en/dev-tools/auth/unified-auth.html
 * @see https://learn.microsoft.com/javascript/api/overview/azure/identity-readme#defaultazurecredential
 */
import { lookup, type CacheData, type CacheQuery } from './cache-keys.js';
import { describeSource, type Setting, type SettingName, type Source } from './config.js';
import { usageError } from './errors.js';
import { AZURE_CLI_CLIENT_ID } from './provider.js';
import { detectAssertionSource, type AssertionSourceKind } from './federated.js';
import { detectManagedIdentity } from './managed-identity.js';

export type SourceId =
  | 'access-token'
  | 'client-secret'
  | 'certificate'
  | 'federated'
  | 'managed-identity'
  | 'cached-sign-in'
  | 'interactive';

export type InteractiveVariant = 'browser' | 'device-code';

/** Everything the chain looks at, gathered by the caller. */
export interface ChainFacts {
  /** Resolved settings (flag > env > profile), each with its source. */
  settings: Partial<Record<SettingName, Setting>>;
  /** `--token-stdin` was given. */
  tokenStdin?: boolean | undefined;
  /** The environment variable holding an access token, when one is set (ENTRA_TOKEN_ACCESS_TOKEN). */
  accessTokenEnv?: string | undefined;
  /** An access token handed to the library as a value. */
  accessTokenOption?: boolean | undefined;
  /** A client secret given on the command line by reference: `--client-secret-stdin`, `--client-secret-file`. */
  secretFlag?: string | undefined;
  /** The scopes asked for (one resource). */
  scopes: string[];
  /** Pick one of several cached accounts. */
  account?: string | undefined;
  /** A snapshot of the token cache (read without the lock). */
  cache: CacheData;
  now: number;
  /** The cache query's authority, when a tenant or authority is configured. */
  cacheAuthority?: string | undefined;
  interaction: InteractionFacts;
  /** The environment, for the sources that live in it (federated tokens, managed identity). */
  env?: Record<string, string | undefined> | undefined;
  /** An explicit auth type that names one federated token source (github-oidc-azure, …). */
  federatedKind?: AssertionSourceKind | undefined;
  /** Managed identity was asked for explicitly (azure-msi): IMDS is tried even with no variable naming it. */
  managedIdentityExplicit?: boolean | undefined;
}

export interface InteractionFacts {
  /** Why interaction is not allowed (`--no-interactive`, `CI=true`, the library's default); undefined when it is. */
  refused?: string | undefined;
  /** Standard input and standard error are terminals. */
  terminal: boolean;
  /** Why no browser can be opened here (no display, SSH); undefined when one can. */
  noBrowser?: string | undefined;
}

/** What a source says about itself. */
export type Detection =
  | {
      use: true;
      /** Where it was configured: `env AZURE_CLIENT_SECRET`, `profile emu in ~/.databrickscfg:4`. */
      via: string;
      /** Given on the command line (or as a library option): wins over sources found elsewhere. */
      explicit: boolean;
      variant?: InteractiveVariant;
    }
  | { use: false; reason: string };

export interface SourceSpec {
  id: SourceId;
  /** How it is named in messages. */
  title: string;
  detect(f: ChainFacts): Detection;
}

const str = (s: Setting | undefined): string | undefined => (s ? describeSource(s.source) : undefined);
const isExplicit = (s: Source): boolean => s.kind === 'flag';

/** The cache query for these facts: the chain's cached-sign-in source and `token`'s fast path agree on it. */
export function chainCacheQuery(f: Pick<ChainFacts, 'settings' | 'scopes' | 'account' | 'cacheAuthority'>): CacheQuery {
  return {
    authority: f.cacheAuthority,
    client_id: f.settings.client_id?.value,
    account: f.account,
    scopes: f.scopes,
  };
}

export const ACCESS_TOKEN: SourceSpec = {
  id: 'access-token',
  title: 'access token',
  detect(f) {
    if (f.tokenStdin) return { use: true, via: '--token-stdin', explicit: true };
    if (f.accessTokenOption) return { use: true, via: 'the accessToken option', explicit: true };
    if (f.accessTokenEnv) return { use: true, via: `env ${f.accessTokenEnv}`, explicit: false };
    return { use: false, reason: 'no --token-stdin and ENTRA_TOKEN_ACCESS_TOKEN is not set' };
  },
};

export const CLIENT_SECRET: SourceSpec = {
  id: 'client-secret',
  title: 'client secret',
  detect(f) {
    if (f.secretFlag) return { use: true, via: f.secretFlag, explicit: true };
    const s = f.settings.client_secret;
    if (s) return { use: true, via: str(s)!, explicit: isExplicit(s.source) };
    return {
      use: false,
      reason:
        'no --client-secret-stdin or --client-secret-file, AZURE_CLIENT_SECRET and ARM_CLIENT_SECRET are not set, and no profile has azure_client_secret',
    };
  },
};

export const CERTIFICATE: SourceSpec = {
  id: 'certificate',
  title: 'client certificate',
  detect(f) {
    const s = f.settings.client_certificate_path;
    if (s) return { use: true, via: str(s)!, explicit: isExplicit(s.source) };
    return { use: false, reason: 'no --certificate and AZURE_CLIENT_CERTIFICATE_PATH is not set' };
  },
};

export const FEDERATED: SourceSpec = {
  id: 'federated',
  title: 'federated token (workload identity federation)',
  detect(f) {
    const found = detectAssertionSource(f.env ?? {}, f.federatedKind);
    if (!found.source) return { use: false, reason: found.reason };
    if (!f.settings.client_id)
      return {
        use: false,
        reason: `${found.source.why}, but no client id names the app that trusts it (--client-id, AZURE_CLIENT_ID or profile azure_client_id)`,
      };
    return { use: true, via: found.source.why, explicit: false };
  },
};

export const MANAGED_IDENTITY: SourceSpec = {
  id: 'managed-identity',
  title: 'managed identity',
  detect(f) {
    const found = detectManagedIdentity(f.env ?? {}, f.managedIdentityExplicit ?? false);
    if (!found.endpoint) return { use: false, reason: found.reason };
    return { use: true, via: found.endpoint.reason, explicit: false };
  },
};

export const CACHED_SIGN_IN: SourceSpec = {
  id: 'cached-sign-in',
  title: 'cached sign-in',
  detect(f) {
    const q = chainCacheQuery(f);
    const found = lookup(f.cache, q, f.now);
    const scope = f.scopes.join(' ');
    if (found.account) {
      if (found.fresh)
        return {
          use: true,
          via: `the token cache (${found.account.username ?? found.account.account})`,
          explicit: false,
        };
      if (found.account.refresh_token)
        return {
          use: true,
          via: `the token cache (${found.account.username ?? found.account.account}; refreshed silently)`,
          explicit: false,
        };
      return {
        use: false,
        reason: `the cached token for ${scope} has expired and there is no refresh token to renew it`,
      };
    }
    const names = [...new Set(found.candidates.map((a) => a.username ?? a.account))];
    if (names.length > 1)
      return {
        use: true,
        via: `the token cache (${names.length} accounts match: choose one with --account)`,
        explicit: false,
      };
    const bits = [`scope ${scope}`];
    if (q.account) bits.push(`account ${q.account}`);
    if (q.client_id) bits.push(`client ${q.client_id}`);
    if (q.authority) bits.push(`authority ${q.authority}`);
    return { use: false, reason: `no cached sign-in for ${bits.join(', ')}` };
  },
};

export const INTERACTIVE: SourceSpec = {
  id: 'interactive',
  title: 'interactive sign-in',
  detect(f) {
    const i = f.interaction;
    if (i.refused) return { use: false, reason: `interaction is not allowed (${i.refused})` };
    if (!i.terminal) return { use: false, reason: 'no terminal is attached to ask the user' };
    // no client id: an Entra sign-in uses the Azure CLI's public client (core/provider.ts); another provider has none
    if (!f.settings.client_id && f.settings.issuer)
      return {
        use: false,
        reason: 'no client id to sign in with (--client-id, AZURE_CLIENT_ID or profile azure_client_id)',
      };
    const client = f.settings.client_id
      ? ''
      : `, with the Azure CLI's public client ${AZURE_CLI_CLIENT_ID} (no client id given)`;
    return i.noBrowser
      ? { use: true, via: `device code (no browser: ${i.noBrowser})${client}`, explicit: false, variant: 'device-code' }
      : { use: true, via: `the system browser${client}`, explicit: false, variant: 'browser' };
  },
};

/**
 * The sources in order. A new source (issue 24: federated assertion, managed identity) is one more
 * entry here, before CACHED_SIGN_IN, plus its acquirer in flows/credential.ts and its auth types below.
 */
export const SOURCES: readonly SourceSpec[] = [
  ACCESS_TOKEN,
  CLIENT_SECRET,
  CERTIFICATE,
  FEDERATED,
  MANAGED_IDENTITY,
  CACHED_SIGN_IN,
  INTERACTIVE,
];

/** Auth-type names: the Databricks names where they mean the same, ours for the rest. */
export const AUTH_TYPES: Readonly<
  Record<
    string,
    {
      source: SourceId;
      variant?: InteractiveVariant;
      databricks: boolean;
      /** For a federated source: which token source (docs/protocol.md §14). */
      federated?: AssertionSourceKind;
    }
  >
> = {
  'access-token': { source: 'access-token', databricks: false },
  'azure-client-secret': { source: 'client-secret', databricks: true },
  'azure-client-certificate': { source: 'certificate', databricks: false },
  'token-cache': { source: 'cached-sign-in', databricks: false },
  'external-browser': { source: 'interactive', variant: 'browser', databricks: true },
  'device-code': { source: 'interactive', variant: 'device-code', databricks: false },
  'azure-msi': { source: 'managed-identity', databricks: true },
  'github-oidc-azure': { source: 'federated', federated: 'github', databricks: true },
  'azure-devops-oidc': { source: 'federated', federated: 'azure-devops', databricks: false },
  'azure-workload-identity': { source: 'federated', federated: 'file', databricks: false },
  'federated-token-command': { source: 'federated', federated: 'command', databricks: false },
  'federated-token-env': { source: 'federated', federated: 'env', databricks: false },
  'workload-identity': { source: 'federated', databricks: false },
};

/** Databricks auth types for sources entra-token does not have yet: a clear refusal, not a guess. */
export const NOT_YET_AUTH_TYPES: Readonly<Record<string, string>> = {};

/** Databricks auth types that do not give an Entra token (or need another tool). */
const FOREIGN_AUTH_TYPES = new Set([
  'pat',
  'basic',
  'oauth-m2m',
  'oauth-u2m',
  'azure-cli',
  'databricks-cli',
  'metadata-service',
  'google-credentials',
  'google-id',
  'github-oidc',
  'runtime',
  // Databricks OAuth token federation: the OIDC token is exchanged at the workspace, not at Entra
  'env-oidc',
  'file-oidc',
]);

export interface ExplicitAuthType {
  name: string;
  source: SourceId;
  variant?: InteractiveVariant | undefined;
  /** Where it was set, for messages. */
  from: string;
}

/** Parse an auth-type setting; unknown, foreign and not-yet-available names are usage errors. */
export function parseAuthType(setting: Setting): ExplicitAuthType {
  const name = setting.value.trim().toLowerCase();
  const from = describeSource(setting.source);
  const known = AUTH_TYPES[name];
  if (known) return { name, source: known.source, variant: known.variant, from };
  const list = Object.keys(AUTH_TYPES).join(', ');
  if (NOT_YET_AUTH_TYPES[name])
    throw usageError(
      `auth type ${name} (${from}, ${NOT_YET_AUTH_TYPES[name]}) is not available yet in entra-token`,
      `use one of: ${list}`,
    );
  if (FOREIGN_AUTH_TYPES.has(name))
    throw usageError(
      `auth type ${name} (${from}) is a Databricks auth type that does not give an Entra ID token`,
      `entra-token accepts: ${list}`,
    );
  throw usageError(`unknown auth type ${JSON.stringify(setting.value)} (${from})`, `use one of: ${list}`);
}

export interface ChainStep {
  id: SourceId;
  title: string;
  detection: Detection;
  /** Why this source is not the one used (undefined for the chosen one). */
  skipped?: string;
}

export type ChainPlan =
  | {
      chosen: ChainStep & { detection: Extract<Detection, { use: true }> };
      steps: ChainStep[];
      authType?: ExplicitAuthType;
    }
  | { chosen: undefined; steps: ChainStep[]; authType?: ExplicitAuthType };

/**
 * Walk the sources and pick one. With an explicit auth type only that source counts, and it not being
 * configured is a usage error naming what is missing. Otherwise the first source configured on the
 * command line, else the first configured at all. Every other source gets its skip reason.
 */
export function planChain(
  facts: ChainFacts,
  authType?: ExplicitAuthType,
  sources: readonly SourceSpec[] = SOURCES,
): ChainPlan {
  const steps: ChainStep[] = sources.map((s) => ({ id: s.id, title: s.title, detection: s.detect(facts) }));
  if (authType) {
    const step = steps.find((s) => s.id === authType.source);
    if (!step) throw usageError(`auth type ${authType.name} (${authType.from}) has no source in this build`);
    for (const s of steps)
      if (s !== step)
        s.skipped = `not considered: auth type ${authType.name} (${authType.from}) chooses the ${step.title}`;
    const d = step.detection;
    if (!d.use)
      throw usageError(`auth type ${authType.name} (${authType.from}) was chosen, but ${d.reason}`, hintFor(step.id));
    if (step.id === 'interactive' && authType.variant) {
      d.variant = authType.variant;
      if (authType.variant === 'device-code') d.via = 'device code';
    }
    return { chosen: step as ChainStep & { detection: typeof d }, steps, authType };
  }
  const configured = steps.filter((s) => s.detection.use);
  const chosen = configured.find((s) => s.detection.use && s.detection.explicit) ?? configured[0];
  for (const s of steps) {
    if (s === chosen) continue;
    const d = s.detection;
    if (!d.use) s.skipped = d.reason;
    else if (chosen) {
      const c = chosen.detection as Extract<Detection, { use: true }>;
      s.skipped =
        steps.indexOf(s) < steps.indexOf(chosen)
          ? `configured (${d.via}), but ${c.via} on the command line chooses the ${chosen.title}`
          : `configured (${d.via}), but the ${chosen.title} comes first`;
    }
  }
  if (!chosen) return { chosen: undefined, steps };
  return { chosen: chosen as ChainStep & { detection: Extract<Detection, { use: true }> }, steps };
}

/** What to set for a source the user chose but did not configure. */
export function hintFor(id: SourceId): string {
  switch (id) {
    case 'access-token':
      return 'pipe a token to --token-stdin or set ENTRA_TOKEN_ACCESS_TOKEN';
    case 'client-secret':
      return 'set AZURE_CLIENT_SECRET, give --client-secret-stdin or --client-secret-file, or put azure_client_secret in the profile';
    case 'certificate':
      return 'give --certificate app.pem or set AZURE_CLIENT_CERTIFICATE_PATH';
    case 'cached-sign-in':
      return 'sign in first (entra-token login, device-code, password or client-credentials); entra-token cache list shows what is cached';
    case 'interactive':
      return 'run it in a terminal, without --no-interactive and CI=true, with --client-id';
    case 'federated':
      return 'in GitHub Actions grant permissions: id-token: write; on AKS set AZURE_FEDERATED_TOKEN_FILE; in Azure Pipelines map SYSTEM_ACCESSTOKEN and AZURESUBSCRIPTION_SERVICE_CONNECTION_ID; and give --client-id and --tenant';
    case 'managed-identity':
      return 'run on an Azure VM (--auth-type azure-msi), or in App Service / Functions / Container Apps (IDENTITY_ENDPOINT and IDENTITY_HEADER)';
    default:
      return 'see entra-token auth describe';
  }
}

/** One line per source for `auth describe`: `✓ client secret: env AZURE_CLIENT_SECRET` / `- access token: skipped, …`. */
export function describePlan(plan: ChainPlan): string[] {
  const lines: string[] = [];
  let after = false;
  for (const s of plan.steps) {
    if (plan.chosen && s.id === plan.chosen.id) {
      lines.push(`use   ${s.title}: ${plan.chosen.detection.via}`);
      after = true;
    } else if (after && !plan.authType) {
      lines.push(`later ${s.title}: ${s.detection.use ? `configured (${s.detection.via})` : s.skipped}`);
    } else {
      lines.push(`skip  ${s.title}: ${s.skipped}`);
    }
  }
  return lines;
}
