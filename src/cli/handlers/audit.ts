/** The `audit` handler: read the HAR (size-checked), audit it in core, render, apply --fail-on. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Handler } from '../command.js';
import type { AuditFlags } from '../commands/audit.js';
import { out, readStdin } from '../context.js';
import { badInput, EntraTokenError, usageError } from '../../core/errors.js';
import { auditHar, findingsAtLeast } from '../../core/har-audit/index.js';
import { renderAuditDiagram, renderAuditJson, renderAuditSarif, renderAuditText } from '../audit-render.js';
import { VERSION } from '../version.js';

const MB = 1024 * 1024;

export const run: Handler<AuditFlags> = async (ctx, { flags: o, global: g, args }) => {
  const file = args[0]!;
  const pii = Boolean(g.redactPii);
  const maxMb = Number(o.maxSize ?? '200');
  if (!Number.isFinite(maxMb) || maxMb <= 0) throw usageError(`--max-size ${o.maxSize} is not a positive number`);
  const limit = Math.floor(maxMb * MB);
  const width = Number(o.width ?? '100');
  if (o.diagram && o.output !== 'text')
    throw usageError('--diagram draws text; leave out --output or use --output text');
  let text: string;
  if (file === '-') {
    text = await readStdin(ctx, limit);
  } else {
    const path = resolve(ctx.cwd, file);
    try {
      const s = await stat(path);
      if (s.isDirectory()) throw badInput(`${file} is a directory, not a HAR file`);
      if (s.size > limit)
        throw badInput(
          `${file} is ${(s.size / MB).toFixed(1)} MB; audit reads at most ${maxMb} MB`,
          'export the HAR without response bodies, or raise the limit with --max-size',
        );
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (e instanceof EntraTokenError) throw e;
      throw badInput(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const report = auditHar(text, {
    name: file === '-' ? 'standard input' : file,
    pii,
    timeZone: ctx.env.TZ,
    now: ctx.now(),
  });
  if (o.diagram) out(ctx, renderAuditDiagram(report, Number.isFinite(width) && width >= 40 ? width : 100));
  else if (o.output === 'json') out(ctx, renderAuditJson(report, VERSION));
  else if (o.output === 'sarif') out(ctx, renderAuditSarif(report, VERSION, file === '-' ? 'stdin.har' : toUri(file)));
  else out(ctx, renderAuditText(report, { verbose: o.verbose }));
  if (o.failOn !== 'none') {
    const bad = findingsAtLeast(report, o.failOn);
    if (bad.length)
      throw new EntraTokenError(
        'EFINDINGS',
        `${bad.length} finding${bad.length === 1 ? '' : 's'} at or above ${o.failOn} (worst: ${bad[0]!.severity} ${bad[0]!.rule})`,
        { detail: { rules: [...new Set(bad.map((f) => f.rule))] } },
      );
  }
};

/** A relative path as a SARIF artifact URI (forward slashes, percent-encoded). */
function toUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/');
}
