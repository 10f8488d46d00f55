/**
 * `audit` of a HAR: parse the capture, recognize the OAuth messages and flows, run every rule, decode
 * and explain every token, and return one report value that is already redacted — every secret the
 * capture carries (codes, tokens, client secrets, passwords, cookies) is learned first and scrubbed from
 * every string of the report, with the same redaction as entra-token's own traces.
 */
import { Redactor, tokenSummary, type AuditEvent } from '../audit.js';
import { tokenKind, tokenWarnings, verdict } from '../claims.js';
import { redactJson, redactUrl } from '../redact.js';
import { parseHar, type HarItem } from './har.js';
import {
  buildModel,
  formOf,
  formPostOf,
  fromBrowser,
  originOf,
  parseUrl,
  type Message,
  type Model,
  type SeenToken,
} from './model.js';
import { atLeast, SEVERITIES, type Rule, type RuleHit, type Severity, type Source } from './rule.js';
import { RULES } from './rules/index.js';

export { parseHar, MAX_HAR_BYTES, type HarItem, type ParsedHar } from './har.js';
export { RULES } from './rules/index.js';
export { SEVERITIES, atLeast, type Severity, type Rule, type Source } from './rule.js';

export interface AuditHarOptions {
  /** The file name, for messages and the report. */
  name?: string | undefined;
  /** Mask names, UPNs/emails and IP addresses too (--redact-pii). */
  pii?: boolean | undefined;
  /** Time zone for the claim explanations. */
  timeZone?: string | undefined;
  /** Milliseconds since the epoch, for tokens of entries without a start time (default: the epoch). */
  now?: number | undefined;
}

export interface FindingEntry {
  n: number;
  line: number | undefined;
  column: number | undefined;
  method: string;
  url: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  /** The flow it belongs to (`client <id>`), or undefined for findings about the capture as a whole. */
  flow: string | undefined;
  entries: FindingEntry[];
  message: string;
  why: string;
  fix: string;
  sources: Source[];
}

export interface ReportToken {
  entry: number;
  field: string;
  where: SeenToken['where'];
  kind: 'access' | 'id';
  verdict: string;
  summary: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  warnings: string[];
}

export interface ReportStep {
  entry: number;
  line: number | undefined;
  at: string | undefined;
  kind: Message['kind'];
  /** Who sent it and who answered, for the diagram: `Browser`, `CLI`, `Client`, `Entra ID`, `App`, `Graph`, `Databricks` or a host. */
  from: string;
  to: string;
  request: string;
  response: string;
  notes: string[];
}

export interface ReportFlow {
  id: string;
  client_id: string | undefined;
  tenants: string[];
  users: string[];
  /** response_type values and grant types, in order of first use. */
  grants: string[];
  steps: ReportStep[];
  findings: number;
}

export interface AuditReport {
  input: { name: string; creator: string; entries: number; skipped: string[] };
  summary: { findings: number; by_severity: Record<Severity, number>; worst: Severity | undefined; flows: number };
  flows: ReportFlow[];
  findings: Finding[];
  tokens: ReportToken[];
  /** The rules that found something, in catalogue order (SARIF lists them as the driver's rules). */
  rules: Array<Omit<Rule, 'check'>>;
}

/** Audit a HAR file's text. Throws a one-line EBAD_INPUT when the text is not a HAR; never for odd entries. */
export function auditHar(text: string, o: AuditHarOptions = {}): AuditReport {
  const name = o.name ?? 'the file';
  const har = parseHar(text, name);
  const redactor = learnAll(har.entries, o.pii);
  const model = buildModel(har.entries);
  const ownHar = /^entra-token\b/.test(har.creator);
  const show = (u: string) => redactUrl(u, { pii: o.pii });
  const byN = new Map(har.entries.map((e) => [e.n, e]));

  const findings: Finding[] = [];
  for (const rule of RULES) {
    let hits: RuleHit[];
    try {
      hits = rule.check({ model, entries: har.entries, show });
    } catch (e) {
      // a rule that trips on an odd capture must not hide the others' findings
      hits = [
        { entries: [], severity: 'info', message: `rule could not run on this capture: ${(e as Error).message}` },
      ];
    }
    for (const h of hits) {
      const clientId =
        h.clientId ?? h.entries.map((n) => model.messages.find((m) => m.item.n === n)?.clientId).find(Boolean);
      findings.push({
        rule: rule.id,
        severity: h.severity ?? rule.severity,
        title: rule.title,
        flow: clientId ? `client ${clientId}` : undefined,
        entries: h.entries.map((n) => {
          const e = byN.get(n);
          return { n, line: e?.line, column: e?.column, method: e?.method ?? '?', url: e ? show(e.url) : '?' };
        }),
        message: h.message,
        why: rule.why,
        fix: rule.fix,
        sources: rule.sources,
      });
    }
  }
  findings.sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      (a.entries[0]?.n ?? 0) - (b.entries[0]?.n ?? 0) ||
      a.rule.localeCompare(b.rule),
  );

  const tokens = model.tokens.map((t) => explainToken(t, byN.get(t.n), o));
  const flows = model.flows.map((f) => ({
    id: f.id,
    client_id: f.clientId,
    tenants: unique([
      ...f.messages.map((m) => (m.kind === 'authorize' || m.kind === 'token' ? m.tenant : undefined)),
      ...tokensOf(model, f.messages).map((t) => (typeof t.claims.tid === 'string' ? t.claims.tid : undefined)),
    ]),
    users: unique(tokensOf(model, f.messages).map((t) => userOf(t.claims))),
    grants: unique(
      f.messages.map((m) =>
        m.kind === 'authorize'
          ? `response_type=${m.responseType}`
          : m.kind === 'token'
            ? `grant_type=${m.grant}`
            : m.kind === 'devicecode'
              ? 'device code'
              : undefined,
      ),
    ),
    steps: f.messages.map((m) => step(m, model, ownHar, show)),
    findings: findings.filter((x) => x.flow === f.id).length,
  }));

  const by_severity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) by_severity[f.severity]++;
  const fired = new Set(findings.map((f) => f.rule));
  const report: AuditReport = {
    input: { name, creator: har.creator, entries: har.entries.length + har.skipped.length, skipped: har.skipped },
    summary: {
      findings: findings.length,
      by_severity,
      worst: SEVERITIES.find((s) => by_severity[s] > 0),
      flows: flows.length,
    },
    flows,
    findings,
    tokens,
    rules: RULES.filter((r) => fired.has(r.id)).map(({ check: _check, ...rest }) => rest),
  };
  return scrubDeep(report, (s) => redactor.scrubText(s)) as AuditReport;
}

