// Module-load tracing for the benchmark: every module URL that is resolved is appended to a file.
// Registered by loads.mjs (node --import ./scripts/bench/loads.mjs); runs on the loader thread.
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, `${r.url}\n`);
  return r;
}
