/** entra-token library surface: re-exports only. */
export * from './core/errors.js';
export * from './core/wire.js';
