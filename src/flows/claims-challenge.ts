/**
 * Answering a resource's claims challenge (Continuous Access Evaluation, step-up Conditional Access), as a
 * script of named steps:
 *   1. Call the resource        (with the token the chain gives)
 *   2. Answer the challenge     (a 401 `insufficient_claims`: ONE new token with the challenge's claims —
 *                               silently through the refresh token where there is one, never from the cache)
 *   3. Call again, once         (a second challenge is an error, not another round: never a loop)
 * A new token that needs a sign-in stops with EINTERACTION_REQUIRED whose hint is the command to run, with
 * `--claims '…'`.
 * @see docs/protocol.md §15
 * @see https://learn.microsoft.com/entra/identity-platform/app-resilience-continuous-access-evaluation
 */
import { challengeOfError } from '../core/claims-challenge.js';
import { EntraTokenError } from '../core/errors.js';
import { shellQuote } from '../core/sign-in-hint.js';
import type { Trace } from '../io/trace.js';

export interface ClaimsRetryDeps {
  trace?: Trace | undefined;
  /** One progress line (the CLI prints it on stderr). */
  notify?: ((line: string) => void) | undefined;
  /** The resource's name for messages, e.g. `Microsoft Graph`. */
  resource: string;
}

/**
 * Run `call` with what `open` gives (a token, or a client bound to one); when the call is refused with a claims
 * challenge, `open` once more with the challenge's claims and call again. Any other error passes through.
 */
export async function withClaimsChallenge<C, T>(
  open: (claims: string | undefined) => Promise<C>,
  call: (handle: C) => Promise<T>,
  deps: ClaimsRetryDeps,
): Promise<T> {
  const first = await open(undefined);
  let claims: string | undefined;
  try {
    return await call(first);
  } catch (e) {
    claims = challengeOfError(e);
    if (claims === undefined) throw e;
  }
  deps.trace?.step('Answer the claims challenge');
  deps.trace?.note(`${deps.resource} asked for claims ${claims}: one new token with them, then one more call`);
  deps.notify?.(
    `entra-token: ${deps.resource} answered with a claims challenge (insufficient_claims): getting a new token with its claims`,
  );
  let again: C;
  try {
    again = await open(claims);
  } catch (e) {
    if (e instanceof EntraTokenError && e.code === 'EINTERACTION_REQUIRED') {
      const run = e.hint?.includes('--claims') ? e.hint : `sign in with --claims ${shellQuote(claims)}`;
      throw new EntraTokenError(
        'EINTERACTION_REQUIRED',
        `${deps.resource} asked for a new token with claims (Continuous Access Evaluation or Conditional Access) and getting one needs a sign-in: ${e.message}`,
        { hint: run, detail: { ...e.detail, claims_challenge: claims }, cause: e },
      );
    }
    throw e;
  }
  try {
    return await call(again);
  } catch (e) {
    const second = challengeOfError(e);
    if (second === undefined) throw e;
    throw new EntraTokenError(
      'EAPI',
      `${deps.resource} answered a second claims challenge to the token acquired with its claims; not trying again (${(e as Error).message})`,
      {
        hint: `sign in again interactively with the claims: entra-token login --claims ${shellQuote(second)} (with your usual --tenant/--client-id), or ask the tenant admin which Conditional Access policy applies`,
        detail: { ...(e as EntraTokenError).detail },
        cause: e,
      },
    );
  }
}
