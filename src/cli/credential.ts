/**
 * The credential chain for commands that need a token (`token`, `databricks …`, `graph …`, `auth
 * describe`): the shared options, and the ChainOptions built from a command's flags and context.
 * The chain itself is flows/credential.ts; its order and skip reasons are core/credential-chain.ts.
 */
import { Option, type Command } from 'commander';
import type { ChainDeps, ChainOptions, ChainToken } from '../flows/credential.js';
import type { CliContext } from './context.js';
import { readStdin } from './context.js';
import { chosenAccount } from './account.js';
import { addIdentityOptions, endpointSource, resolveIdentity, resolveSettings, type IdentityFlags } from './options.js';
import type { Runtime } from './runtime.js';
import { usageError } from '../core/errors.js';
import { addClaimsOptions, claimsRequest, type ClaimsFlags } from './claims.js';

export interface CredentialFlags extends IdentityFlags, ClaimsFlags {
  authType?: string;
  tokenStdin?: boolean;
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  clientSecret?: string;
  certificate?: string;
  /** commander's --no-interactive */
  interactive?: boolean;
  account?: string;
  managedIdentity?: string;
}

/** One paragraph of help for commands that get their token from the chain. */
export const CHAIN_HELP =
  'The token comes from the first configured source, in this order (entra-token auth describe shows which\n' +
  'one and why the others were skipped): --token-stdin or ENTRA_TOKEN_ACCESS_TOKEN; a client secret\n' +
  '(--client-secret-stdin/-file, AZURE_CLIENT_SECRET, profile azure_client_secret); a certificate (--certificate,\n' +
  'AZURE_CLIENT_CERTIFICATE_PATH); a federated token (GitHub Actions, Azure Pipelines, AZURE_FEDERATED_TOKEN_FILE);\n' +
  'a managed identity (IDENTITY_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST, ARM_USE_MSI); a cached sign-in\n' +
  '(refreshed silently); an interactive sign-in on a terminal\n' +
  '(never with --no-interactive or CI=true). --auth-type picks one';

/**
 * The identity options (--tenant, --client-id, --authority, --issuer, --cloud, --profile; those a
 * command defines itself are kept) plus the credential ones: --auth-type, --token-stdin,
 * --client-secret-stdin/-file, --certificate, --account, --no-interactive.
 */
export function addCredentialOptions(cmd: Command): Command {
  const has = (long: string) => cmd.options.some((o) => o.long === long);
  if (!has('--tenant')) addIdentityOptions(cmd);
  cmd.option(
    '--auth-type <type>',
    'which credential: access-token, azure-client-secret, azure-client-certificate, github-oidc-azure, azure-devops-oidc, azure-workload-identity, workload-identity, azure-msi, token-cache, external-browser, device-code (default: the first configured) [env: ENTRA_TOKEN_AUTH_TYPE, profile auth_type]',
  );
  if (!has('--token-stdin'))
    cmd.option('--token-stdin', 'read the access token (or a token response JSON) from standard input');
  cmd
    .option('--client-secret-stdin', 'read the client secret from standard input')
    .option('--client-secret-file <file>', 'read the client secret from a file (its first line; should be mode 600)')
    .addOption(
      new Option(
        '--client-secret <value>',
        'refused: a secret on the command line can be read by other local users',
      ).hideHelp(),
    )
    .option(
      '--certificate <file>',
      'PEM file with the private key and the certificate [env: AZURE_CLIENT_CERTIFICATE_PATH]',
    );
  cmd.option(
    '--managed-identity <id>',
    'which managed identity: system, a client id, object_id=<id> or a resource id (default: --client-id, else system)',
  );
  if (!has('--account'))
    cmd.option(
      '--account <account>',
      'which cached sign-in when several match: username, home account id or object id',
    );
  addClaimsOptions(cmd);
  return cmd.option('--no-interactive', 'never sign in interactively (also when CI=true)');
}

