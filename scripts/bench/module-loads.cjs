// `node --require ./scripts/bench/module-loads.cjs dist/cli/bin.cjs …` with ENTRA_TOKEN_MODULE_LOADS=<file>:
// at exit, write which files the process loaded with require() and which of node's built-in modules it
// loaded beyond those node itself loads at start-up, as JSON { files, builtins }. Used by scripts/bench.mjs
// and test/bench/module-budget.test.ts; dist/cli/bin-manifest.json maps each chunk file to its sources.
'use strict';
const { writeFileSync } = require('node:fs');

const file = process.env.ENTRA_TOKEN_MODULE_LOADS;
const atStart = new Set(process.moduleLoadList);
if (file) {
  process.on('exit', () => {
    const files = Object.keys(require.cache).filter((f) => f !== __filename);
    const builtins = process.moduleLoadList
      .filter((m) => !atStart.has(m) && m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/'))
      .map((m) => m.slice('NativeModule '.length));
    writeFileSync(file, `${JSON.stringify({ files, builtins })}\n`);
  });
}
