/**
 * The bundled bin's way into a command without commander (issue #22). scripts/build-entry.mjs records the
 * program's options and arguments as data (argv-spec.ts) into __ARGV_SPEC__; a run whose command line that data
 * reads with certainty goes straight to the command's handler, with the same flags, globals, arguments and
 * "given" answers commander's action would pass (command.ts CommandInput), the same error boundary
 * (report.ts) and the same preAction work (options.ts installIssuerDiscovery: `--http-timeout` checked first).
 * Anything else — help, a usage error, `--issuer` discovery, an option it cannot read — returns undefined,
 * and bin.ts runs the commander program as before. tsc's unbundled build has no spec: always commander.
 */
import { parseArgv, unpackSpec, type CommandSpec, type PackedSpec } from './argv-spec.js';
import type { CliContext } from './context.js';
import type { Handler } from './command.js';
import type { GlobalFlags } from './runtime.js';
import { HANDLERS } from './handler-index.js';
import { httpTimeoutMs } from './http-timeout.js';
import { reportError } from './report.js';
import { installRunKey } from '../io/run-key.js';

/** Set by scripts/build-entry.mjs: the program's spec as JSON (argv-spec.ts packSpec). */
declare const __ARGV_SPEC__: string | undefined;

/** Run the command `argv` asks for without commander: its exit code, or undefined to let commander run it. */
export async function dispatchFast(
  argv: string[],
  ctx: CliContext,
  spec: CommandSpec | undefined = typeof __ARGV_SPEC__ === 'string'
    ? unpackSpec(JSON.parse(__ARGV_SPEC__) as PackedSpec)
    : undefined,
): Promise<number | undefined> {
  if (!spec) return undefined;
  const parsed = parseArgv(spec, argv);
  const load = parsed && Object.hasOwn(HANDLERS, parsed.handler) ? HANDLERS[parsed.handler] : undefined;
  if (!parsed || !load) return undefined;
  // --issuer (or ENTRA_TOKEN_ISSUER) is resolved by discovery in commander's preAction hook: left to it
  if (parsed.options.includes('issuer') && (parsed.flags.issuer !== undefined || ctx.env.ENTRA_TOKEN_ISSUER))
    return undefined;
  installRunKey(true); // each run marks secrets under its own key (core/redact.ts)
  try {
    httpTimeoutMs(parsed.global.httpTimeout as string | undefined, ctx.env); // the hook's check, before the action
    const { run } = await load();
    await (run as unknown as Handler<Record<string, unknown>>)(ctx, {
      flags: parsed.flags,
      global: parsed.global as GlobalFlags,
      args: parsed.args as Array<string | undefined>,
      given: (option) => parsed.given.has(option),
    });
    return 0;
  } catch (e) {
    return reportError(e, ctx);
  }
}
