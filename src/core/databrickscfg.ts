/**
 * A strict parser for `~/.databrickscfg`, the INI file the Databricks CLI and SDKs share. Pure: it is
 * handed the text and the name to show in messages, and every refusal names the line
 * (`~/.databrickscfg:7: …`, EBAD_INPUT).
 *
 * The DEFAULT section works as in the Databricks SDK for Python (configparser): it is the profile
 * used when none is named, and its keys fill in the keys a named profile does not set.
 * @see https://docs.databricks.com/en/dev-tools/auth/config-profiles.html
 */
import { EntraTokenError } from './errors.js';

export const DEFAULT_PROFILE = 'DEFAULT';

/** The keys entra-token reads; every other key is kept and listed by `config show`. */
export const KNOWN_PROFILE_KEYS = [
  'host',
  'azure_tenant_id',
  'azure_client_id',
  'azure_client_secret',
  'azure_workspace_resource_id',
  'azure_environment',
  'auth_type',
] as const;
export type KnownProfileKey = (typeof KNOWN_PROFILE_KEYS)[number];

/** Keys whose values are secrets (never printed, only masked). */
export const SECRET_PROFILE_KEYS: ReadonlySet<string> = new Set([
  'azure_client_secret',
  'token',
  'password',
  'client_secret',
  'google_credentials',
  'metadata_service_url',
]);

export interface ProfileValue {
  value: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface ProfileSection {
  name: string;
  line: number;
  /** Keys lower-cased, as configparser does. */
  values: Record<string, ProfileValue>;
}

export interface DatabricksConfigFile {
  /** How the file is named in messages, e.g. `~/.databrickscfg`. */
  file: string;
  sections: ProfileSection[];
}

/** A profile's values with DEFAULT's filled in, each with where it came from. */
export interface ResolvedProfile {
  name: string;
  file: string;
  line: number;
  values: Record<string, ProfileValue & { profile: string }>;
}

function fail(file: string, line: number, message: string, hint?: string): EntraTokenError {
  return new EntraTokenError('EBAD_INPUT', `${file}:${line}: ${message}`, hint ? { hint } : {});
}

const SECTION = /^\[([^\]]*)\]\s*$/;
const KEY_VALUE = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

/** Parse the file's text. Throws EBAD_INPUT `FILE:LINE: …` on anything configparser (strict) would refuse or misread. */
export function parseDatabricksConfig(text: string, file: string): DatabricksConfigFile {
  const sections: ProfileSection[] = [];
  let current: ProfileSection | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.includes('\0')) throw fail(file, n, 'contains a NUL byte: this is not a text file');
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(line)) {
      throw fail(
        file,
        n,
        'indented line: continuation lines are not supported',
        "remove the leading spaces, or join the value onto its key's line",
      );
    }
    if (trimmed.startsWith('[')) {
      const m = SECTION.exec(trimmed);
      if (!m)
        throw fail(file, n, `malformed profile header ${JSON.stringify(trimmed.slice(0, 60))}`, 'write it as [name]');
      const name = m[1]!.trim();
      if (!name) throw fail(file, n, 'empty profile name []');
      const dup = sections.find((s) => s.name === name);
      if (dup) throw fail(file, n, `profile [${name}] is defined twice (first at line ${dup.line})`);
      current = { name, line: n, values: {} };
      sections.push(current);
      return;
    }
    const kv = KEY_VALUE.exec(trimmed);
    if (!kv) {
      throw fail(
        file,
        n,
        `expected "key = value", "[profile]" or a comment, got ${JSON.stringify(trimmed.slice(0, 40))}`,
      );
    }
    const key = kv[1]!.trim().toLowerCase();
    if (!current)
      throw fail(file, n, `"${key}" comes before any [profile] header`, 'put it under a profile, e.g. [DEFAULT]');
    const prev = current.values[key];
    if (prev) throw fail(file, n, `"${key}" is set twice in [${current.name}] (first at line ${prev.line})`);
    current.values[key] = { value: kv[2]!.trim(), line: n };
  });
  return { file, sections };
}

/** The profile names, in file order. */
export function profileNames(cfg: DatabricksConfigFile): string[] {
  return cfg.sections.map((s) => s.name);
}

/**
 * The named profile with DEFAULT's keys filled in (configparser's semantics), or undefined when the
 * file has no such section.
 */
export function resolveProfile(cfg: DatabricksConfigFile, name: string): ResolvedProfile | undefined {
  const section = cfg.sections.find((s) => s.name === name);
  if (!section) return undefined;
  const values: ResolvedProfile['values'] = {};
  const defaults = name === DEFAULT_PROFILE ? undefined : cfg.sections.find((s) => s.name === DEFAULT_PROFILE);
  for (const [k, v] of Object.entries(defaults?.values ?? {})) values[k] = { ...v, profile: DEFAULT_PROFILE };
  for (const [k, v] of Object.entries(section.values)) values[k] = { ...v, profile: name };
  return { name, file: cfg.file, line: section.line, values };
}

/** Keys of a resolved profile that entra-token does not read (listed, never an error). */
export function unknownKeys(p: ResolvedProfile): string[] {
  return Object.keys(p.values)
    .filter((k) => !(KNOWN_PROFILE_KEYS as readonly string[]).includes(k))
    .sort();
}
