/**
 * `--claims` and `--client-capabilities` for every command that acquires a token (docs/protocol.md §15):
 * a claims request (JSON, or the base64 value of a challenge) sent as the `claims` parameter, merged with the
 * declared client capabilities (`cp1`: `access_token.xms_cc`). Capabilities also come from
 * ENTRA_TOKEN_CLIENT_CAPABILITIES or the profile's `client_capabilities` (core/config.ts).
 */
import type { Command } from 'commander';
import { mergeClaims, parseCapabilities, parseClaimsOption } from '../core/claims-challenge.js';
import type { ResolvedConfig } from '../core/config.js';
import type { CliContext } from './context.js';

export interface ClaimsFlags {
  claims?: string;
  clientCapabilities?: string;
}

/** Add --claims and --client-capabilities (those the command has already are kept). */
export function addClaimsOptions(cmd: Command): Command {
  const has = (long: string) => cmd.options.some((o) => o.long === long);
  if (!has('--claims'))
    cmd.option(
      '--claims <json>',
      'claims request to send (JSON, or the base64 claims="…" of a WWW-Authenticate challenge); a cached token is never the answer',
    );
  if (!has('--client-capabilities'))
    cmd.option(
      '--client-capabilities <list>',
      'declare client capabilities: cp1 (this client answers claims challenges; CAE applies) [env: ENTRA_TOKEN_CLIENT_CAPABILITIES, profile client_capabilities]',
    );
  return cmd;
}

export interface ClaimsRequest {
  /** The claims request given with --claims (JSON text), or undefined. */
  claims: string | undefined;
  /** The capabilities declared by flag, environment or profile. */
  capabilities: string[];
  /** The `claims` parameter to send, or undefined for none. */
  parameter: string | undefined;
}

/** The claims of a command run: --claims parsed (usage error when it is not a JSON object), capabilities resolved. */
export function claimsRequest(flags: ClaimsFlags, config: ResolvedConfig): ClaimsRequest {
  const claims = parseClaimsOption(flags.claims);
  const setting = config.settings.client_capabilities;
  const capabilities = parseCapabilities(setting?.value);
  return { claims, capabilities, parameter: mergeClaims(claims, capabilities) };
}

/** The `claims` parameter of a command run from its flags, the environment and the profile (undefined: none). */
export async function claimsParameter(flags: ClaimsFlags, ctx: CliContext): Promise<string | undefined> {
  const { resolveSettings } = await import('./options.js');
  return claimsRequest(flags, resolveSettings(flags as Record<string, unknown>, ctx).config).parameter;
}