/** Findings at or above a severity. */
export function findingsAtLeast(report: AuditReport, threshold: Severity): Finding[] {
  return report.findings.filter((f) => atLeast(f.severity, threshold));
}

function unique(list: Array<string | undefined>): string[] {
  return [...new Set(list.filter((x): x is string => !!x))];
}

function tokensOf(model: Model, msgs: readonly Message[]): SeenToken[] {
  const ns = new Set(msgs.map((m) => m.item.n));
  return model.tokens.filter((t) => ns.has(t.n));
}

function userOf(c: Record<string, unknown>): string | undefined {
  for (const k of ['upn', 'preferred_username', 'unique_name', 'email']) if (typeof c[k] === 'string') return c[k];
  return undefined;
}

function explainToken(t: SeenToken, item: HarItem | undefined, o: AuditHarOptions): ReportToken {
  // explained as of the moment of the capture, not of the audit
  const now = item?.at ?? o.now ?? 0;
  const kind = tokenKind(t.claims, t.field === 'id_token' ? 'id' : t.field === 'access_token' ? 'access' : undefined);
  const claims = o.pii ? (redactJson(t.claims, { pii: true }) as Record<string, unknown>) : t.claims;
  return {
    entry: t.n,
    field: t.field,
    where: t.where,
    kind,
    verdict: verdict(t.header, claims, now, kind),
    summary: tokenSummary({ field: t.field, where: t.where, header: t.header, claims }, Boolean(o.pii)),
    header: t.header,
    claims,
    warnings: tokenWarnings(t.header, t.claims, now, { kind })
      .filter((w) => w.code !== 'expiring' && w.code !== 'expired')
      .map((w) => w.message),
  };
}

/** Every secret of the capture, learned before anything is rendered. */
function learnAll(entries: readonly HarItem[], pii: boolean | undefined): Redactor {
  const r = new Redactor({ pii });
  for (const e of entries) {
    const headers = Object.fromEntries(e.requestHeaders);
    const form = formOf(e);
    const ev: AuditEvent = {
      type: 'exchange',
      at: e.at ?? 0,
      channel: 'back',
      request: {
        method: e.method,
        url: e.url,
        headers,
        ...(form.size ? { form: [...form] } : e.requestBody !== undefined ? { body: e.requestBody } : {}),
      },
      response: {
        status: e.status,
        headers: {
          ...Object.fromEntries(e.responseHeaders),
          ...(e.location ? { location: e.location } : {}),
          'content-type': e.responseMime,
        },
        body: e.responseBody ?? '',
      },
      durationMs: 0,
      attempt: 1,
    };
    r.learn(ev);
    const ref = headers.referer;
    if (ref) r.learn({ type: 'front', at: 0, direction: 'receive', url: ref, via: 'referer' });
    const fp = formPostOf(e.responseBody);
    for (const [k, v] of fp?.fields ?? []) if (/^(code|id_token|access_token|refresh_token)$/.test(k)) r.remember(v);
    // every JWT anywhere in the capture (a token in a page, a script, a URL under an unusual name)
    for (const text of [e.url, e.requestBody ?? '', e.responseBody ?? '', e.location ?? ''])
      for (const m of text.matchAll(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g)) r.remember(m[0]);
  }
  return r;
}

function scrubDeep(v: unknown, scrub: (s: string) => string): unknown {
  if (typeof v === 'string') return scrub(v);
  if (Array.isArray(v)) return v.map((x) => scrubDeep(x, scrub));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubDeep(x, scrub)]));
  return v;
}

