/**
 * The device code flow (docs/protocol.md §4), as named steps:
 *   1. Request device code  (POST /devicecode; the answer validated in core)
 *   2. Wait for sign-in     (Entra's message shown; poll every `interval`, +5 s on slow_down, stop at expires_in)
 *   3. Check tokens         (response shape; id token aud / tenant)
 * Sleep is injected so tests run fast; the abort signal (Ctrl-C) stops polling with ECANCELLED.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 */
import type { Authority } from '../core/authority.js';
import type { HintContext } from '../core/aadsts.js';
import {
  processDeviceAuthorizationResponse,
  processDevicePollResponse,
  SLOW_DOWN_S,
  type DeviceAuthorization,
} from '../core/device-code.js';
import { withClaims } from '../core/claims-challenge.js';
import { EntraTokenError } from '../core/errors.js';
import { checkDeviceCodeTokens } from '../core/grants.js';
import { issuerExpectation } from '../core/provider.js';
import { signInAgainCommand } from '../core/sign-in-hint.js';
import { deviceAuthorizationRequest, deviceCodeTokenRequest } from '../core/token.js';
import type { WireRequest } from '../core/wire.js';
import { Trace } from '../io/trace.js';
import type { FlowDeps, TokenFlowResult } from './types.js';
import { sleep as sleepFor } from '../io/sleep.js';

export interface DeviceCodeOptions {
  authority: Authority;
  client_id: string;
  scopes: string[];
  /** v1 endpoints (`/oauth2/devicecode`, `/oauth2/token`) with `resource=`. */
  v1Resource?: string | undefined;
  /** Called once with Entra's instructions (the CLI prints `message` on stderr). */
  onPrompt: (d: DeviceAuthorization) => void;
  /** Called before each wait (for a spinner / progress). */
  onPoll?: (p: { attempt: number; intervalS: number; remainingS: number }) => void;
  /** The `claims` parameter, sent on the device code request and on every poll, as MSAL does (docs/protocol.md §15). */
  claims?: string | undefined;
}

export interface DeviceCodeDeps extends FlowDeps {
  /** Resolves after `ms`, rejects when `signal` aborts. Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface DeviceCodeResult extends TokenFlowResult {
  device: DeviceAuthorization;
  /** Every request sent (the device code request, then each poll). */
  requests: WireRequest[];
}

function cancelled(): EntraTokenError {
  return new EntraTokenError('ECANCELLED', 'device code sign-in cancelled; nothing was stored');
}

function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepFor(ms, signal, cancelled);
}

/** Sign a user in on another device and poll for the tokens. */
export async function deviceCodeTokens(opts: DeviceCodeOptions, deps: DeviceCodeDeps): Promise<DeviceCodeResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  const sleep = deps.sleep ?? timerSleep;
  const v1 = opts.v1Resource !== undefined;
  const hint: HintContext = {
    clientId: opts.client_id,
    tenant: opts.authority.tenant,
    authorityUrl: opts.authority.url,
    scopes: opts.scopes,
    provider: opts.authority.kind,
  };
  const requests: WireRequest[] = [];

  trace.step('Request device code');
  const dcRequest = withClaims(
    deviceAuthorizationRequest(
      v1
        ? { endpoint: opts.authority.v1DeviceCodeEndpoint, client_id: opts.client_id, resource: opts.v1Resource! }
        : { endpoint: opts.authority.deviceCodeEndpoint, client_id: opts.client_id, scopes: opts.scopes },
    ),
    opts.claims,
  );
  requests.push(dcRequest);
  const dcResponse = await deps.http.send(dcRequest, { trace, signal: deps.signal });
  const device = processDeviceAuthorizationResponse(dcResponse, { now: deps.now(), hint });
  trace.note(
    `user code ${device.user_code} at ${device.verification_uri}; poll every ${device.interval} s for at most ${device.expires_in} s`,
  );
  opts.onPrompt(device);

  trace.step('Wait for sign-in');
  let interval = device.interval;
  let attempt = 0;
  const tokenEndpoint = v1 ? opts.authority.v1TokenEndpoint : opts.authority.tokenEndpoint;
  for (;;) {
    const remainingMs = device.expires_at - deps.now();
    if (remainingMs <= 0) {
      throw new EntraTokenError(
        'ETIMEOUT',
        `the device code expired after ${device.expires_in} s before the sign-in finished`,
        {
          hint: `start a new device code sign-in: ${signInAgainCommand({ command: 'device-code', authority: opts.authority.url, issuer: opts.authority.issuer, client_id: opts.client_id })}`,
        },
      );
    }
    if (deps.signal?.aborted) throw cancelled();
    attempt += 1;
    opts.onPoll?.({ attempt, intervalS: interval, remainingS: Math.ceil(remainingMs / 1000) });
    await sleep(Math.min(interval * 1000, remainingMs), deps.signal);
    if (deps.signal?.aborted) throw cancelled();
    const request = withClaims(
      deviceCodeTokenRequest({
        tokenEndpoint,
        client_id: opts.client_id,
        device_code: device.device_code,
      }),
      opts.claims,
    );
    requests.push(request);
    let response;
    try {
      response = await deps.http.send(request, { trace, signal: deps.signal });
    } catch (e) {
      if (deps.signal?.aborted) throw cancelled();
      throw e;
    }
    const poll = processDevicePollResponse(response, { now: deps.now(), hint });
    if (poll.kind === 'pending') continue;
    if (poll.kind === 'slow_down') {
      interval += SLOW_DOWN_S;
      trace.note(`slow_down: polling every ${interval} s from now on`);
      continue;
    }
    const tokens = poll.tokens;
    trace.step('Check tokens');
    trace.note(
      `signed in after ${attempt} poll${attempt === 1 ? '' : 's'}; expires_in ${tokens.expires_in} s: the access token expires at ${tokens.expires_on}`,
    );
    const { idToken, notes } = checkDeviceCodeTokens(tokens, {
      now: deps.now(),
      client_id: opts.client_id,
      issuer: issuerExpectation(opts.authority),
      tenant: opts.authority.tenant,
      scopes: opts.scopes,
      v1,
    });
    for (const n of notes) trace.note(n);
    return { tokens, idToken, device, request, response, trace, requests };
  }
}
