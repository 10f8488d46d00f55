/**
 * Where `databricks` and `graph` get their access token: the credential chain (flows/credential.ts),
 * in its documented order — a token on --token-stdin or in ENTRA_TOKEN_ACCESS_TOKEN, a client secret,
 * a certificate, a cached sign-in (silently refreshed), an interactive sign-in on a terminal — with
 * the command's identity and credential options (cli/credential.ts).
 */
import type { CliContext } from './context.js';
import { chainToken, chooseAccountFlag, type CredentialFlags } from './credential.js';
import type { Runtime } from './runtime.js';

export interface AccessTokenOptions extends CredentialFlags {
  /** The scope to get a token for, e.g. the Azure Databricks scope. */
  scope: string;
}

export { chooseAccountFlag };

/** The access token to send, from the first configured source of the chain. */
export async function resolveAccessToken(ctx: CliContext, rt: Runtime, opts: AccessTokenOptions): Promise<string> {
  const { scope, ...flags } = opts;
  return (await chainToken(ctx, rt, flags, [scope])).access_token;
}
