/**
 * One shape for every command:
 *
 *   commands/NAME.ts   registration only: options, help text, and `handle(cmd, ctx, () => import('../handlers/NAME.js'))`
 *   handlers/NAME.ts   `export const run: Handler<Flags>`: the body, importing what it needs statically (the
 *                      module itself is loaded on demand, by that one dynamic import, so `--help` and the other
 *                      commands never load its flows, undici or jose)
 *
 * A handler sees only the context and a {@link CommandInput}, so tests can call it with an injected context
 * and plain flags, without commander. Effects for one run come from `withRuntime` (runtime.ts); token results
 * go out through `deliverTokens` (deliver.ts).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import type { GlobalFlags } from './runtime.js';

export interface CommandInput<F> {
  /** The command's own options (the very object the preAction hook keyed `--issuer` discovery on). */
  flags: F;
  /** The global options (--trace, --har, --http-timeout, …). */
  global: GlobalFlags;
  /** Positional arguments, in order. */
  args: Array<string | undefined>;
  /** True when the option (its attribute name, e.g. 'resource') was typed on the command line, not defaulted. */
  given: (option: string) => boolean;
  /** The whole program (for `completion`, which describes it). */
  program?: Command;
}

export type Handler<F = Record<string, unknown>> = (ctx: CliContext, input: CommandInput<F>) => Promise<void>;

export interface HandlerModule<F> {
  run: Handler<F>;
}

/** A program built with one command only (program.ts) → how to build the whole program, for `input.program`. */
export const fullProgramOf = new WeakMap<Command, () => Command>();

/** What commander hands an action, as a {@link CommandInput}. */
export function commandInput<F>(command: Command): CommandInput<F> {
  let root = command;
  while (root.parent) root = root.parent;
  return {
    flags: command.opts() as F,
    global: command.optsWithGlobals() as GlobalFlags,
    args: command.processedArgs as Array<string | undefined>,
    given: (option) => command.getOptionValueSource(option) === 'cli',
    get program() {
      return fullProgramOf.get(root)?.() ?? root;
    },
  };
}

/**
 * Each command's handler loader, as registered: scripts/build-entry.mjs matches it to handler-index.ts, so the
 * bundled bin can run the handler without commander (dispatch-fast.ts).
 */
export const handlerLoaders = new WeakMap<Command, () => Promise<unknown>>();

/** Attach the handler module (loaded on first use) as the command's action. */
export function handle<F>(cmd: Command, ctx: CliContext, load: () => Promise<HandlerModule<F>>): Command {
  handlerLoaders.set(cmd, load);
  return cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const { run } = await load();
    await run(ctx, commandInput<F>(command));
  });
}
