/**
 * Per-user directories: state (pending authorizations) and cache (tokens). Created 0700; files in them
 * are written 0600. Overridable by environment variables for tests and unusual setups.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EntraTokenError } from '../core/errors.js';

type Env = Record<string, string | undefined>;

function home(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** `ENTRA_TOKEN_STATE_DIR`, else XDG_STATE_HOME (Linux), Application Support (macOS), LOCALAPPDATA (Windows). */
export function stateDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (env.ENTRA_TOKEN_STATE_DIR) return env.ENTRA_TOKEN_STATE_DIR;
  if (platform === 'win32')
    return join(env.LOCALAPPDATA || join(home(env), 'AppData', 'Local'), 'entra-token', 'state');
  if (platform === 'darwin') return join(home(env), 'Library', 'Application Support', 'entra-token');
  return join(env.XDG_STATE_HOME || join(home(env), '.local', 'state'), 'entra-token');
}

/** `ENTRA_TOKEN_CACHE_DIR`, else XDG_CACHE_HOME (Linux), Caches (macOS), LOCALAPPDATA (Windows). */
export function cacheDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (env.ENTRA_TOKEN_CACHE_DIR) return env.ENTRA_TOKEN_CACHE_DIR;
  if (platform === 'win32')
    return join(env.LOCALAPPDATA || join(home(env), 'AppData', 'Local'), 'entra-token', 'cache');
  if (platform === 'darwin') return join(home(env), 'Library', 'Caches', 'entra-token');
  return join(env.XDG_CACHE_HOME || join(home(env), '.cache'), 'entra-token');
}

/**
 * Make sure `dir` exists as a private directory (0700), whatever the umask. A directory we create is made
 * 0700; an existing one that is group- or world-accessible is refused, never chmod-ed: it may be a shared
 * directory (`ENTRA_TOKEN_CACHE_DIR=/tmp`, mode 1777) whose mode others rely on.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) throw new EntraTokenError('ECACHE', `${dir} exists and is not a directory`);
    if (created !== undefined) {
      if (process.platform !== 'win32' && (st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700); // ours, just made
      return;
    }
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    if (process.platform !== 'win32' && uid !== undefined && st.uid !== uid) {
      throw new EntraTokenError('ECACHE', `${dir} is owned by uid ${st.uid}, not by you`, {
        hint: 'point ENTRA_TOKEN_STATE_DIR / ENTRA_TOKEN_CACHE_DIR at a directory of your own (it is created 0700 if missing)',
      });
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new EntraTokenError(
        'ECACHE',
        `${dir} is accessible to other users (mode ${(st.mode & 0o7777).toString(8)}); refusing to keep secrets in it or to change its mode`,
        {
          hint: `point ENTRA_TOKEN_STATE_DIR / ENTRA_TOKEN_CACHE_DIR at a private directory (a new path is created 0700), or chmod 700 ${dir} if it is yours alone`,
        },
      );
    }
  } catch (e) {
    if (e instanceof EntraTokenError) throw e;
    throw new EntraTokenError('ECACHE', `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Replace `file` whole with `text`: written to `tmp` (created exclusively, 0600, in the same private directory),
 * flushed to disk (unless `durable` is false), then renamed over `file`, so a reader sees the old content or the
 * new, never a part. A failed rename removes `tmp`. Without the flush, only a crash of the machine itself can
 * leave a torn file behind, which its reader must then treat as absent.
 */
export function writePrivateFileAtomic(file: string, tmp: string, text: string, { durable = true } = {}): void {
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* best effort */
    }
    throw e;
  }
}
