/**
 * Faults a test arms through the control API (`POST /_emulator/faults`) or `emu.fault(spec)`: the next
 * N requests to an endpoint answer with an AADSTS error, a status (with Retry-After), a delay, a proxy's
 * HTML page, truncated JSON, or a dropped connection. Which endpoint a request belongs to comes from the
 * route table (routes.ts); extra servers (Databricks, Graph) use their own names.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AADSTS, entraError } from './aadsts.js';
import { DATABRICKS_APP_ID, DEFAULT_IDS } from './directory.js';
import { json, type Reply } from './reply.js';
import type { State } from './state.js';

export type FaultEndpoint = 'token' | 'authorize' | 'devicecode' | 'discovery' | 'jwks' | '*' | (string & {});

export type FaultSpec = { endpoint: FaultEndpoint; count?: number } & (
  | { kind: 'aadsts'; code: number }
  | { kind: 'status'; status: number; retry_after?: number | string }
  | { kind: 'delay'; ms: number }
  | { kind: 'html'; status?: number }
  | { kind: 'malformed' }
  | { kind: 'drop' }
);

export interface ArmedFault {
  id: string;
  spec: FaultSpec;
  remaining: number;
}

export function validateFault(v: unknown): FaultSpec {
  if (typeof v !== 'object' || v === null) throw new Error('fault must be a JSON object');
  const f = v as Record<string, unknown>;
  if (typeof f.endpoint !== 'string' || !f.endpoint)
    throw new Error(
      'fault.endpoint must be "token", "authorize", "devicecode", "discovery", "jwks", "*" or an extra server name',
    );
  if (f.count !== undefined && (!Number.isInteger(f.count) || (f.count as number) < 1))
    throw new Error('fault.count must be a positive integer');
  switch (f.kind) {
    case 'aadsts':
      if (!Number.isInteger(f.code) || !AADSTS[f.code as number])
        throw new Error(`fault.code must be a known AADSTS code (${Object.keys(AADSTS).join(', ')})`);
      break;
    case 'status':
      if (!Number.isInteger(f.status) || (f.status as number) < 100 || (f.status as number) > 599)
        throw new Error('fault.status must be an HTTP status');
      if (f.retry_after !== undefined && typeof f.retry_after !== 'number' && typeof f.retry_after !== 'string')
        throw new Error('fault.retry_after must be seconds or an HTTP date');
      break;
    case 'delay':
      if (typeof f.ms !== 'number' || f.ms < 0) throw new Error('fault.ms must be a non-negative number');
      break;
    case 'html':
    case 'malformed':
    case 'drop':
      break;
    default:
      throw new Error('fault.kind must be "aadsts", "status", "delay", "html", "malformed" or "drop"');
  }
  return f as unknown as FaultSpec;
}

/** Validate and arm a fault; returns its id. */
export function armFault(s: State, spec: unknown): string {
  const valid = validateFault(spec);
  const id = randomUUID();
  s.faults.push({ id, spec: valid, remaining: valid.count ?? 1 });
  return id;
}

/** Take one armed fault for `endpoint` (a "*" fault matches every endpoint but the control API). */
export function takeFault(s: State, endpoint: string): FaultSpec | undefined {
  const i = s.faults.findIndex(
    (f) => f.spec.endpoint === endpoint || (f.spec.endpoint === '*' && endpoint !== 'control'),
  );
  if (i < 0) return undefined;
  const f = s.faults[i]!;
  if (--f.remaining <= 0) s.faults.splice(i, 1);
  return f.spec;
}

/** A proxy's HTML error page, for the "html" fault. */
function proxyPage(status: number): string {
  return `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

export function send(res: ServerResponse, r: Reply): void {
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

/** Apply a fault to a response; true when the response was handled (a delay returns false: answer normally). */
export async function applyFault(
  s: State,
  fault: FaultSpec,
  res: ServerResponse,
  traceId = randomUUID(),
  /** The request's client-request-id: Entra echoes it as the error's correlation id (docs/protocol.md §3.1). */
  correlationId?: string,
): Promise<boolean> {
  switch (fault.kind) {
    case 'delay':
      await new Promise((r) => setTimeout(r, fault.ms));
      return false;
    case 'drop':
      res.socket?.destroy();
      return true;
    case 'malformed':
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'x-ms-request-id': traceId });
      res.end('{"token_type":"Bearer","expires_in":35');
      return true;
    case 'html': {
      const status = fault.status ?? 502;
      res.writeHead(status, { 'Content-Type': 'text/html', Server: 'nginx' });
      res.end(proxyPage(status));
      return true;
    }
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retry_after !== undefined) headers['Retry-After'] = String(fault.retry_after);
      // The real 429/503 body is not documented (docs/protocol.md §3.2); an Entra-shaped temporarily_unavailable is [inferred].
      const e = entraError(
        fault.status === 429 ? 50196 : 90033,
        {},
        { now: s.now(), traceId, ...(correlationId ? { correlationId } : {}) },
        { status: fault.status },
      );
      send(res, json(fault.status, e.body, traceId, headers));
      return true;
    }
    case 'aadsts': {
      const e = entraError(
        fault.code,
        {
          appId: DEFAULT_IDS.public_client_id,
          tenant: s.dir.tenant_domain,
          resource: DATABRICKS_APP_ID,
          name: 'grant_type',
          scope: '',
          uri: '',
        },
        { now: s.now(), traceId, ...(correlationId ? { correlationId } : {}) },
      );
      send(res, json(e.status, e.body, traceId));
      return true;
    }
  }
}
