/**
 * The command line without commander, for the bundled bin's start-up (issue #22): compiling and running
 * commander costs about as much as starting node itself, on every run. So scripts/build-entry.mjs walks the
 * real program once, at build time, and records each command's options and arguments as plain data
 * ({@link specOf}); at run time {@link parseArgv} reads argv with that data, exactly as commander 14 would
 * (Command.parseOptions and _processArguments), and dispatch-fast.ts runs the command's handler directly.
 *
 * It is deliberately narrow: anything it does not reproduce with certainty — an unknown option, `--`, a
 * group of short flags (`-abc`), a value commander would refuse, a missing argument, `--help`, a custom
 * option parser — makes it answer `undefined`, and the run goes to commander, which parses, prints the error
 * or the help, as before. test/cli/argv-spec.test.ts compares the two on every command.
 *
 * Only types come from commander here: {@link specOf} reads a built program's objects, nothing is imported.
 */
import type { Command, Option } from 'commander';

/** How an option takes a value: a flag, `<value>`, or `[value]`. */
export type ValueKind = 'flag' | 'required' | 'optional';

export interface OptionSpec {
  long?: string;
  short?: string;
  /** commander's attribute name: `--client-id` → `clientId`, `--no-pkce` → `pkce`. */
  attr: string;
  kind: ValueKind;
  negate?: true;
  /** Each value must be one of these (commander's `.choices()`). */
  choices?: string[];
  /** Repeatable: values are collected into an array (options.ts `collect`). */
  collect?: true;
  /** A parser this module cannot reproduce: a run that gives this option goes to commander. */
  opaque?: true;
}

export interface ArgumentSpec {
  required: boolean;
  variadic: boolean;
  choices?: string[];
  default?: unknown;
}

/** One level of the program: the top level, a group (`cache`), or a command that runs (`cache list`). */
export interface CommandSpec {
  names: string[];
  options: OptionSpec[];
  /** The option values before parsing (defaults), as commander's opts() shows them. */
  defaults: Record<string, unknown>;
  /** Set for a command that runs: the key of its handler (handler-index.ts), e.g. `cache list`. */
  handler?: string;
  args?: ArgumentSpec[];
  commands?: CommandSpec[];
  /** The command cannot be run without commander (a hook, a feature not reproduced here). */
  opaque?: true;
}

/** What a parse found: everything commander's action would hand the handler (command.ts CommandInput). */
export interface ParsedArgv {
  handler: string;
  /** The running command's options (commander's opts()). */
  flags: Record<string, unknown>;
  /** Its options merged with every level above, the upper level winning (commander's optsWithGlobals()). */
  global: Record<string, unknown>;
  /** Positional arguments, as commander's processedArgs. */
  args: unknown[];
  /** Attribute names of the options given on the command line. */
  given: Set<string>;
  /** Attribute names of every option the running command has. */
  options: string[];
}

const looksLikeOption = (arg: string) => arg.length > 1 && arg[0] === '-';

interface Level {
  spec: CommandSpec;
  values: Record<string, unknown>;
  given: Set<string>;
}

/**
 * Commander's parseOptions for one level: consume this level's own options wherever they appear (values
 * included), return the operands and, from the first unknown option on, the unknown arguments. Undefined when
 * something is outside what is reproduced here.
 */
function parseLevel(level: Level, args: string[]): { operands: string[]; unknown: string[] } | undefined {
  const operands: string[] = [];
  const unknown: string[] = [];
  let dest = operands;
  const find = (flag: string) => level.spec.options.find((o) => o.long === flag || o.short === flag);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // `--`, negative numbers, -h/--help and -V/--version: commander's business
    if (arg === '--' || /^-\d|^-\.\d/.test(arg) || arg === '-h' || arg === '--help') return undefined;
    if (looksLikeOption(arg)) {
      const option = find(arg);
      if (option) {
        if (option.kind === 'required') {
          const value = args[++i];
          if (value === undefined) return undefined; // commander: "option requires an argument"
          if (!set(level, option, value)) return undefined;
        } else if (option.kind === 'optional') {
          const next = args[i + 1];
          if (next !== undefined && /^-\d|^-\.\d/.test(next)) return undefined;
          const value = next !== undefined && !looksLikeOption(next) ? args[++i]! : null;
          if (!set(level, option, value)) return undefined;
        } else if (!set(level, option, null)) return undefined;
        continue;
      }
      // a short flag with its value attached (-ojson) or a group (-ab): not reproduced
      if (arg[1] !== '-' && arg.length > 2 && find(`-${arg[1]}`)) return undefined;
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq > 2) {
        const withValue = find(arg.slice(0, eq));
        if (withValue && withValue.kind !== 'flag') {
          if (!set(level, withValue, arg.slice(eq + 1))) return undefined;
          continue;
        }
      }
      dest = unknown;
    }
    dest.push(arg);
  }
  return { operands, unknown };
}