// ---------------------------------------------------------------------------------------------------
// steps of a flow, in words

function party(url: string, model: Model, m?: Message): string {
  const o = originOf(url);
  if (m?.kind === 'api') return m.api === 'graph' ? 'Graph' : m.api === 'databricks' ? 'Databricks' : hostOf(url);
  if (o && model.asOrigins.has(o)) return 'Entra ID';
  if (o && model.appOrigins.has(o)) return 'App';
  return hostOf(url);
}

function hostOf(url: string): string {
  return parseUrl(url)?.host || 'server';
}

function pathOf(url: string, show: (u: string) => string): string {
  const u = parseUrl(url);
  if (!u) return show(url);
  const shown = show(url);
  return shown.slice(u.origin.length) || '/';
}

const has = (m: Map<string, string>, ...keys: string[]) => keys.filter((k) => m.has(k));

function step(m: Message, model: Model, ownHar: boolean, show: (u: string) => string): ReportStep {
  const e = m.item;
  const sender = ownHar
    ? 'CLI'
    : fromBrowser(e) || m.kind === 'authorize' || m.kind === 'auth-response' || m.kind === 'callback'
      ? 'Browser'
      : 'Client';
  const base: Omit<ReportStep, 'request' | 'response' | 'notes'> = {
    entry: e.n,
    line: e.line,
    at: e.at !== undefined ? new Date(e.at).toISOString() : undefined,
    kind: m.kind,
    from: sender,
    to: party(e.url, model, m),
  };
  const status = e.status
    ? `${e.status}`
    : ownHar && e.channel === 'front'
      ? 'front channel (not fetched)'
      : 'no response';
  const notes: string[] = [];
  switch (m.kind) {
    case 'authorize': {
      const p = m.params;
      const pkce = p.has('code_challenge') ? `PKCE ${p.get('code_challenge_method') ?? 'plain'}` : 'no PKCE';
      notes.push(
        `client_id ${m.clientId}, response_type=${m.responseType}${p.has('response_mode') ? `, response_mode=${p.get('response_mode')}` : ''}`,
        `scope "${p.get('scope') ?? (p.get('resource') ? `resource=${p.get('resource')}` : '')}"`,
        `${pkce}, ${p.has('state') ? `state (${p.get('state')!.length} chars)` : 'no state'}, ${p.has('nonce') ? 'nonce' : 'no nonce'}${p.has('prompt') ? `, prompt=${p.get('prompt')}` : ''}`,
        `redirect_uri ${m.redirectUri ?? '(none: the registered one)'}`,
      );
      return {
        ...base,
        request: `authorize: GET ${pathOf(e.url.split('?')[0]!, show)}${m.v1 ? ' (v1)' : ''}`,
        response: status,
        notes,
      };
    }
    case 'auth-response': {
      const got = has(m.params, 'code', 'access_token', 'id_token', 'error', 'state');
      return {
        ...base,
        from: sender,
        request: `${e.method} ${pathOf(e.url.split('?')[0]!, show)}`,
        response: `${status}: authorization response by ${m.mode === 'form_post' ? 'form_post page' : `redirect (${m.mode})`} to ${m.target} with ${got.join(', ')}`,
        notes: m.params.has('error') ? [`error ${m.params.get('error')}`] : [],
      };
    }
    case 'callback':
      return {
        ...base,
        to: 'App',
        request: `${e.method} ${pathOf(e.url.split('?')[0]!, show)}: the browser delivers ${has(m.params, 'code', 'access_token', 'id_token', 'error').join(', ')} (${m.mode})`,
        response: status,
        notes: [],
      };
    case 'token': {
      const r = m.response;
      const got = r
        ? has(new Map(Object.entries(r).map(([k, v]) => [k, String(v)])), 'access_token', 'id_token', 'refresh_token')
        : [];
      const err = typeof r?.error === 'string' ? `error ${r.error}` : '';
      return {
        ...base,
        request: `token: POST ${pathOf(e.url, show)} grant_type=${m.grant} (client auth: ${m.clientAuth}${m.form.has('code_verifier') ? ', code_verifier' : ''})`,
        response: `${status}${got.length ? `: ${got.join(', ')}` : ''}${err ? `: ${err}` : ''}${typeof r?.scope === 'string' ? `; scope "${r.scope}"` : ''}`,
        notes,
      };
    }
    case 'devicecode':
      return {
        ...base,
        request: `device code: POST ${pathOf(e.url, show)} scope "${m.form.get('scope') ?? ''}"`,
        response: status,
        notes,
      };
    case 'discovery':
    case 'jwks':
      return { ...base, request: `${m.kind}: GET ${pathOf(e.url, show)}`, response: status, notes };
    case 'api': {
      const t = m.token;
      const aud = t ? (Array.isArray(t.claims.aud) ? t.claims.aud.join(',') : String(t.claims.aud ?? '?')) : undefined;
      return {
        ...base,
        request: `${e.method} ${pathOf(e.url, show)} with a bearer token${aud ? ` (aud ${aud})` : ' (not a JWT)'}`,
        response: status,
        notes,
      };
    }
  }
}
