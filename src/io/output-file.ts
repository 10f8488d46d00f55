/**
 * Output files the user names (`--trace-file`, `--har`, `--curl-file`): opened without following a symlink,
 * and only if they are regular files of the user's own. A new file is created with the mode asked for; an
 * existing one keeps its mode (never chmod-ed: it is not ours), and is refused if others may write to it.
 * Another local user who plants `t.har -> ~/.bashrc` in a shared directory gets an error, not an overwrite.
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { EntraTokenError } from '../core/errors.js';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function refuse(path: string, why: string, cause?: unknown): EntraTokenError {
  return new EntraTokenError('EINSECURE', `refusing to write ${path}: ${why}`, {
    hint: 'name a new file, or a regular file of your own in a directory only you can write to',
    ...(cause ? { cause } : {}),
  });
}

/** Open `path` for writing: created new (mode `mode`), or an existing regular file owned by this user. */
export function openOutputFile(path: string, mode: number, append: boolean): { fd: number; created: boolean } {
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : undefined;
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
    return { fd, created: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      if (code === 'ELOOP') throw refuse(path, 'it is a symbolic link', e);
      throw new EntraTokenError('EBAD_INPUT', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | NOFOLLOW | constants.O_NONBLOCK | (append ? constants.O_APPEND : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refuse(path, 'it is a symbolic link', e);
    if (code === 'EISDIR') throw refuse(path, 'it is a directory', e);
    if (code === 'ENXIO') throw refuse(path, 'it is not a regular file', e);
    throw new EntraTokenError('EBAD_INPUT', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(path, 'it is not a regular file');
    if (uid !== undefined && st.uid !== uid) throw refuse(path, `it belongs to uid ${st.uid}, not to you`);
    if (st.nlink > 1) throw refuse(path, 'it has other hard links');
    if (process.platform !== 'win32' && (st.mode & 0o022) !== 0)
      throw refuse(path, `others may write to it (mode ${(st.mode & 0o777).toString(8)})`);
    if (!append) ftruncateSync(fd, 0);
    return { fd, created: false };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Check, before a command sends anything, that `path` could be opened by {@link openOutputFile}: absent, or a
 * regular file of this user's, not a symlink, not hard-linked, not writable by others. Throws EINSECURE.
 * (The open at the end checks again without following links, so a swap in between is caught too.)
 */
export function checkOutputFile(path: string): void {
  let st: import('node:fs').Stats;
  try {
    st = lstatSync(path);
  } catch {
    return; // absent (or unreachable: the open will say why)
  }
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : undefined;
  if (st.isSymbolicLink()) throw refuse(path, 'it is a symbolic link');
  if (st.isDirectory()) return; // reported as a usage error by the caller
  if (!st.isFile()) throw refuse(path, 'it is not a regular file');
  if (uid !== undefined && st.uid !== uid) throw refuse(path, `it belongs to uid ${st.uid}, not to you`);
  if (st.nlink > 1) throw refuse(path, 'it has other hard links');
  if (process.platform !== 'win32' && (st.mode & 0o022) !== 0)
    throw refuse(path, `others may write to it (mode ${(st.mode & 0o777).toString(8)})`);
}

/** Write (or append) `text` to an output file opened by {@link openOutputFile}. */
export function writeOutputFile(path: string, text: string, mode: number, append: boolean): void {
  const { fd } = openOutputFile(path, mode, append);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The text of an existing output file (to extend a HAR), or undefined if absent or not a regular file of ours. */
export function readOwnFile(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    const uid = typeof process.geteuid === 'function' ? process.geteuid() : undefined;
    if (!st.isFile() || (uid !== undefined && st.uid !== uid)) return undefined;
    const fd = openSync(path, constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK);
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
