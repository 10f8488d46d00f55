// `node --require ./scripts/bench/max-rss.cjs …` with ENTRA_TOKEN_BENCH_RSS=<file>: at exit, append the
// process's peak resident memory (bytes) to the file. scripts/bench.mjs loads it into `node -e 0` and into
// entra-token alike, so both carry the same few bytes of it.
'use strict';
const file = process.env.ENTRA_TOKEN_BENCH_RSS;
if (file) {
  process.on('exit', () => {
    require('node:fs').appendFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`);
  });
}
