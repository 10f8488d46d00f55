/**
 * The token cache: one JSON file, `tokens.json`, 0600 in the 0700 cache directory (io/paths cacheDir).
 *
 * - Reads take no lock: every write is a whole new file (temp file, fsync, rename), so a reader sees the
 *   old file or the new one, never half of one.
 * - Read-modify-write runs under a cross-process lock: `tokens.json.lock`, created with O_EXCL and holding
 *   {pid, host, at, nonce}. A lock whose process is gone (same host) or that is older than `staleMs` is
 *   broken (with a line on stderr); a live one is waited for, up to `lockTimeoutMs`, then ECACHE.
 * - A file that is not valid cache JSON is moved aside as `tokens.json.corrupt-<time>` under the lock and
 *   reported; the command goes on with an empty cache. Nothing is dropped silently.
 * - A file or directory open to other users is tightened when it is ours (and reported: its tokens may
 *   have been read), refused with ECACHE otherwise.
 *
 * Stores sit behind one small interface, {@link TokenStore}: {@link FileTokenStore} and
 * {@link MemoryTokenStore} (library use, tests). The entry operations below work on either.
 *
 * Why one file over 500 lines: the file format, the lock and the entry operations change together (a new
 * field is read, written and locked in one change), so they stay side by side.
 */
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EntraTokenError } from '../core/errors.js';
import {
  accountFromClientInfo,
  findAccounts,
  isCacheData,
  normalizeScopes,
  resourceOf,
  sameAccount,
  type CacheData,
  type CachedAccount,
  type CachedToken,
} from '../core/cache-keys.js';

export {
  lookup,
  findAccounts,
  findToken,
  MIN_LIFETIME_MS,
  type CacheData,
  type CachedAccount,
  type CachedToken,
  type CacheQuery,
} from '../core/cache-keys.js';
import { ensurePrivateDir, writePrivateFileAtomic } from './paths.js';
import { sleep } from './sleep.js';

export const CACHE_FILE = 'tokens.json';

/** A unique-enough suffix for temp and lock files (O_EXCL guarantees uniqueness; no crypto needed, and
 * node:crypto would cost the cache-hit path a few milliseconds to load). */
