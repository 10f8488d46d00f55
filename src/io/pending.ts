/**
 * Pending authorizations: what `authorize-url` (or `login`) must remember for the exchange — state,
 * code_verifier, nonce, redirect_uri, client, authority, scopes, time. Kept for 10 minutes (an
 * authorization code's own lifetime), several at once, found by state. One file per authorization,
 * named by a hash of its state, 0600 in a 0700 directory. After a definitive answer from the token
 * endpoint the entry becomes a tombstone without secrets, so a second use is recognised as such.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EntraTokenError, excerpt } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { ensurePrivateDir, writePrivateFileAtomic } from './paths.js';

export const PENDING_TTL_MS = 10 * 60 * 1000;

export interface PendingAuthorization {
  state: string;
  /** Absent when PKCE was disabled (--no-pkce). */
  code_verifier?: string | undefined;
  nonce?: string | undefined;
  redirect_uri: string;
  client_id: string;
  /** `{origin}/{tenant}` (or the issuer of a provider found by discovery) */
  authority: string;
  /** The token endpoint to redeem the code at. Absent in files written before it was stored: then `{authority}/oauth2/v2.0/token`. */
  token_endpoint?: string | undefined;
  tenant: string;
  scopes: string[];
  response_mode: string;
  /** Milliseconds since the epoch. */
  created_at: number;
  /** `oidc` for a provider other than Entra (absent: Entra). */
  kind?: 'oidc' | undefined;
  /** The exact issuer of a provider found by discovery: the id token's `iss` and RFC 9207's `iss` must be it. */
  issuer?: string | undefined;
  /** The provider advertises RFC 9207 `iss` on authorization responses: one without it is refused. */
  iss_parameter_supported?: boolean | undefined;
  /** The `client-request-id` of the authorize URL: an error redirect's correlation id, quoted with the error. */
  client_request_id?: string | undefined;
  /** The `claims` parameter sent on the authorize request: the code redemption sends it again (docs/protocol.md §15). */
  claims?: string | undefined;
}

interface Tombstone {
  used_at: number;
  state: string;
  created_at: number;
}

/** The store behind one small interface: a directory of files, or memory (library, tests). */
export interface PendingStore {
  save(p: PendingAuthorization): void;
  /** The pending authorization for `state`, or an ESTATE_* error saying what was expected and found. */
  find(state: string, now: number): PendingAuthorization;
  /** The newest live pending authorization (for --skip-state-check), if any. */
  newest(now: number): PendingAuthorization | undefined;
  /** Mark as used after a definitive answer (success or an OAuth error). */
  markUsed(state: string, now: number): void;
  /** Forget entirely (a cancelled login leaves nothing behind). */
  remove(state: string): void;
}

function key(state: string): string {
  return createHash('sha256').update(state).digest('hex').slice(0, 32);
}

function ago(ms: number): string {
  return `${formatDuration(ms / 1000)} ago`;
}

type Entry = { pending: PendingAuthorization } | { tombstone: Tombstone };

abstract class BaseStore implements PendingStore {
  protected abstract read(k: string): Entry | undefined;
  protected abstract write(k: string, e: Entry): void;
  protected abstract delete(k: string): void;
  protected abstract keys(): string[];

  save(p: PendingAuthorization): void {
    this.write(key(p.state), { pending: p });
  }

  private live(now: number): PendingAuthorization[] {
    const out: PendingAuthorization[] = [];
    for (const k of this.keys()) {
      const e = this.read(k);
      if (!e) continue;
      const created = 'pending' in e ? e.pending.created_at : e.tombstone.created_at;
      if (now - created > PENDING_TTL_MS) {
        this.delete(k); // purge: expired entries and old tombstones
        continue;
      }
      if ('pending' in e) out.push(e.pending);
    }
    return out.sort((a, b) => b.created_at - a.created_at);
  }

