/**
 * The loopback HTTP server of `entra-token serve` and `exec`: a Databricks metadata service
 * (docs/protocol.md §12) on 127.0.0.1 only, at an unguessable path, bound to one workspace host. Every
 * decision is core/metadata-service's `judgeMetadataRequest`; this file moves bytes, asks the token
 * keeper, and reports each request (without the path or the token) to `onRequest`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  describeRequest,
  judgeMetadataRequest,
  metadataTokenBody,
  refusalBody,
  type MetadataSession,
  type ServedToken,
} from '../core/metadata-service.js';
import { oneLine } from '../core/errors.js';

export interface MetadataServerOptions {
  /** The workspace origin the server is bound to (normalized). */
  host: string;
  resourceId?: string | undefined;
  /** The token to hand out (the keeper: renews ahead, single flight). */
  token: () => Promise<ServedToken>;
  /** One line per request and its status, nothing secret in the line (for --trace and the refusal log). */
  onRequest?: (line: string, status: number) => void;
  /** Fixed port; default an ephemeral one. */
  port?: number;
  /** The secret path's random part (tests fix it); default 32 random bytes, base64url. */
  randomPath?: () => string;
}

export interface MetadataServer {
  /** `http://127.0.0.1:PORT/<secret>`: the DATABRICKS_METADATA_SERVICE_URL. */
  url: string;
  port: number;
  session: MetadataSession;
  /** Requests answered so far, by status. */
  counts(): Record<number, number>;
  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Start the server on 127.0.0.1 (never another address: the SDKs accept only 127.0.0.1 and localhost). */
export async function startMetadataServer(opts: MetadataServerOptions): Promise<MetadataServer> {
  const secret = (opts.randomPath ?? (() => randomBytes(32).toString('base64url')))();
  if (!/^[A-Za-z0-9_-]{22,}$/.test(secret)) throw new TypeError('the metadata path needs at least 128 random bits');
  const counts: Record<number, number> = {};
  const session: MetadataSession = {
    host: opts.host,
    path: `/${secret}`,
    port: 0,
    ...(opts.resourceId ? { resourceId: opts.resourceId } : {}),
  };

  const answer = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void => {
    counts[status] = (counts[status] ?? 0) + 1;
    res.writeHead(status, { ...COMMON_HEADERS, ...extra, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = { method: req.method ?? '', target: req.url ?? '', headers: req.headers };
    const verdict = judgeMetadataRequest(request, session);
    if (verdict.kind === 'refuse') {
      opts.onRequest?.(describeRequest(request, verdict.status, verdict.error), verdict.status);
      answer(res, verdict.status, refusalBody(verdict), verdict.status === 405 ? { Allow: 'GET' } : {});
      return;
    }
    let t: ServedToken;
    try {
      t = await opts.token();
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'EINTERNAL';
      const message = oneLine(e instanceof Error ? e.message : String(e));
      opts.onRequest?.(describeRequest(request, 503, 'token_unavailable', `${code}: ${message}`), 503);
      answer(res, 503, JSON.stringify({ error: 'token_unavailable', error_description: `${code}: ${message}` }));
      return;
    }
    const expires = new Date(t.expires_at).toISOString();
    opts.onRequest?.(describeRequest(request, 200, 'served', `token expires ${expires}`), 200);
    answer(res, 200, metadataTokenBody(t.access_token, t.expires_at));
  };

  const server = createServer((req, res) => {
    // a GET has no body; whatever else arrives is read and dropped so the socket stays usable
    req.resume();
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(res, 500, JSON.stringify({ error: 'internal_error' }));
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  session.port = port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${session.path}`,
    port,
    session,
    counts: () => ({ ...counts }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
