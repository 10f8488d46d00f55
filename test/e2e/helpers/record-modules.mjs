// Loaded with `node --import`: records every module URL the process resolves into $RECORD_MODULES,
// so a test can assert which modules a command loads (a cache hit must load neither undici nor jose).
import { register } from 'node:module';
register('./record-modules-hooks.mjs', import.meta.url);
