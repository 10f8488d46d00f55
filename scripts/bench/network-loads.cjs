// `node --require ./scripts/bench/network-loads.cjs dist/cli/bin.cjs …` with ENTRA_TOKEN_NETWORK_LOADS=<file>: at
// exit, write what the process had loaded at two moments of a network command, and what it loaded after V8's
// flags changed, as JSON:
//   { atRequest, atListening: { files, builtins } | null, afterFlags: string[] | null }
// - atRequest: when undici creates its first request (before anything is sent);
// - atListening: when "Listening on …" is written to stderr (`login`, before it waits for the browser);
// - afterFlags: the built-in modules loaded after the first v8.setFlagsFromString(): a changed flag makes each
//   of them miss node's embedded code cache (scripts/undici-lean.cjs).
// Used by test/bench/network-budget.test.ts; dist/cli/bin-manifest.json maps each chunk file to its sources.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const diagnostics = require('node:diagnostics_channel');

const file = process.env.ENTRA_TOKEN_NETWORK_LOADS;
const atStart = new Set(process.moduleLoadList);
const snapshot = () => ({
  files: Object.keys(require.cache).filter((f) => f !== __filename),
  builtins: process.moduleLoadList
    .filter((m) => !atStart.has(m) && m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/'))
    .map((m) => m.slice('NativeModule '.length)),
});
if (file) {
  const record = { atRequest: null, atListening: null, afterFlags: null };
  let flagsAt = -1;
  const setFlags = v8.setFlagsFromString;
  v8.setFlagsFromString = function (flags) {
    if (flagsAt < 0) flagsAt = process.moduleLoadList.length;
    return setFlags.call(this, flags);
  };
  // written at each moment too: a process that ends on a signal writes nothing at exit
  const save = () => fs.writeFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  const onRequest = () => {
    if (record.atRequest !== null) return;
    record.atRequest = snapshot();
    save();
  };
  diagnostics.subscribe('undici:request:create', onRequest);
  // stderr is written with fs.writeSync, whether it is a file (node's SyncWriteStream) or a pipe (io/fd-writer.ts)
  const writeSync = fs.writeSync;
  fs.writeSync = function (fd, data, ...rest) {
    if (fd === 2 && record.atListening === null && /Listening on /.test(String(data))) {
      record.atListening = snapshot();
      save();
    }
    return writeSync.call(this, fd, data, ...rest);
  };
  process.on('exit', () => {
    if (flagsAt >= 0)
      record.afterFlags = process.moduleLoadList
        .slice(flagsAt)
        .filter((m) => m.startsWith('NativeModule '))
        .map((m) => m.slice('NativeModule '.length));
    save();
  });
}
