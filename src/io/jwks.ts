/**
 * Fetch a JWKS over HTTP (docs/protocol.md §5.4), cached in memory by URL for 24 h ("re-fetch every 24 h"),
 * or read one from a file for offline verification.
 */
import { readFile, stat } from 'node:fs/promises';
import { EntraTokenError, badInput, excerpt } from '../core/errors.js';
import { checkJwks } from '../core/verify.js';
import { mediaType, type WireRequest, type WireResponse } from '../core/wire.js';
import type { SendOptions } from './http.js';
import type { JSONWebKeySet } from 'jose';

export const JWKS_CACHE_MS = 24 * 60 * 60 * 1000;
const MAX_JWKS_BYTES = 1024 * 1024;

export type Send = (req: WireRequest, opts?: SendOptions) => Promise<WireResponse>;

export interface FetchJwksOptions extends SendOptions {
  /** The transport (default: the shared client of io/http.ts). */
  send?: Send;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** Ignore a cached copy (e.g. the token's kid was not in it: keys rotate). */
  refresh?: boolean;
}

export interface FetchedJwks {
  jwks: JSONWebKeySet;
  url: string;
  fetchedAt: number;
  fromCache: boolean;
}

const cache = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();

/** Forget every cached key set. */
export function clearJwksCache(): void {
  cache.clear();
}

/** GET a JWKS (idempotent, retried by the transport), validate its shape, cache it for 24 h by URL. */
export async function fetchJwks(url: string, o: FetchJwksOptions = {}): Promise<FetchedJwks> {
  const now = (o.now ?? Date.now)();
  const hit = cache.get(url);
  if (hit && !o.refresh && now - hit.fetchedAt < JWKS_CACHE_MS) return { ...hit, url, fromCache: true };
  const send = o.send ?? (await import('./http.js')).send;
  const { send: _s, now: _n, refresh: _r, ...sendOpts } = o;
  const res = await send({ method: 'GET', url, headers: { accept: 'application/json' }, idempotent: true }, sendOpts);
  if (res.status !== 200) {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `the JWKS endpoint ${url} answered HTTP ${res.status} (${mediaType(res) || 'no content type'}): ${excerpt(res.body, 200)}`,
      {
        hint: 'check --cloud, --authority and the tenant: keys are fetched from {authority host}/{tenant}/discovery/…/keys',
      },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new EntraTokenError(
      'EBAD_RESPONSE',
      `the JWKS endpoint ${url} did not answer JSON (HTTP ${res.status}, ${mediaType(res) || 'no content type'}): ${excerpt(res.body, 200)}`,
    );
  }
  let jwks: JSONWebKeySet;
  try {
    jwks = checkJwks(body, `the answer of ${url}`);
  } catch (e) {
    throw new EntraTokenError('EBAD_RESPONSE', (e as Error).message);
  }
  cache.set(url, { jwks, fetchedAt: now });
  return { jwks, url, fetchedAt: now, fromCache: false };
}

/** Read a JWKS JSON file (for `--jwks FILE`, offline). */
export async function readJwksFile(path: string): Promise<JSONWebKeySet> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_JWKS_BYTES)
      throw badInput(`--jwks ${path} is larger than ${MAX_JWKS_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof EntraTokenError) throw e;
    throw badInput(`cannot read --jwks ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badInput(`--jwks ${path} is not JSON`);
  }
  return checkJwks(body, `--jwks ${path}`);
}
