// The layer arrows of the design as one ESLint rule (see CONTRIBUTING.md, "Layers"):
//
//   cli ──► flows / apis ──► io ──► core        emulator: imports nothing from src/ outside src/emulator
//
// Every import, re-export and dynamic import() in a file under src/ is resolved against the file's folder and
// checked against the table below; core additionally may not import a module with effects (files, sockets,
// processes). src/index.ts is the library surface: re-exports only.
import { dirname, relative, resolve, sep } from 'node:path';

/** What each layer may not import (other layers by folder name under src/). */
export const FORBIDDEN_LAYERS = {
  core: ['io', 'flows', 'apis', 'cli', 'emulator', 'index.ts'],
  io: ['flows', 'apis', 'cli', 'emulator', 'index.ts'],
  flows: ['cli', 'emulator', 'index.ts'],
  apis: ['cli', 'emulator', 'index.ts'],
  cli: ['index.ts'],
  emulator: ['core', 'io', 'flows', 'apis', 'cli', 'index.ts'],
};

/** Modules with effects that core may not import (with or without the `node:` prefix). */
export const EFFECTFUL_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'cluster',
  'worker_threads',
  'readline',
  'os',
  'process',
  'undici',
];

/** The layer a path under src/ belongs to: its first folder, or `index.ts` for the library surface. */
function layerOf(srcDir, file) {
  const rel = relative(srcDir, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  const first = rel.split(sep)[0];
  return first === 'index.ts' || first === 'index.js' ? 'index.ts' : first;
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layer arrows: cli → flows/apis → io → core; the emulator stands alone' },
    schema: [],
    messages: {
      layer:
        '{{from}} may not import {{to}} ({{source}}): the layers point cli → flows/apis → io → core, and the emulator imports nothing else from src/ (CONTRIBUTING.md, "Layers")',
      effect:
        'core is pure and may not import {{source}} (a module with effects); do the I/O in src/io and hand core the values (CONTRIBUTING.md, "Layers")',
      reexport: 'src/index.ts is the library surface and holds re-exports only; put code in its layer and re-export it',
    },
  },
  create(context) {
    const file = context.filename;
    const srcDir = resolve(context.cwd, 'src');
    const from = layerOf(srcDir, file);
    if (!from) return {};

    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const to = layerOf(srcDir, resolve(dirname(file), source));
        if (to === undefined) {
          context.report({ node, messageId: 'layer', data: { from, to: 'anything outside src/', source } });
        } else if (to !== from && (FORBIDDEN_LAYERS[from] ?? []).includes(to)) {
          context.report({ node, messageId: 'layer', data: { from, to, source } });
        }
        return;
      }
      if (from === 'core') {
        const bare = source.replace(/^node:/, '');
        if (EFFECTFUL_MODULES.includes(bare)) context.report({ node, messageId: 'effect', data: { source } });
      }
    }

    const visitors = {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value),
    };
    if (from === 'index.ts') {
      visitors.Program = (program) => {
        for (const stmt of program.body) {
          const ok =
            (stmt.type === 'ExportNamedDeclaration' && stmt.source) ||
            stmt.type === 'ExportAllDeclaration' ||
            (stmt.type === 'ImportDeclaration' && stmt.importKind === 'type');
          if (!ok) context.report({ node: stmt, messageId: 'reexport' });
        }
      };
    }
    return visitors;
  },
};

export default { meta: { name: 'entra-token-layers' }, rules: { layers } };