/** Commander's option listener: parse the value, store it, note that it came from the command line. */
function set(level: Level, option: OptionSpec, value: string | null): boolean {
  if (option.opaque) return false;
  let v: unknown = value;
  if (value !== null) {
    if (option.choices && !option.choices.includes(value)) return false; // commander prints the error
    if (option.collect) {
      const previous = level.values[option.attr];
      v = [...((previous as string[] | undefined) ?? []), value];
    }
  } else v = option.negate ? false : option.kind === 'flag' || option.kind === 'optional' ? true : '';
  level.values[option.attr] = v;
  level.given.add(option.attr);
  return true;
}

/** The command a run asks for, with everything its action would receive; undefined: let commander do it. */
export function parseArgv(program: CommandSpec, argv: string[]): ParsedArgv | undefined {
  const chain: Level[] = [];
  let spec = program;
  let args = argv;
  for (;;) {
    if (spec.opaque) return undefined;
    const level: Level = { spec, values: copyDefaults(spec.defaults), given: new Set() };
    chain.push(level);
    const parsed = parseLevel(level, args);
    if (!parsed) return undefined;
    const sub = spec.commands?.find((c) => c.names.includes(parsed.operands[0] ?? ''));
    if (sub) {
      spec = sub;
      args = [...parsed.operands.slice(1), ...parsed.unknown];
      continue;
    }
    // the command that runs: nothing unknown, the right number of arguments
    if (!spec.handler || parsed.unknown.length > 0) return undefined;
    const declared = spec.args ?? [];
    const operands = parsed.operands;
    const processed: unknown[] = [];
    for (let i = 0; i < declared.length; i++) {
      const a = declared[i]!;
      if (a.variadic) {
        const rest = operands.slice(i);
        if (a.required && rest.length === 0) return undefined;
        processed.push(rest.length ? rest : (a.default ?? []));
        break;
      }
      const value = operands[i];
      if (value === undefined) {
        if (a.required) return undefined; // commander: "missing required argument"
        processed.push(a.default);
        continue;
      }
      if (a.choices && !a.choices.includes(value)) return undefined;
      processed.push(value);
    }
    const takesRest = declared.some((a) => a.variadic);
    if (!takesRest && operands.length > declared.length) return undefined; // commander: "too many arguments"
    const leaf = chain[chain.length - 1]!;
    // optsWithGlobals(): the command, then each level above it, assigned in that order
    const global = [...chain].reverse().reduce<Record<string, unknown>>((all, l) => Object.assign(all, l.values), {});
    return {
      handler: spec.handler,
      flags: leaf.values,
      global,
      args: processed,
      given: leaf.given,
      options: spec.options.map((o) => o.attr),
    };
  }
}

/**
 * The spec as the bundle carries it: most commands share their options (--tenant, --client-id, …), so each
 * distinct option is written once in a table and commands name them by index, and a command's empty defaults
 * are left out (the whole spec is about a quarter of its plain JSON).
 */
export interface PackedSpec {
  table: OptionSpec[];
  root: PackedCommand;
}
type PackedCommand = Omit<CommandSpec, 'options' | 'commands' | 'defaults'> & {
  options: number[];
  defaults?: Record<string, unknown>;
  commands?: PackedCommand[];
};

export function packSpec(spec: CommandSpec): PackedSpec {
  const table: OptionSpec[] = [];
  const index = new Map<string, number>();
  const pack = (c: CommandSpec): PackedCommand => {
    const { options, commands, defaults, ...rest } = c;
    const packed: PackedCommand = {
      ...rest,
      options: options.map((o) => {
        const key = JSON.stringify(o);
        if (!index.has(key)) index.set(key, table.push(o) - 1);
        return index.get(key)!;
      }),
    };
    if (Object.keys(defaults).length) packed.defaults = defaults;
    if (commands) packed.commands = commands.map(pack);
    return packed;
  };
  return { table, root: pack(spec) };
}

