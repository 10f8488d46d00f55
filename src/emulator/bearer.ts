/**
 * Bearer-token checks shared by the emulated resource servers (Databricks workspace, Graph).
 * Like a real resource server they verify the signature against the issuer's published keys
 * (a JWKS fetched over HTTP with jose's createRemoteJWKSet) — or, in unit tests, a key getter that is
 * handed in. Claim checks are left to each server, because each words its refusals differently.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { base64url, compactVerify, createRemoteJWKSet, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { EmulatorCore } from './index.js';

/** What jose's compactVerify accepts as a key getter (createRemoteJWKSet / createLocalJWKSet return one). */
export type KeyGetter = Parameters<typeof compactVerify>[1];

/** Where a resource server gets the issuer's public keys. */
export type KeySource = { jwksUrl: string } | { getKey: KeyGetter };

/** Turn a {@link KeySource} into a key getter (remote JWKS is cached by jose). */
export function keyGetter(source: KeySource): KeyGetter {
  if ('getKey' in source) return source.getKey;
  return createRemoteJWKSet(new URL(source.jwksUrl), { cooldownDuration: 0 }) as KeyGetter;
}

export interface VerifiedToken {
  header: Record<string, unknown>;
  payload: JWTPayload & Record<string, unknown>;
}

/**
 * Verify a compact JWS's signature and return its header and payload, or undefined when it is not a
 * JWT or the signature does not verify.
 *
 * Graph tokens carry a `nonce` in the JWT header (docs/protocol.md §6.4) and do not verify as issued:
 * Microsoft signs a header in which `nonce` holds a hash of the value shown. With `graphNonce`, when
 * plain verification fails and the header has a nonce, the signing input is rebuilt with
 * nonce = BASE64URL(SHA-256(nonce)) and verified again. That rewrite is the emulator's convention
 * (the Entra emulator signs Graph tokens this way); the real Graph's method is not public.
 */
export async function verifySignature(
  token: string,
  getKey: KeyGetter,
  opts: { graphNonce?: boolean } = {},
): Promise<VerifiedToken | undefined> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const attempts = [token];
  if (opts.graphNonce && typeof header.nonce === 'string') {
    const hashed = base64url.encode(createHash('sha256').update(header.nonce).digest());
    const rewritten = base64url.encode(JSON.stringify({ ...header, nonce: hashed }));
    attempts.push(`${rewritten}.${parts[1]}.${parts[2]}`);
  }
  for (const candidate of attempts) {
    try {
      const { payload } = await compactVerify(candidate, getKey, { algorithms: ['RS256'] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
      if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
      return { header, payload: claims as VerifiedToken['payload'] };
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The bearer token of a request, '' for "Bearer" with nothing after it, undefined for no/other scheme. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer(?:\s+(.*))?$/i.exec(h.trim());
  return m ? (m[1] ?? '').trim() : undefined;
}

/** A fresh request id (GUID) as both servers put in their bodies and headers. */
export function requestId(): string {
  return randomUUID();
}

/** Write a response with the given headers and body, once. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A JSON answer with the given status, once. */
export function jsonReply(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body));
}

/** Drain a request body (the servers ignore it for GETs, but must read it to keep the socket clean). */
export async function drain(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size <= limit) chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Start one of the resource servers next to the Entra emulator (an `ExtraServer` of index.ts): on the
 * emulator's host, an ephemeral port, https when the emulator runs with TLS; each request is appended to
 * the shared request log under `name`, and a fault armed for endpoint `name` ("workspace", "graph") or
 * "*" is applied first, exactly as Entra's endpoints apply theirs.
 */
export async function serveExtra(
  core: EmulatorCore,
  name: string,
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const rec = core.record(name, req, body);
      res.once('finish', () => {
        rec.status = res.statusCode;
      });
      const fault = core.takeFault(name);
      if (fault && (await core.applyFault(fault, res))) return;
      handler(req, res, body);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, 'emulator error');
    });
  };
  const server: Server = core.tls
    ? createHttpsServer({ key: core.tls.key, cert: core.tls.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, core.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = core.host.includes(':') ? `[${core.host}]` : core.host;
  return {
    url: `${core.tls ? 'https' : 'http'}://${hostPart}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
