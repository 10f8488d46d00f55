/** The parser for a token piped in lives in core (the credential chain uses it too). */
export { tokenFromInput } from '../core/token-input.js';
