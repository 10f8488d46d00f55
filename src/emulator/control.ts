/**
 * The control API (`/_emulator/...`): what tests and scripts use to look at and steer the emulator. Not
 * part of Entra, not recorded in the request log, never faulted. Each call is a row of the route table
 * (routes.ts); the README's emulator section lists them.
 */
import { approveDeviceCode } from './device-code.js';
import { armFault, validateFault } from './faults.js';
import type { EmuRequest, Reply } from './reply.js';
import type { State } from './state.js';

/** A control call's handler: the parsed JSON body (`{}` for GET/DELETE) in, a reply out. */
export type ControlHandler = (s: State, input: Record<string, unknown>, req: EmuRequest) => Reply;

export function controlReply(status: number, v?: unknown): Reply {
  return {
    status,
    headers: v === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' },
    body: v === undefined ? '' : JSON.stringify(v),
  };
}

export const bad = (msg: string, status = 400): Reply => controlReply(status, { error: msg });

export const info: ControlHandler = (s) => controlReply(200, s.info);

export const listRequests: ControlHandler = (s) => controlReply(200, { requests: s.log });

export const clearRequests: ControlHandler = (s) => {
  s.log.length = 0;
  return controlReply(204);
};

export const listFaults: ControlHandler = (s) =>
  controlReply(200, { faults: s.faults.map((f) => ({ id: f.id, remaining: f.remaining, ...f.spec })) });

export const clearFaults: ControlHandler = (s) => {
  s.faults.length = 0;
  return controlReply(204);
};

export const addFault: ControlHandler = (s, input) => {
  try {
    const id = armFault(s, validateFault(input));
    return controlReply(201, { id, ...input, count: (input.count as number | undefined) ?? 1 });
  } catch (e) {
    return bad((e as Error).message);
  }
};

export const advanceClock: ControlHandler = (s, input) => {
  const secs = input.advance_seconds;
  if (typeof secs !== 'number' || !Number.isFinite(secs)) return bad('advance_seconds must be a number');
  s.advanceClock(secs);
  return controlReply(200, { now: new Date(s.now()).toISOString() });
};

export const deviceCodeAction: ControlHandler = (s, input) => {
  if (typeof input.user_code !== 'string') return bad('user_code must be a string');
  if (input.action !== 'approve' && input.action !== 'decline') return bad('action must be "approve" or "decline"');
  const r = approveDeviceCode(
    s,
    input.user_code,
    input.action,
    typeof input.username === 'string' ? input.username : undefined,
  );
  return 'error' in r ? bad(r.error, 404) : controlReply(200, { ok: true });
};

export const getPolicy: ControlHandler = (s) => controlReply(200, s.policy);

export const setPolicy: ControlHandler = (s, input) => {
  const next = { ...s.policy };
  for (const k of Object.keys(input))
    if (k !== 'require_mfa' && k !== 'allowed_platforms')
      return bad(`unknown policy field "${k}" (allowed: require_mfa, allowed_platforms)`);
  if (input.require_mfa !== undefined) {
    if (typeof input.require_mfa !== 'boolean') return bad('require_mfa must be true or false');
    next.require_mfa = input.require_mfa;
  }
  if (input.allowed_platforms !== undefined) {
    const a = input.allowed_platforms;
    if (a !== null && !(Array.isArray(a) && a.every((x) => typeof x === 'string' && x.length > 0)))
      return bad('allowed_platforms must be null or an array of OS names (e.g. ["Windows","Linux"])');
    next.allowed_platforms = a as string[] | null;
  }
  s.policy = next;
  return controlReply(200, s.policy);
};

export const revoke: ControlHandler = (s, input) => {
  const keep = input.keep_refresh_tokens;
  if (keep !== undefined && typeof keep !== 'boolean') return bad('keep_refresh_tokens must be true or false');
  if (typeof input.username !== 'string' || !s.revokeUser(input.username, keep === true))
    return bad('username must be a user of the directory', 404);
  return controlReply(200, { ok: true });
};
