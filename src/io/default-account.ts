/**
 * The default account (`entra-token account use NAME`, like `az account set`): which cached sign-in commands use
 * when no `--account` or `ENTRA_TOKEN_ACCOUNT` names one. One small JSON file, `default-account.json`, 0600 in the
 * 0700 state directory, replaced whole (temp file, rename). Read synchronously and cheaply: `token`'s fast path
 * reads it too, so it imports only node:fs and io/paths.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, stateDir, writePrivateFileAtomic } from './paths.js';

type Env = Record<string, string | undefined>;

export interface DefaultAccount {
  /** What commands look the account up by: its home account id (`oid.tid`). */
  account: string;
  /** For people: the username it had when chosen. */
  username?: string | undefined;
  /** ISO time it was chosen. */
  set_at: string;
}

export const DEFAULT_ACCOUNT_FILE = 'default-account.json';

/** Where the default account is kept. */
export function defaultAccountPath(env: Env): string {
  return join(stateDir(env), DEFAULT_ACCOUNT_FILE);
}

/** The default account, or undefined when none is set (or the file is not one of ours: then it is ignored). */
export function readDefaultAccount(env: Env): DefaultAccount | undefined {
  let text: string;
  try {
    text = readFileSync(defaultAccountPath(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<DefaultAccount>;
    if (typeof v.account !== 'string' || v.account === '' || typeof v.set_at !== 'string') return undefined;
    return { account: v.account, username: typeof v.username === 'string' ? v.username : undefined, set_at: v.set_at };
  } catch {
    return undefined;
  }
}

/** Keep `value` as the default account: 0600 file in the 0700 state directory, replaced whole. */
export function writeDefaultAccount(env: Env, value: DefaultAccount): string {
  const dir = stateDir(env);
  ensurePrivateDir(dir);
  const file = join(dir, DEFAULT_ACCOUNT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writePrivateFileAtomic(file, tmp, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** Forget the default account; true when there was one. */
export function clearDefaultAccount(env: Env): boolean {
  const file = defaultAccountPath(env);
  const had = readDefaultAccount(env) !== undefined;
  rmSync(file, { force: true });
  return had;
}
