/**
 * The shape of an audit rule: an id, a severity, why it matters, the fix and the public sources
 * (RFC 9700 sections, Microsoft Learn pages), and a pure check over the capture's model.
 */
import { redactUrl } from '../redact.js';
import type { HarItem } from './har.js';
import type { Model } from './model.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Whether `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}

export interface Source {
  title: string;
  url: string;
}

/** One problem a rule found: the entries it comes from (1-based `log.entries` positions) and what was seen. */
export interface RuleHit {
  entries: number[];
  message: string;
  clientId?: string | undefined;
  /** When the same rule is more or less severe in this case (PKCE is a must for public clients). */
  severity?: Severity | undefined;
}

export interface RuleContext {
  model: Model;
  entries: readonly HarItem[];
  /** A URL as the report may show it: secret parameters redacted. */
  show(url: string): string;
}

export interface Rule {
  /** Stable id, used by SARIF and `--output json` (kebab-case). */
  id: string;
  severity: Severity;
  title: string;
  why: string;
  fix: string;
  sources: Source[];
  check(ctx: RuleContext): RuleHit[];
}

export const RFC9700 = (section: string, title: string): Source => ({
  title: `RFC 9700 §${section} ${title}`,
  url: `https://www.rfc-editor.org/rfc/rfc9700#section-${section}`,
});

export const LEARN = (page: string, title: string): Source => ({
  title: `Microsoft Learn: ${title}`,
  url: `https://learn.microsoft.com/en-us/entra/identity-platform/${page}`,
});

export const RFC = (rfc: number, section: string, title: string): Source => ({
  title: `RFC ${rfc} §${section} ${title}`,
  url: `https://www.rfc-editor.org/rfc/rfc${rfc}#section-${section}`,
});

export function showUrl(url: string, pii: boolean): string {
  return redactUrl(url, { pii });
}