function unique(): string {
  return `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

export function emptyCache(): CacheData {
  return { version: 1, accounts: [], tokens: [] };
}

/** The one interface both stores implement. */
export interface TokenStore {
  /** A consistent snapshot, without locking. */
  read(): Promise<CacheData>;
  /**
   * Read, let `fn` change the data, write it back if it changed: all under the lock. `fn` gets a signal that
   * aborts (with an ETIMEOUT reason) when the lock's hold time is up; pass it to any request made under the lock.
   */
  update<T>(fn: (data: CacheData, hold: { signal: AbortSignal }) => T | Promise<T>): Promise<T>;
  /** Where it lives, for messages. */
  readonly location: string;
}

export interface FileStoreOptions {
  /** Lines for stderr: a corrupt file moved aside, a stale lock broken, permissions fixed. */
  warn?: (line: string) => void;
  lockTimeoutMs?: number;
  staleMs?: number;
  /**
   * The longest the lock is held (a refresh under it is aborted then); written into the lock, so a waiter
   * never breaks a live lock before it. Default: 5 s less than `staleMs`.
   */
  holdMs?: number;
  /** Our uid (tests pretend to be someone else). */
  uid?: number | undefined;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

interface LockInfo {
  pid: number;
  host: string;
  at: number;
  nonce: string;
  /** When the holder promises to have released it (ms). */
  until?: number;
}

/** A lock is not trusted to be dated more than this into the future (clock steps, garbage). */
const FUTURE_SLACK_MS = 5_000;
/** An empty or unreadable lock is a writer between create and write: given this long, then broken. */
const UNREADABLE_GRACE_MS = 1_000;

/** Tokens in `dir/tokens.json`; see the module comment for the guarantees. */
export class FileTokenStore implements TokenStore {
  readonly file: string;
  readonly lockFile: string;
  private readonly warn: (line: string) => void;
  private readonly lockTimeoutMs: number;
  private readonly staleMs: number;
  private readonly holdMs: number;
  private readonly uid: number | undefined;

  constructor(
    readonly dir: string,
    opts: FileStoreOptions = {},
  ) {
    this.file = join(dir, CACHE_FILE);
    this.lockFile = `${this.file}.lock`;
    this.warn = opts.warn ?? (() => {});
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
    this.staleMs = opts.staleMs ?? 60_000;
    this.holdMs = opts.holdMs ?? Math.max(1_000, this.staleMs - 5_000);
    this.uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : undefined);
  }

  get location(): string {
    return this.file;
  }

  /** Tighten (ours) or refuse (someone else's) a path open to group or others. */
  private checkPrivate(mode: number, owner: number, path: string, wanted: number, fix: () => void): void {
    if (process.platform === 'win32' || (mode & 0o077) === 0) return;
    const shown = (mode & 0o777).toString(8);
    if (this.uid !== undefined && owner === this.uid) {
      fix();
      this.warn(
        `entra-token: warning: ${path} was accessible to other users (mode ${shown}); made it ${wanted.toString(8)}. Tokens in it may have been read: consider \`entra-token cache clear\``,
      );
      return;
    }
    throw new EntraTokenError(
      'ECACHE',
      `${path} is accessible to other users (mode ${shown}) and is owned by uid ${owner}, not by you`,
      {
        hint: `refusing to use a token cache others can read or replace; chmod ${wanted.toString(8)} ${path} as its owner, or set ENTRA_TOKEN_CACHE_DIR to a private directory`,
      },
    );
  }

  /** The raw text, or undefined when there is no file. Checks the directory and file permissions. */
  private readText(): string | undefined {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new EntraTokenError('ECACHE', `cannot read ${this.file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const dst = statSync(this.dir);
      if (process.platform !== 'win32' && (dst.mode & 0o077) !== 0)
        throw new EntraTokenError(
          'ECACHE',
          `${this.dir} is accessible to other users (mode ${(dst.mode & 0o7777).toString(8)}); refusing to read tokens from it or to change its mode`,
          { hint: 'point ENTRA_TOKEN_CACHE_DIR at a private directory (a new path is created 0700)' },
        );
      const st = fstatSync(fd);
      this.checkPrivate(st.mode, st.uid, this.file, 0o600, () => fchmodSync(fd, 0o600));
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  private parse(text: string | undefined): CacheData | undefined {
    if (text === undefined) return emptyCache();
    try {
      const v: unknown = JSON.parse(text);
      return isCacheData(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  async read(): Promise<CacheData> {
    const data = this.parse(this.readText());
    if (data) return data;
    // Corrupt: moved aside under the lock (a writer may be replacing it right now).
    return this.update((d) => d);
  }

  /** Under the lock: the data, a corrupt file moved aside first. */
  private readLocked(): CacheData {
    const text = this.readText();
    const data = this.parse(text);
    if (data) return data;
    const aside = `${this.file}.corrupt-${stamp(Date.now())}`;
    renameSync(this.file, aside);
    this.warn(
      `entra-token: warning: the token cache ${this.file} was not valid (${text!.length} bytes); moved it aside to ${aside} and started an empty cache`,
    );
    return emptyCache();
  }

  private writeAtomic(data: CacheData): void {
    const tmp = join(this.dir, `.${CACHE_FILE}.${unique()}.tmp`);
    writePrivateFileAtomic(this.file, tmp, JSON.stringify(data, null, 1));
    if (process.platform !== 'win32') {
      // make the rename itself durable
      try {
        const dfd = openSync(this.dir, 'r');
        try {
          fsyncSync(dfd);
        } finally {
          closeSync(dfd);
        }
      } catch {
        /* some file systems refuse fsync on a directory */
      }
    }
  }

  async update<T>(fn: (data: CacheData, hold: { signal: AbortSignal }) => T | Promise<T>): Promise<T> {
    ensurePrivateDir(this.dir);
    const release = await this.lock();
    const hold = new AbortController();
    const timer = setTimeout(
      () =>
        hold.abort(
          new EntraTokenError(
            'ETIMEOUT',
            `the work under the token cache lock did not finish within ${Math.round(this.holdMs / 1000)} s`,
            { hint: 'the lock is released; try again (a refresh that was sent may have rotated the refresh token)' },
          ),
        ),
      this.holdMs,
    );
    try {
      const data = this.readLocked();
      const before = JSON.stringify(data);
      const result = await Promise.race([
        Promise.resolve(fn(data, { signal: hold.signal })),
        new Promise<never>((_r, reject) =>
          hold.signal.addEventListener('abort', () => reject(hold.signal.reason as Error), { once: true }),
        ),
      ]);
      if (JSON.stringify(data) !== before) {
        try {
          this.writeAtomic(data);
        } catch (e) {
          if (e instanceof EntraTokenError) throw e;
          throw new EntraTokenError('ECACHE', `cannot write ${this.file}: ${(e as Error).message}`, { cause: e });
        }
      }
      return result;
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  private readLock(): { info: LockInfo | undefined; raw: string; mtime: number } | undefined {
    try {
      const raw = readFileSync(this.lockFile, 'utf8');
      const mtime = statSync(this.lockFile).mtimeMs;
      let info: LockInfo | undefined;
      try {
        const v = JSON.parse(raw) as LockInfo;
        if (typeof v.pid === 'number' && typeof v.at === 'number') info = v;
      } catch {
        /* being written, or garbage: judged by its age */
      }
      return { info, raw, mtime };
    } catch {
      return undefined; // released meanwhile
    }
  }

  private staleReason(l: { info: LockInfo | undefined; mtime: number }, now: number): string | undefined {
    if (!l.info) return now - l.mtime > UNREADABLE_GRACE_MS ? 'an empty or unreadable lock file' : undefined;
    const here = l.info.host === hostname();
    if (here && !pidAlive(l.info.pid)) return `pid ${l.info.pid} is no longer running`;
    // a date in the future would otherwise never age (same host: same clock)
    if (l.info.at > now + (here ? FUTURE_SLACK_MS : this.staleMs)) return 'it is dated in the future';
    if (l.info.until !== undefined) {
      if (l.info.until > l.info.at + this.staleMs * 10) return 'it claims an unreasonably long hold';
      return now > l.info.until
        ? `its holder promised to release it ${Math.round((now - l.info.until) / 1000)} s ago`
        : undefined;
    }
    if (now - l.info.at > this.staleMs) return `it is ${Math.round((now - l.info.at) / 1000)} s old`;
    return undefined;
  }

  /** Take the lock; returns its release. */
  private async lock(): Promise<() => void> {
    const nonce = unique();
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o600);
        try {
          const at = Date.now();
          writeSync(
            fd,
            JSON.stringify({
              pid: process.pid,
              host: hostname(),
              at,
              nonce,
              until: at + this.holdMs + 2_000,
            } satisfies LockInfo),
          );
        } catch (e) {
          // a lock we could not fill (ENOSPC) must not stay behind for others to wait on
          closeSync(fd);
          try {
            unlinkSync(this.lockFile);
          } catch {
            /* gone */
          }
          throw new EntraTokenError('ECACHE', `cannot write the lock ${this.lockFile}: ${(e as Error).message}`, {
            cause: e,
          });
        }
        closeSync(fd);
        return () => this.unlock(nonce);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new EntraTokenError('ECACHE', `cannot create the lock ${this.lockFile}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
      const held = this.readLock();
      if (!held) continue;
      const now = Date.now();
      const stale = this.staleReason(held, now);
      if (stale) {
        this.breakLock(held.raw);
        this.warn(`entra-token: warning: removed a stale lock on the token cache (${stale})`);
        continue;
      }
      if (now > deadline) {
        const who = held.info
          ? `pid ${held.info.pid} on ${held.info.host}, taken ${Math.round((now - held.info.at) / 1000)} s ago`
          : 'an unknown process';
        throw new EntraTokenError(
          'ECACHE',
          `the token cache is locked by ${who}; gave up after ${Math.round(this.lockTimeoutMs / 1000)} s`,
          {
            hint: `another entra-token is refreshing; if none is running, delete ${this.lockFile}`,
          },
        );
      }
      await sleep(5 + Math.floor(Math.random() * 20));
    }
  }

  /** Remove a stale lock without removing a fresh one that replaced it meanwhile. */
  private breakLock(staleRaw: string): void {
    const aside = `${this.lockFile}.stale-${unique()}`;
    try {
      renameSync(this.lockFile, aside);
    } catch {
      return; // someone else broke it
    }
    try {
      if (readFileSync(aside, 'utf8') !== staleRaw) {
        // we took a fresh lock: put it back unless a third one exists already
        try {
          linkSync(aside, this.lockFile);
        } catch {
          /* a newer lock exists; its holder wins */
        }
      }
    } finally {
      try {
        unlinkSync(aside);
      } catch {
        /* gone */
      }
    }
  }

  private unlock(nonce: string): void {
    try {
      const v = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockInfo;
      if (v.nonce === nonce) unlinkSync(this.lockFile);
    } catch {
      /* already gone (broken as stale): nothing to release */
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tokens in memory (library use, tests); updates are serialized like the file's. */
export class MemoryTokenStore implements TokenStore {
  private data: CacheData = emptyCache();
  private queue: Promise<unknown> = Promise.resolve();
  readonly location = 'memory';

  async read(): Promise<CacheData> {
    return structuredClone(this.data);
  }

  update<T>(fn: (data: CacheData, hold: { signal: AbortSignal }) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const copy = structuredClone(this.data);
      const result = await fn(copy, { signal: new AbortController().signal });
      this.data = copy;
      return result;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

// ---------------------------------------------------------------------------------------------- entries

export interface StoreInput {
  authority: string;
  client_id: string;
  /** A provider found by discovery: its kind, exact issuer and token endpoint (for silent refresh). */
  provider?: { kind: 'entra' | 'oidc'; issuer?: string | undefined; token_endpoint: string } | undefined;
  /** The scopes requested. */
  scopes: string[];
  tokens: {
    token_type: string;
    access_token: string;
    expires_on: string;
    scope?: string | undefined;
    refresh_token?: string | undefined;
    client_info?: string | undefined;
  };
  /** The checked id token's summary, when there was one. */
  idToken?:
    | {
        oid?: string | undefined;
        tid?: string | undefined;
        iss?: string | undefined;
        sub?: string | undefined;
        email?: string | undefined;
        preferred_username?: string | undefined;
        name?: string | undefined;
      }
    | undefined;
  /** App-only (client credentials): the account is the client id. */
  appOnly?: boolean;
  now: number;
}

function accessTokenClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    const v = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Add a token response to the cache data: the account (with the new refresh token, if one came) and the
 * access token (replacing the one for the same resource and scopes). Returns the stored pair.
 */
export function putTokens(data: CacheData, input: StoreInput): { account: CachedAccount; token: CachedToken } {
  const claims = accessTokenClaims(input.tokens.access_token);
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : undefined);
  const appOnly =
    input.appOnly ??
    (claims.idtyp === 'app' || (str('scp') === undefined && str('upn') === undefined && Array.isArray(claims.roles)));
  const oid = input.idToken?.oid ?? (appOnly ? undefined : str('oid'));
  const tid = input.idToken?.tid ?? str('tid');
  // OpenID Connect Core §2: iss + sub identify a user at any provider, where Entra's oid/tid are absent
  const iss = input.idToken?.iss ?? str('iss');
  const sub = input.idToken?.sub ?? str('sub');
  const homeId = appOnly
    ? input.client_id.toLowerCase()
    : (accountFromClientInfo(input.tokens.client_info) ??
      (oid && tid ? `${oid}.${tid}`.toLowerCase() : undefined) ??
      (iss && sub ? `${sub}@${iss.replace(/^https?:\/\//, '').replace(/\/+$/, '')}` : undefined) ??
      'unknown');
  const key = { authority: input.authority, client_id: input.client_id, account: homeId };
  let account = data.accounts.find((a) => sameAccount(a, key));
  if (!account) {
    account = { ...key, kind: appOnly ? 'app' : 'user', updated_at: input.now };
    data.accounts.push(account);
  }
  const p = input.provider;
  if (p?.kind === 'oidc') account.provider = 'oidc';
  if (p?.issuer !== undefined) {
    account.issuer = p.issuer;
    account.token_endpoint = p.token_endpoint;
  }
  account.updated_at = input.now;
  if (!appOnly) {
    account.username =
      input.idToken?.preferred_username ??
      str('upn') ??
      str('preferred_username') ??
      str('unique_name') ??
      input.idToken?.email ??
      str('email') ??
      account.username ??
      // another provider's subject is its stable user name when it sends no other (Entra's sub is pairwise)
      (account.provider === 'oidc' ? sub : undefined);
    account.name = input.idToken?.name ?? str('name') ?? account.name;
    account.oid = oid ?? account.oid;
  }
  account.tid = tid ?? account.tid;
  // the newest refresh token wins; an answer without one keeps the one we have
  if (input.tokens.refresh_token) account.refresh_token = input.tokens.refresh_token;
  const granted = normalizeScopes(input.tokens.scope ? [input.tokens.scope] : []);
  const scopes = normalizeScopes(input.scopes);
  // Entra scopes name their resource; elsewhere scopes are opaque and the token's own `aud` names it
  const aud =
    str('aud') ?? (Array.isArray(claims.aud) && typeof claims.aud[0] === 'string' ? claims.aud[0] : undefined);
  const resource =
    account.provider === 'oidc'
      ? (aud ?? 'unknown')
      : (resourceOf(scopes) ?? resourceOf(granted) ?? (aud ?? 'unknown').toLowerCase());
  const token: CachedToken = {
    ...key,
    resource,
    scopes,
    granted,
    token_type: input.tokens.token_type,
    access_token: input.tokens.access_token,
    expires_at: Date.parse(input.tokens.expires_on),
    cached_at: input.now,
  };
  const scopesKey = scopes.join(' ');
  // replace the same entry; drop access tokens expired for a day (their account keeps the refresh token)
  data.tokens = data.tokens.filter(
    (t) =>
      !(sameAccount(t, key) && t.resource === resource && t.scopes.join(' ') === scopesKey) &&
      t.expires_at > input.now - 86_400_000,
  );
  data.tokens.push(token);
  return { account, token };
}

/** Remove accounts (and their tokens) matching `account` (all when undefined). Returns how many. */
export function removeAccounts(data: CacheData, account: string | undefined): number {
  const gone = account === undefined ? data.accounts : findAccounts(data, { account });
  if (gone.length === 0) return 0;
  data.accounts = data.accounts.filter((a) => !gone.includes(a));
  data.tokens = data.tokens.filter((t) => !gone.some((a) => sameAccount(a, t)));
  return gone.length;
}