export function unpackSpec({ table, root }: PackedSpec): CommandSpec {
  const unpack = (c: PackedCommand): CommandSpec => {
    const { options, commands, defaults, ...rest } = c;
    const spec: CommandSpec = { ...rest, options: options.map((i) => table[i]!), defaults: defaults ?? {} };
    if (commands) spec.commands = commands.map(unpack);
    return spec;
  };
  return unpack(root);
}

/** Default values are plain data (strings, booleans, arrays): a fresh copy per parse. */
function copyDefaults(d: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) copy[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  return copy;
}

/** Is this a plain value the spec can carry (JSON) and hand back unchanged? */
function plain(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    ['string', 'boolean', 'number'].includes(typeof v) ||
    (Array.isArray(v) && v.every((x) => typeof x === 'string'))
  );
}

/**
 * The spec of a built program (build time). `collect` is the repeatable-option parser of options.ts, and
 * `handlerOf` names the handler a command's action runs (command.ts records it); a command whose action is
 * not known that way, and anything else this module does not reproduce, is marked opaque.
 */
export function specOf(
  cmd: Command,
  helpers: { collect: unknown; handlerOf: (cmd: Command) => string | undefined },
): CommandSpec {
  const internals = cmd as unknown as {
    _lifeCycleHooks: Record<string, unknown[]>;
    _actionHandler: unknown;
    _enablePositionalOptions: boolean;
    _passThroughOptions: boolean;
    _allowUnknownOption: boolean;
    _allowExcessArguments: boolean;
    _combineFlagAndOptionalValue: boolean;
    _storeOptionsAsProperties: boolean;
    registeredArguments: Array<{
      required: boolean;
      variadic: boolean;
      defaultValue: unknown;
      argChoices?: string[];
      parseArg?: unknown;
    }>;
    _optionValueSources: Record<string, string | undefined>;
  };
  let opaque =
    internals._enablePositionalOptions ||
    internals._passThroughOptions ||
    internals._allowUnknownOption ||
    internals._storeOptionsAsProperties ||
    // the program's one preAction hook is options.ts installIssuerDiscovery's, which dispatch-fast.ts reproduces
    Object.entries(internals._lifeCycleHooks).some(
      ([event, h]) => h.length > (cmd.parent === null && event === 'preAction' ? 1 : 0),
    );
  const options = cmd.options.map((o: Option): OptionSpec => {
    const spec: OptionSpec = {
      attr: o.attributeName(),
      kind: o.required ? 'required' : o.optional ? 'optional' : 'flag',
    };
    if (o.long) spec.long = o.long;
    if (o.short) spec.short = o.short;
    if (o.negate) spec.negate = true;
    const x = o as Option & { argChoices?: string[]; parseArg?: unknown; envVar?: string; conflictsWith: string[] };
    if (x.argChoices) spec.choices = [...x.argChoices];
    else if (x.parseArg === helpers.collect) spec.collect = true;
    else if (x.parseArg) spec.opaque = true;
    // env-backed, mandatory, variadic, conflicting or implying options: commander's job
    if (x.envVar || o.mandatory || o.variadic || x.conflictsWith.length || (o as { implied?: unknown }).implied)
      spec.opaque = true;
    // --version prints and exits: commander's
    if (
      o.presetArg !== undefined ||
      spec.attr === (cmd as unknown as { _versionOptionName?: string })._versionOptionName
    )
      spec.opaque = true;
    return spec;
  });
  // an option value defaulted to something that is not plain data cannot be handed back from a spec
  const defaults: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cmd.opts())) {
    if (!plain(v)) opaque = true;
    else defaults[k] = v;
  }
  const spec: CommandSpec = { names: [cmd.name(), ...cmd.aliases()], options, defaults };
  if (internals._actionHandler) {
    const handler = helpers.handlerOf(cmd);
    if (handler === undefined || cmd.commands.length > 0) opaque = true;
    else spec.handler = handler;
    if (internals._allowExcessArguments) opaque = true;
    spec.args = internals.registeredArguments.map((a) => {
      const arg: ArgumentSpec = { required: a.required, variadic: a.variadic };
      if (a.argChoices && !a.variadic) arg.choices = [...a.argChoices];
      else if (a.parseArg) opaque = true;
      if (a.defaultValue !== undefined) {
        if (!plain(a.defaultValue)) opaque = true;
        arg.default = a.defaultValue;
      }
      return arg;
    });
  }
  if (cmd.commands.length) spec.commands = cmd.commands.map((c) => specOf(c, helpers));
  if (opaque) spec.opaque = true;
  return spec;
}
