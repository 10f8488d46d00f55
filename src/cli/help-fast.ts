/**
 * The prerendered `--help` texts of bin.ts: scripts/build-entry.mjs renders every command's help from the real
 * program at build time into __HELP_JSON__ (a JSON object keyed by the command path, '' for the top level), so asking for help
 * loads neither commander nor the commands. In the bundle this module is its own chunk, loaded only when
 * the arguments ask for help; tsc's build has no __HELP_JSON__ and every help comes from the program.
 */
declare const __HELP_JSON__: string | undefined;

/** The prerendered help `argv` asks for (`[cmd …] --help|-h` or `help [cmd …]`); undefined for anything else (the program then answers). */
export function prerenderedHelp(
  argv: string[],
  help: Record<string, string> | undefined = typeof __HELP_JSON__ === 'string'
    ? (JSON.parse(__HELP_JSON__) as Record<string, string>)
    : undefined,
): string | undefined {
  if (!help) return undefined;
  const words = (a: string[]) => (a.every((w) => /^[a-z][a-z0-9-]*$/.test(w)) ? a.join(' ') : undefined);
  const last = argv[argv.length - 1];
  const key =
    last === '--help' || last === '-h'
      ? words(argv.slice(0, -1))
      : argv[0] === 'help'
        ? words(argv.slice(1))
        : undefined;
  return key !== undefined && Object.hasOwn(help, key) ? help[key] : undefined;
}
