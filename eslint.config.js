// Lint = the layer arrows (scripts/eslint-layers.mjs) + a few rules that catch real bugs. Style is Prettier's job
// (npm run format), so no stylistic rule lives here. `npm run lint`; it also runs inside `npm test`.
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'test-results/**', 'fixtures/**'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2023,
      sourceType: 'module',
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'entra-token': layers },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // correctness: each of these is a bug when it fires
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-self-assign': 'error',
      'no-self-compare': 'error',
      'no-unreachable': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-negation': 'error',
      'no-fallthrough': 'error',
      'no-sparse-arrays': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-compare-neg-zero': 'error',
      'no-async-promise-executor': 'error',
      'no-debugger': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      'no-constant-binary-expression': 'error',
      'no-empty-character-class': 'error',
      'no-invalid-regexp': 'error',
      'no-loss-of-precision': 'error',
      'no-unused-private-class-members': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      '@typescript-eslint/no-misused-new': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'error',
      '@typescript-eslint/prefer-as-const': 'error',
    },
  },
  {
    // The layer arrows, for everything under src/.
    files: ['src/**/*.ts'],
    rules: { 'entra-token/layers': 'error' },
  },
  {
    // Core is pure: no clock, randomness or process it is not handed (the I/O modules are refused by the rule above).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core is pure: take the value (env, platform, clock) as a parameter' },
        { name: 'fetch', message: 'core is pure: build the request as a value; src/io sends it' },
        { name: 'setTimeout', message: 'core is pure: waiting belongs to src/io or src/flows' },
        { name: 'setInterval', message: 'core is pure: waiting belongs to src/io or src/flows' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core is pure: take `now` as a parameter' },
        { object: 'Math', property: 'random', message: 'core is pure: take the random value as a parameter' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'core is pure: take `now` as a parameter instead of reading the clock',
        },
      ],
    },
  },
);