  find(state: string, now: number): PendingAuthorization {
    const k = key(state);
    const e = this.read(k);
    if (e && 'tombstone' in e) {
      throw new EntraTokenError(
        'ESTATE_UNKNOWN',
        `the sign-in with state ${excerpt(state, 60)} was already exchanged ${ago(now - e.tombstone.used_at)}`,
        {
          hint: 'each redirect can be exchanged once; a second paste of the same URL, or a refreshed tab, does nothing. Start a new sign-in for a new token',
        },
      );
    }
    if (e && 'pending' in e) {
      if (now - e.pending.created_at > PENDING_TTL_MS) {
        this.delete(k);
        throw new EntraTokenError(
          'ESTATE_EXPIRED',
          `the sign-in with state ${excerpt(state, 60)} was started ${ago(now - e.pending.created_at)}; pending sign-ins expire after 10 minutes, as the code does`,
          {
            hint: 'run authorize-url again and finish the sign-in within 10 minutes',
          },
        );
      }
      return e.pending;
    }
    const live = this.live(now);
    const expected = live.length
      ? `pending: ${live
          .slice(0, 3)
          .map((p) => `state ${excerpt(p.state, 24)} from ${ago(now - p.created_at)}`)
          .join(', ')}`
      : 'no sign-in is pending';
    throw new EntraTokenError('ESTATE_UNKNOWN', `no pending sign-in has state ${excerpt(state, 60)} (${expected})`, {
      hint: live.length
        ? 'the redirect comes from another sign-in: a stale tab, or a sign-in started elsewhere; use the tab opened from the newest URL'
        : 'run entra-token authorize-url first (on this machine, as this user), then paste its redirect',
    });
  }

  newest(now: number): PendingAuthorization | undefined {
    return this.live(now)[0];
  }

  markUsed(state: string, now: number): void {
    const k = key(state);
    const e = this.read(k);
    if (!e || !('pending' in e)) return;
    this.write(k, { tombstone: { used_at: now, state, created_at: e.pending.created_at } });
  }

  remove(state: string): void {
    this.delete(key(state));
  }
}

/** Pending authorizations as files under `dir` (0700), each 0600, written atomically. */
export class FilePendingStore extends BaseStore {
  constructor(private readonly dir: string) {
    super();
  }

  protected keys(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((n) => /^[0-9a-f]{32}\.json$/.test(n))
        .map((n) => n.slice(0, 32));
    } catch {
      return [];
    }
  }

  protected read(k: string): Entry | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${k}.json`), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const v = JSON.parse(text) as Entry;
      if ('pending' in v && typeof v.pending?.state === 'string' && typeof v.pending.created_at === 'number') return v;
      if ('tombstone' in v && typeof v.tombstone?.used_at === 'number') return v;
    } catch {
      /* fall through: a corrupt entry is removed, it can never be exchanged */
    }
    this.delete(k);
    return undefined;
  }

  protected write(k: string, e: Entry): void {
    ensurePrivateDir(this.dir);
    const final = join(this.dir, `${k}.json`);
    const tmp = join(this.dir, `.${k}.${randomBytes(6).toString('hex')}.tmp`);
    // not flushed to disk: a pending sign-in lives ten minutes and a crash of the machine ends it anyway; the
    // flush cost `authorize-url` and `exchange` several milliseconds each (npm run bench), and a torn entry left
    // by a crash is removed by read() as corrupt
    writePrivateFileAtomic(final, tmp, JSON.stringify(e), { durable: false });
  }

  protected delete(k: string): void {
    rmSync(join(this.dir, `${k}.json`), { force: true });
  }
}

/** In-memory pending authorizations (library use, tests). */
export class MemoryPendingStore extends BaseStore {
  private readonly map = new Map<string, Entry>();
  protected keys(): string[] {
    return [...this.map.keys()];
  }
  protected read(k: string): Entry | undefined {
    return this.map.get(k);
  }
  protected write(k: string, e: Entry): void {
    this.map.set(k, structuredClone(e));
  }
  protected delete(k: string): void {
    this.map.delete(k);
  }
}
