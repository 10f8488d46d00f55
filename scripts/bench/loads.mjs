// `node --import ./scripts/bench/loads.mjs …` with ENTRA_TOKEN_BENCH_LOADS=<file>: list the modules the
// process loads (ESM resolution, which is how undici, jose and commander are reached from dist/).
import { register } from 'node:module';

const file = process.env.ENTRA_TOKEN_BENCH_LOADS;
if (file) register('./load-hook.mjs', import.meta.url, { data: { file } });
