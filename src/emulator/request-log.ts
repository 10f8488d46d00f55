/**
 * The shared request log: every request to Entra and to the extra servers, in order, with its form
 * fields or body and the status it got (control API `GET /_emulator/requests`, `emu.requests()`).
 */
import type { IncomingMessage } from 'node:http';
import type { State } from './state.js';

export interface RecordedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  form?: Record<string, string>;
  body?: string;
  status?: number;
  /** Which server got it: "entra" or the name of an extra server. */
  server: string;
}

/** Append a request to the log; the caller sets `status` when the response is finished. */
export function record(s: State, server: string, req: IncomingMessage, body: Buffer, status?: number): RecordedRequest {
  const u = new URL(req.url ?? '/', 'http://x');
  const r: RecordedRequest = {
    seq: ++s.seq,
    time: new Date(s.now()).toISOString(),
    method: req.method ?? 'GET',
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { ...req.headers },
    server,
  };
  if (body.length) {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    if (ct.startsWith('application/x-www-form-urlencoded'))
      r.form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    else r.body = body.toString('utf8').slice(0, 65536);
  }
  if (status !== undefined) r.status = status;
  s.log.push(r);
  return r;
}
