/**
 * The emulated Entra's HTTP request handler: reads the body, answers control calls, records the request,
 * applies an armed fault, then dispatches through the route table (routes.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { entraError } from './aadsts.js';
import { authorizeFault } from './authorize.js';
import { bad } from './control.js';
import { applyFault, send, takeFault } from './faults.js';
import { clientRequestIdOf, err, errorPage, json, type EmuRequest, type Reply } from './reply.js';
import { record } from './request-log.js';
import { matchControl, matchRoute, type Match } from './routes.js';
import type { State } from './state.js';

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toEmuRequest(req: IncomingMessage, url: URL, body: Buffer, traceId: string): EmuRequest {
  const r: EmuRequest = {
    method: req.method ?? 'GET',
    url,
    headers: req.headers,
    body,
    traceId,
    ip: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
  };
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/x-www-form-urlencoded')) r.form = new URLSearchParams(body.toString('utf8'));
  return r;
}

/**
 * Why a control call is refused, if it is: the control API moves the clock, revokes users and hands out the
 * request log (which holds secrets), so a web page must not reach it. The Host must be the emulator's own
 * address (DNS rebinding sends another name), and every call must be a request a page cannot send without
 * a CORS preflight (which the emulator never grants): a JSON content type or the `X-Emulator-Control` header.
 */
export function controlRefusal(s: State, req: IncomingMessage): string | undefined {
  const own = new URL(s.url);
  const port = own.port || (own.protocol === 'https:' ? '443' : '80');
  const hosts = new Set([`${own.hostname}:${port}`, `localhost:${port}`]);
  if (!own.port) hosts.add(own.hostname).add('localhost');
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) return `Host must be the emulator's own address (${own.host}), not ${JSON.stringify(host)}`;
  const ct = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (ct !== 'application/json' && req.headers['x-emulator-control'] === undefined)
    return 'control calls need Content-Type: application/json or an X-Emulator-Control header';
  return undefined;
}

function control(s: State, req: IncomingMessage, url: URL, body: Buffer): Reply {
  const method = req.method ?? 'GET';
  const refusal = controlRefusal(s, req);
  if (refusal) return bad(refusal, 403);
  let input: Record<string, unknown> = {};
  if (method === 'POST') {
    try {
      input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      return bad('body must be JSON');
    }
  }
  const route = matchControl(method, url.pathname);
  if (!route) return bad(`no control route ${method} ${url.pathname}`, 404);
  return route.handle(s, input, toEmuRequest(req, url, body, randomUUID()));
}

async function dispatch(s: State, m: Match | undefined, r: EmuRequest): Promise<Reply> {
  if (!m) return json(404, { error: 'not_found', error_description: `No route ${r.url.pathname}` }, r.traceId);
  if (!('tenantSegment' in m)) return m.route.handle(s, r);
  const seg = decodeURIComponent(m.tenantSegment);
  const t = s.resolveTenant(seg);
  if ('error' in t) {
    // the redirect target cannot be trusted before the tenant is known: Entra's own page.
    if (m.route.page) return errorPage(s, r, t.error, { tenant: seg });
    return err(s, r, t.error, { tenant: seg });
  }
  return m.route.handle(s, r, t);
}

/** The request listener of Entra's server. */
export function entraHandler(s: State): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const url = new URL(req.url ?? '/', s.url);
    if (url.pathname.startsWith('/_emulator/')) return send(res, control(s, req, url, body));
    const rec = record(s, 'entra', req, body);
    res.on('finish', () => (rec.status = res.statusCode));
    const traceId = randomUUID();
    const m = matchRoute(url.pathname);
    const endpoint = m?.route.fault;
    const fault = takeFault(s, endpoint ?? 'other');
    const r = toEmuRequest(req, url, body, traceId);
    if (fault) {
      if (fault.kind === 'aadsts' && endpoint === 'authorize')
        return send(res, authorizeFault(s, { ...r, ip: '127.0.0.1' }, fault.code));
      if (await applyFault(s, fault, res, traceId, clientRequestIdOf(r))) return;
    }
    try {
      send(res, await dispatch(s, m, r));
    } catch (e) {
      const e2 = entraError(90033, {}, { now: s.now(), traceId });
      send(res, json(500, { ...e2.body, error: 'server_error' }, traceId));
      process.emitWarning(`entra-token emulator: ${(e as Error).stack ?? String(e)}`);
    }
  };
  return (req, res) => void handle(req, res);
}
