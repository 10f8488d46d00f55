/**
 * Library errors name the parameter a caller passes (`` `client_id` ``, `` `tenant` ``); a command-line user
 * passes a flag instead. This one table turns each backquoted parameter name in an error's message or hint
 * into the flag that sets it, so the CLI still says `--client-id`.
 */

/** Parameter name (as core and the library spell it) → the CLI flag that sets it. */
export const PARAM_FLAGS: Readonly<Record<string, string>> = {
  accessToken: '--token-stdin',
  auth_type: '--auth-type',
  authority: '--authority',
  certificate: '--certificate',
  client_id: '--client-id',
  clientSecret: '--client-secret-stdin or --client-secret-file',
  cloud: '--cloud',
  issuer: '--issuer',
  login_hint: '--login-hint',
  managed_identity: '--managed-identity',
  max: '--top',
  prompt: '--prompt',
  rs256: '--rs256',
  scope: '--scope',
  skipStateCheck: '--skip-state-check',
  tenant: '--tenant',
  top: '--page-size',
};

/** Replace every backquoted parameter name of {@link PARAM_FLAGS} with its flag; other text is unchanged. */
export function withFlags(text: string): string {
  return text.replace(/`([A-Za-z_][A-Za-z0-9_]*)`/g, (all, name: string) =>
    Object.hasOwn(PARAM_FLAGS, name) ? PARAM_FLAGS[name]! : all,
  );
}
