/**
 * Reading `~/.databrickscfg` (or $DATABRICKS_CONFIG_FILE). Synchronous: it is read once, before any
 * request, by option resolution.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  parseDatabricksConfig,
  profileNames,
  resolveProfile,
  type DatabricksConfigFile,
  type ResolvedProfile,
} from '../core/databrickscfg.js';
import { profileChoice, type Env, type Source } from '../core/config.js';
import { EntraTokenError, usageError } from '../core/errors.js';

const MAX_BYTES = 1024 * 1024;

function home(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** The config file path and how to show it (`~/.databrickscfg`). */
export function databricksConfigPath(env: Env, cwd = process.cwd()): { path: string; display: string; source: Source } {
  const h = home(env);
  const given = env.DATABRICKS_CONFIG_FILE?.trim();
  const path = given ? resolve(cwd, given.replace(/^~(?=$|[/\\])/, h)) : join(h, '.databrickscfg');
  const display =
    path === h || path.startsWith(`${h}/`) || path.startsWith(`${h}\\`) ? `~${path.slice(h.length)}` : path;
  return { path, display, source: given ? { kind: 'env', name: 'DATABRICKS_CONFIG_FILE' } : { kind: 'default' } };
}

/** The parsed file, or undefined when it does not exist. Unreadable or malformed files are errors. */
export function readDatabricksConfig(env: Env, cwd?: string): DatabricksConfigFile | undefined {
  const { path, display } = databricksConfigPath(env, cwd);
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new EntraTokenError('EBAD_INPUT', `${display} is not a file`);
    if (st.size > MAX_BYTES) throw new EntraTokenError('EBAD_INPUT', `${display} is larger than ${MAX_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof EntraTokenError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new EntraTokenError('EBAD_INPUT', `cannot read ${display}: ${code ?? (e as Error).message}`);
  }
  return parseDatabricksConfig(text, display);
}

export interface ProfileLoad {
  /** The profile in use, if any. */
  profile: ResolvedProfile | undefined;
  /** Which profile was asked for and by what. */
  choice: ReturnType<typeof profileChoice>;
  file: ReturnType<typeof databricksConfigPath>;
  exists: boolean;
}

/**
 * The profile to apply: the one named by --profile or DATABRICKS_CONFIG_PROFILE (an error if it is
 * missing), else DEFAULT when the file has one, else none.
 */
export function loadProfile(flag: string | undefined, env: Env, cwd?: string): ProfileLoad {
  const choice = profileChoice(flag, env);
  const file = databricksConfigPath(env, cwd);
  const cfg = readDatabricksConfig(env, cwd);
  if (!cfg) {
    if (choice.explicit) {
      throw usageError(
        `profile ${choice.name} (from ${choice.source.kind === 'flag' ? '--profile' : 'DATABRICKS_CONFIG_PROFILE'}) is not defined: ${file.display} does not exist`,
        'create it, or set DATABRICKS_CONFIG_FILE to the file that has the profile',
      );
    }
    return { profile: undefined, choice, file, exists: false };
  }
  const profile = resolveProfile(cfg, choice.name);
  if (!profile && choice.explicit) {
    const names = profileNames(cfg);
    throw usageError(
      `profile ${choice.name} is not in ${file.display} (${names.length ? `profiles: ${names.join(', ')}` : 'it has no profiles'})`,
      'profile names are case-sensitive',
    );
  }
  return { profile, choice, file, exists: true };
}