/** The chain's options for this command run. Usage errors (two stdin readers, a secret on argv) come first. */
export async function chainOptions(ctx: CliContext, flags: CredentialFlags): Promise<ChainOptions> {
  if (flags.clientSecret !== undefined)
    throw usageError(
      '--client-secret VALUE is refused: other local users can read command lines (ps)',
      'set AZURE_CLIENT_SECRET, or use --client-secret-stdin or --client-secret-file',
    );
  if (flags.clientSecretStdin && flags.clientSecretFile)
    throw usageError('give one of --client-secret-stdin and --client-secret-file');
  if (flags.tokenStdin && flags.clientSecretStdin)
    throw usageError('--token-stdin and --client-secret-stdin both read standard input: give one');
  const { config, profile } = resolveSettings(flags as Record<string, unknown>, ctx);
  const claims = claimsRequest(flags, config);
  const { interactionFacts } = await import('../flows/credential.js');
  let discoveredAuthority;
  if (endpointSource(config.settings)?.kind === 'issuer')
    discoveredAuthority = resolveIdentity(flags, ctx, { needClient: false }).authority;
  let clientSecret: ChainOptions['clientSecret'];
  const once = (f: () => Promise<string>) => {
    let p: Promise<string> | undefined;
    return () => (p ??= f()); // standard input can be read once: a second token reuses the secret
  };
  if (flags.clientSecretStdin) {
    clientSecret = {
      via: '--client-secret-stdin',
      read: once(async () => (await import('./secrets.js')).secretFromStdin(ctx, 'client-secret')),
    };
  } else if (flags.clientSecretFile) {
    const file = flags.clientSecretFile;
    clientSecret = {
      via: '--client-secret-file',
      read: once(async () => (await import('./secrets.js')).secretFromFile(ctx, file, 'client secret')),
    };
  }
  return {
    config,
    profile,
    discoveredAuthority,
    cloudFlag: flags.cloud,
    env: ctx.env,
    tokenStdin: flags.tokenStdin,
    clientSecret,
    // --account, else ENTRA_TOKEN_ACCOUNT, else the default account of `entra-token account use` (cli/account.ts)
    account: chosenAccount(flags, ctx)?.value,
    managedIdentity: flags.managedIdentity,
    claims: claims.claims,
    clientCapabilities: claims.capabilities,
    cwd: ctx.cwd,
    interaction: await interactionFacts({
      env: ctx.env,
      noInteractive: flags.interactive === false,
      stdinTTY: Boolean(ctx.stdin.isTTY),
      stderrTTY: Boolean(ctx.stderr.isTTY),
    }),
  };
}

/** The CLI's words for choosing among several cached accounts (the library names its `account` option). */
export function chooseAccountFlag(command?: string): (example: string) => { how: string; hint: string } {
  return (example) => ({
    how: 'choose one with --account',
    hint: `${command ? `${command} --account ${example}` : `add --account ${example}`} (or make it the default: entra-token account use ${example})`,
  });
}

/** The chain's effects for a command run: the CLI's cache, the runtime's HTTP client and trace, stderr. */
export async function chainDeps(ctx: CliContext, rt: Runtime | undefined, command?: string): Promise<ChainDeps> {
  const { openStore } = await import('./cache-store.js');
  return {
    store: openStore(ctx),
    http: async () => {
      if (rt) return rt.http;
      throw new Error('no HTTP client: this command only reads the cache');
    },
    now: ctx.now,
    trace: rt?.trace,
    signal: ctx.signal,
    readStdin: () => readStdin(ctx),
    pasteInput: ctx.stdin,
    notify: (line) => ctx.stderr.write(`${line}\n`),
    warn: (line) => ctx.stderr.write(`${line}\n`),
    chooseAccount: chooseAccountFlag(command),
  };
}

/** The chain for one command run: options resolved once, any number of tokens (e.g. a second resource). */
export async function chainSession(
  ctx: CliContext,
  rt: Runtime,
  flags: CredentialFlags,
  command?: string,
): Promise<{ token(scopes: string[], claims?: string): Promise<ChainToken> }> {
  const [{ getChainToken }, opts, deps] = await Promise.all([
    import('../flows/credential.js'),
    chainOptions(ctx, flags),
    chainDeps(ctx, rt, command),
  ]);
  return { token: (scopes, claims) => getChainToken(opts, deps, scopes, { claims }) };
}

/** A token for `scopes` from the chain, for a command with credential options. */
export async function chainToken(
  ctx: CliContext,
  rt: Runtime,
  flags: CredentialFlags,
  scopes: string[],
  command?: string,
  claims?: string,
): Promise<ChainToken> {
  return (await chainSession(ctx, rt, flags, command)).token(scopes, claims);
}
