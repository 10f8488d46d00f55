/**
 * The README's examples as data, and the rules that compare them with what the built CLI prints.
 *
 * The convention (also told to contributors in CONTRIBUTING.md):
 * - Every ```console block of README.md is an example that is run. A block preceded by
 *   `<!-- readme-test: skip REASON -->` is not run (the reason is required and reported).
 * - `<!-- readme-test: before COMMAND -->` (any number, before the block) runs COMMAND first, unseen by the reader
 *   (e.g. a sign-in so that `token` has something cached); `<!-- readme-test: env NAME=VALUE -->` exports a variable
 *   to every command of the block (what the text around the block tells the reader to set). Both may use the
 *   emulator's JSON line as `$EMU_<FIELD>` (`$EMU_AUTHORITY`, `$EMU_GRAPH_URL`, `$EMU_CLIENT_SECRET`, …).
 * - A line starting with `$ ` is a bash command (a trailing `\` continues it); the lines up to the next command are
 *   what it prints, stdout and stderr together as a terminal shows them.
 * - Each block runs in a fresh HOME (also the working directory), against one emulator started with auto-approve.
 *
 * In commands, the reader's shorthands are filled in: `http://127.0.0.1:PORT` is the emulator (the workspace after
 * `--host`, Graph after `--graph-url`), `--authority …` / `--tenant …` its authority / tenant, an id shortened as
 * `6a0c9e2d-…` the emulator's id with that prefix, `NAME=…` a known secret, and a bare `…` argument the
 * `--authority … --client-id …` of the block's previous command (at first: the emulator's authority and
 * public client).
 *
 * In output, `…` stands for any text on its line, and a line of `…` alone (indented or not) for any number of lines. Besides that,
 * only values that differ on every run are compared by shape: loopback ports, timestamps, keyed hmac marks and GUIDs
 * that are not the emulator's seeded ids (trace, correlation and session ids); the HOME directory prints as `~`.
 */

export interface Example {
  /** The README line of the command. */
  line: number;
  command: string;
  expected: string[];
}

export interface Block {
  /** The README line of the opening fence. */
  line: number;
  skip?: string;
  before: string[];
  env: string[];
  examples: Example[];
}

/** The ```console blocks of a markdown text, with their markers. */
export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let markers: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const marker = /^<!-- readme-test: (.*) -->$/.exec(text.trim());
    if (marker) {
      markers.push(marker[1] ?? '');
      continue;
    }
    if (text.startsWith('```console')) {
      const block: Block = { line: i + 1, before: [], env: [], examples: [] };
      for (const m of markers) {
        if (m.startsWith('skip')) block.skip = m.slice(4).trim() || '(no reason given)';
        else if (m.startsWith('before ')) block.before.push(m.slice(7));
        else if (/^env [A-Z_][A-Z0-9_]*=/.test(m)) block.env.push(m.slice(4));
        else throw new Error(`README.md:${i}: unknown readme-test marker "${m}"`);
      }
      markers = [];
      let current: Example | undefined;
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) {
        const l = lines[i] ?? '';
        if (l.startsWith('$ ')) {
          let command = l.slice(2);
          while (command.endsWith('\\') && i + 1 < lines.length) command = command.slice(0, -1) + (lines[++i] ?? '');
          current = { line: i + 1, command, expected: [] };
          block.examples.push(current);
        } else if (current) current.expected.push(l);
        else throw new Error(`README.md:${i + 1}: output before any command in a console block`);
      }
      blocks.push(block);
      continue;
    }
    if (text.trim() !== '' && markers.length > 0) {
      throw new Error(`README.md:${i + 1}: a readme-test marker must come right before a console block`);
    }
  }
  return blocks;
}

/** The emulator's JSON line (only string fields are used). */
export type Info = Record<string, unknown>;

const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

