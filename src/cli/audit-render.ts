/**
 * Renderers of an `audit` report (already redacted by core/har-audit): text for people, JSON, SARIF 2.1.0
 * for code-scanning tools, and the ladder diagram of the flows.
 * @see https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import type { AuditReport, Finding, Severity } from '../core/har-audit/index.js';
import { SEVERITIES } from '../core/har-audit/index.js';
import { drawLadder, type LadderRow } from './trace-render.js';

const LABEL: Record<Severity, string> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

function counts(r: AuditReport): string {
  return SEVERITIES.map((s) => `${r.summary.by_severity[s]} ${s}`).join(', ');
}

function where(f: Finding): string {
  return f.entries
    .map(
      (e) =>
        `entry ${e.n}${e.line !== undefined ? ` (line ${e.line}${e.column !== undefined && e.column > 1 ? `:${e.column}` : ''})` : ''}: ${e.method} ${e.url}`,
    )
    .join('\n        ');
}

/** The human report: what the capture holds, flow by flow, then the findings, most severe first. */
export function renderAuditText(r: AuditReport, o: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(
    `Audit of ${r.input.name} (${r.input.creator}): ${r.input.entries} entries, ${r.summary.flows} flow${r.summary.flows === 1 ? '' : 's'}, ${r.summary.findings} finding${r.summary.findings === 1 ? '' : 's'} (${counts(r)})`,
  );
  for (const s of r.input.skipped) lines.push(`  skipped: ${s}`);
  if (r.flows.length === 0) lines.push('', 'No OAuth or OpenID Connect exchange found in this capture.');
  for (const f of r.flows) {
    lines.push('', `== Flow: ${f.id}`);
    if (f.tenants.length) lines.push(`   tenant ${f.tenants.join(', ')}`);
    if (f.users.length) lines.push(`   user ${f.users.join(', ')}`);
    if (f.grants.length) lines.push(`   ${f.grants.join(', ')}`);
    for (const s of f.steps) {
      lines.push(`   #${s.entry} ${s.from} → ${s.to}: ${s.request}`);
      lines.push(`        ← ${s.response}`);
      for (const n of s.notes) lines.push(`        · ${n}`);
      for (const t of r.tokens.filter((t) => t.entry === s.entry)) {
        lines.push(`        ◆ ${t.verdict}`);
        lines.push(`          ${t.summary}`);
        for (const w of t.warnings) lines.push(`          ! ${w}`);
        if (o.verbose) lines.push(`          claims ${JSON.stringify(t.claims)}`);
      }
    }
    if (f.findings) lines.push(`   ${f.findings} finding${f.findings === 1 ? '' : 's'} below`);
  }
  lines.push('', r.findings.length ? '== Findings (most severe first)' : '== No findings');
  for (const f of r.findings) {
    lines.push(
      '',
      `${LABEL[f.severity].padEnd(8)} ${f.rule}: ${f.title}${f.flow ? ` [${f.flow}]` : ''}`,
      `   seen: ${f.message}`,
      `   at:   ${where(f)}`,
      `   why:  ${f.why}`,
      `   fix:  ${f.fix}`,
      `   see:  ${f.sources.map((s) => `${s.title} <${s.url}>`).join('\n         ')}`,
    );
  }
  return lines.join('\n');
}

/** `--output json`: the report as is, with the tool's name and version. */
export function renderAuditJson(r: AuditReport, version: string): string {
  return JSON.stringify({ tool: 'entra-token audit', version, ...r }, null, 2);
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_a, _s, c: string) => c.toUpperCase());

/**
 * `--output sarif`: one run, the rules that fired as the driver's rules, one result per finding located
 * at the HAR file (line of the entry) and at the entry as a logical location (`log.entries[i]`).
 */
export function renderAuditSarif(r: AuditReport, version: string, artifactUri: string): string {
  const ruleIndex = new Map(r.rules.map((rule, i) => [rule.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'entra-token',
            semanticVersion: version,
            version,
            informationUri: 'https://www.rfc-editor.org/rfc/rfc9700',
            rules: r.rules.map((rule) => ({
              id: rule.id,
              name: pascal(rule.id),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: {
                text: `${rule.fix}\n\nSources:\n${rule.sources.map((s) => `- ${s.title}: ${s.url}`).join('\n')}`,
                markdown: `${rule.fix}\n\n**Sources**\n\n${rule.sources.map((s) => `- [${s.title}](${s.url})`).join('\n')}`,
              },
              helpUri: rule.sources[0]?.url,
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: {
                tags: ['security', 'oauth'],
                precision: 'high',
                'security-severity': SECURITY_SEVERITY[rule.severity],
              },
            })),
          },
        },
        artifacts: [{ location: { uri: artifactUri }, mimeType: 'application/json' }],
        results: r.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIndex.get(f.rule) ?? -1,
          level: LEVEL[f.severity],
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: (f.entries.length ? f.entries : [undefined]).map((e) => ({
            physicalLocation: {
              artifactLocation: { uri: artifactUri, index: 0 },
              ...(e?.line !== undefined
                ? { region: { startLine: e.line, ...(e.column !== undefined ? { startColumn: e.column } : {}) } }
                : {}),
            },
            ...(e
              ? {
                  logicalLocations: [
                    { fullyQualifiedName: `log.entries[${e.n - 1}]`, name: `${e.method} ${e.url}`, kind: 'element' },
                  ],
                }
              : {}),
          })),
          partialFingerprints: { 'entryAndRule/v1': `${f.rule}:${f.entries.map((e) => e.n).join(',')}` },
          properties: {
            severity: f.severity,
            'security-severity': SECURITY_SEVERITY[f.severity],
            ...(f.flow ? { flow: f.flow } : {}),
          },
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

/** `--diagram`: every flow as a ladder (Browser, App, Entra ID, Databricks, Graph, other hosts as columns). */
export function renderAuditDiagram(r: AuditReport, width = 100): string {
  const rows: LadderRow[] = [];
  for (const f of r.flows) {
    rows.push({ kind: 'step', name: f.id });
    for (const s of f.steps) {
      rows.push({ kind: 'arrow', from: s.from, to: s.to, label: `#${s.entry} ${s.request}` });
      if (s.kind === 'auth-response') {
        const [status, rest] = s.response.split(/: (.*)/s);
        rows.push({ kind: 'arrow', from: s.to, to: s.from, label: `${status} ${rest ?? ''}`.trim() });
      } else rows.push({ kind: 'arrow', from: s.to, to: s.from, label: s.response, dashed: !/^\d/.test(s.response) });
    }
  }
  const first = r.flows[0]?.steps[0]?.from ?? 'Browser';
  return drawLadder(rows, [first, 'Browser', 'CLI', 'Client', 'App', 'Entra ID', 'Databricks', 'Graph'], width);
}
