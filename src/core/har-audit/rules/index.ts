/** The catalogue of audit rules, in the order the report lists them. Each row: id, severity, sources, fix, check. */
import type { Rule } from '../rule.js';
import { BEARER_RULES } from './bearer.js';
import { ERROR_RULES } from './errors.js';
import { FRONT_CHANNEL_RULES } from './front-channel.js';
import { LEAK_RULES } from './leaks.js';
import { TOKEN_ENDPOINT_RULES } from './token-endpoint.js';

export const RULES: readonly Rule[] = [
  ...FRONT_CHANNEL_RULES,
  ...TOKEN_ENDPOINT_RULES,
  ...LEAK_RULES,
  ...BEARER_RULES,
  ...ERROR_RULES,
];