function knownIds(info: Info): string[] {
  const ids = new Set<string>();
  for (const v of Object.values(info)) if (typeof v === 'string') for (const m of v.match(GUID) ?? []) ids.add(m);
  // The well-known resource ids the README prints.
  ids.add('2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
  ids.add('00000003-0000-0000-c000-000000000000');
  return [...ids];
}

const SECRETS: Record<string, string> = {
  AZURE_CLIENT_SECRET: 'client_secret',
  ENTRA_TOKEN_PASSWORD: 'password',
};

/** Fill the reader's shorthands of a README command with the emulator's values. */
export function expandCommand(command: string, info: Info, previous: { identity?: string }): string {
  const s = (k: string): string => String(info[k] ?? '');
  let c = command;
  c = c.replace(/(--host[ =]|--graph-url[ =])?http:\/\/127\.0\.0\.1:\d+/g, (_m, flag?: string) =>
    flag === undefined ? s('url') : flag + s(flag.startsWith('--host') ? 'workspace_url' : 'graph_url'),
  );
  c = c.replace(/--authority …/g, `--authority ${s('authority')}`);
  c = c.replace(/--tenant …/g, `--tenant ${s('tenant_id')}`);
  const ids = knownIds(info);
  c = c.replace(/\b([0-9a-f]{8})-…/g, (m, prefix: string) => {
    const hits = ids.filter((id) => id.startsWith(prefix + '-'));
    return hits.length === 1 ? (hits[0] ?? m) : m;
  });
  c = c.replace(/\b([A-Z_]+)=…/g, (m, name: string) => {
    const key = SECRETS[name];
    return key ? `${name}=${s(key)}` : m;
  });
  const identity = /--authority \S+ --client-id \S+/.exec(c);
  if (identity) previous.identity = identity[0];
  previous.identity ??= `--authority ${s('authority')} --client-id ${s('public_client_id')}`;
  if (previous.identity) c = c.replace(/(\S) … /g, (_m, before: string) => `${before} ${previous.identity ?? ''} `);
  return c;
}

/** Values that differ on every run, reduced to their shape on both sides of the comparison. */
export function normalize(text: string, info: Info, home?: string): string {
  const ids = new Set(knownIds(info));
  return (home ? text.split(home).join('~') : text)
    .replace(/(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:PORT')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(Z|\.\d{6})/g, 'TIME')
    .replace(/hmac:[0-9a-f]{8}/g, 'hmac:MARK')
    .replace(GUID, (g) => (ids.has(g) ? g : 'GUID'))
    .replace(/\b([0-9a-f]{8})-…/g, (m, prefix: string) => ([...ids].some((id) => id.startsWith(prefix)) ? m : 'GUID…'))
    .replace(/[ \t]+$/gm, '');
}

function lineMatches(expected: string, actual: string): boolean {
  if (!expected.includes('…')) return expected === actual;
  const parts = expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's').test(actual);
}

/** Whether the actual lines match the expected ones (`…` on a line of its own: any number of lines). */
export function linesMatch(expected: string[], actual: string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === expected.length) r = j === actual.length;
    else if (expected[i] === '…') r = go(i + 1, j) || (j < actual.length && go(i, j + 1));
    else r = j < actual.length && lineMatches(expected[i] ?? '', actual[j] ?? '') && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Compare what a command printed with what the README shows; undefined when they agree, else a readable diff. */
export function compare(expectedLines: string[], actualText: string, info: Info, home?: string): string | undefined {
  const trimmed = [...expectedLines];
  while (trimmed.length > 0 && trimmed[trimmed.length - 1]?.trim() === '') trimmed.pop();
  const expected = trimmed.map((l) => (l.trim() === '…' ? '…' : normalize(l, info)));
  const actual = normalize(actualText.replace(/\n$/, ''), info, home)
    .split('\n')
    .filter((l, k, all) => !(all.length === 1 && l === '' && k === 0));
  if (linesMatch(expected, actual)) return undefined;
  const show = (l: string): string => '  | ' + (l.length > 300 ? l.slice(0, 300) + ' [cut here]' : l);
  return `README shows:\n${expected.map(show).join('\n')}\nthe CLI printed:\n${actual.map(show).join('\n')}`;
}
