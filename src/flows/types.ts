/**
 * Types every flow shares: what a flow is handed (HTTP client, clock, trace, abort signal, randomness)
 * and what a token flow returns (the validated tokens, the checked id token, and the exchange itself).
 * Option names follow one rule across flows: protocol parameters keep their wire names (`client_id`,
 * `redirect_uri`, `response_mode`, `login_hint`); library knobs are camelCase (`timeoutMs`, `v1Resource`).
 */
import type { IdTokenSummary } from '../core/id-token.js';
import type { TokenResponse } from '../core/token.js';
import type { WireRequest, WireResponse } from '../core/wire.js';
import type { HttpClient } from '../io/http.js';
import type { RandomSource } from '../io/random.js';
import type { Trace } from '../io/trace.js';

/** What a flow is handed. */
export interface FlowDeps {
  http: HttpClient;
  now: () => number;
  trace?: Trace | undefined;
  signal?: AbortSignal | undefined;
  random?: RandomSource;
}

/** What a token flow returns: tokens, who signed in (when an id token came), and the exchange as sent and received. */
export interface TokenFlowResult {
  tokens: TokenResponse;
  idToken: IdTokenSummary | undefined;
  request: WireRequest;
  response: WireResponse;
  trace: Trace;
}
