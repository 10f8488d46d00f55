/** `entra-token inspect [TOKEN|-]`: explain a token, and with --verify check it against its provider's keys. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';
import { withoutDiscovery } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('inspect')
    .description(
      'decode and explain a token (header, claims, verdict); --verify checks signature, issuer, lifetime and audience',
    )
    .argument('[token]', 'a JWT, or a token response JSON; "-" or nothing reads standard input')
    .option(
      '--verify',
      'verify signature (keys from the selected Entra host, or the --issuer provider), issuer, exp/nbf and --audience',
    )
    .option('--audience <aud>', 'with --verify: the audience the token must have')
    .addOption(
      new Option('--cloud <cloud>', 'national cloud whose Entra host supplies the keys')
        .choices(['public', 'usgov', 'china'])
        .default('public'),
    )
    .option('--authority <url>', "take keys and the v2 issuer from this authority instead (e.g. the emulator's)")
    .option(
      '--issuer <url>',
      'any OpenID provider: with --verify, the issuer must be this one and the keys come from its discovered jwks_uri',
    )
    .option('--jwks <file>', 'verify offline with the keys in this JWKS JSON file')
    .addOption(new Option('--expect <api>', 'warn unless the token is for this API').choices(['databricks', 'graph']))
    .option('--tenant <tid>', "warn unless the token is from this tenant (with --verify: also the issuer's tenant)")
    .option('--nonce <nonce>', "warn unless the ID token's nonce is this value")
    .option('--strict', 'exit 7 (ECLAIM) when there is any warning')
    .option('--clock-skew <seconds>', 'allowed clock skew for exp/nbf with --verify', '300')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nThe output says "NOT VERIFIED: decoded only" unless --verify succeeded.\n\nExamples:\n' +
        '  entra-token inspect "$DATABRICKS_TOKEN" --verify\n' +
        '  entra-token token | entra-token inspect - --expect databricks --strict\n' +
        '  entra-token inspect - --output json < token.jwt\n' +
        'Exit codes: 0 fine, 2 bad input, 7 verification failed or a warning with --strict.',
    );
  // --issuer is discovered by the handler, and only for --verify (decoding needs no network)
  withoutDiscovery(cmd);
  handle(cmd, ctx, () => import('../handlers/inspect.js'));
}
