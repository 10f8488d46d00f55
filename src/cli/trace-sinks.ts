/**
 * Trace sinks for the global options. `--trace` prints steps, notes and exchanges on stderr as they
 * happen; `--curl` prints the back-channel requests as a replayable script at the end. Every value goes
 * through core/redact (unless --trace-secrets).
 */
import type { CliContext } from './context.js';
import { setTraceSinkInstaller, type GlobalFlags } from './runtime.js';
import type { Trace, TraceEvent } from '../io/trace.js';
import { redactBody, redactHeader, redactSecret, redactUrl, isSecretName } from '../core/redact.js';
import { toCurl } from '../core/curl.js';

function renderEvent(e: TraceEvent, reveal: boolean): string {
  const url = (u: string) => (reveal ? u : redactUrl(u));
  switch (e.type) {
    case 'step':
      return `\n== ${e.name}`;
    case 'note':
      return `   · ${e.text}`;
    case 'front':
      return `   ${e.direction === 'open' ? '→ browser opens' : '← redirect received'} (${e.via}): ${url(e.url)}`;
    case 'exchange': {
      const lines = [`   → ${e.request.method} ${url(e.request.url)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`];
      for (const [k, v] of Object.entries(e.request.headers)) lines.push(`     ${k}: ${reveal ? v : redactHeader(k, v)}`);
      for (const [k, v] of e.request.form ?? []) lines.push(`     ${k}=${reveal || !isSecretName(k) ? v : redactSecret(v)}`);
      if (e.request.body !== undefined) lines.push(`     ${e.request.body}`);
      if (e.response) {
        lines.push(`   ← ${e.response.status} (${e.durationMs} ms)`);
        for (const [k, v] of Object.entries(e.response.headers)) lines.push(`     ${k}: ${reveal ? v : redactHeader(k, v)}`);
        const body = reveal ? e.response.body : redactBody(e.response.body, e.response.headers['content-type'] ?? '');
        lines.push(`     ${body.length > 4000 ? `${body.slice(0, 4000)}…` : body}`);
      } else if (e.error) {
        lines.push(`   ✗ ${e.error.code}: ${e.error.message} (${e.durationMs} ms)`);
      }
      return lines.join('\n');
    }
  }
}

setTraceSinkInstaller((trace: Trace, flags: GlobalFlags, ctx: CliContext) => {
  const reveal = Boolean(flags.traceSecrets);
  if (reveal) ctx.stderr.write('WARNING: --trace-secrets: secrets are printed in clear text below; do not share this output\n');
  if (flags.trace) trace.onEvent((e) => ctx.stderr.write(`${renderEvent(e, reveal)}\n`));
  return async () => {
    if (flags.curl) {
      const vars = new Set<string>();
      const cmds: string[] = [];
      for (const e of trace.events) {
        if (e.type !== 'exchange' || e.attempt > 1) continue;
        const c = toCurl(e.request);
        c.variables.forEach((v) => vars.add(v));
        cmds.push(c.command);
      }
      ctx.stderr.write('# curl equivalent of the requests sent (secrets as shell variables)\n');
      if (vars.size) ctx.stderr.write(`# set first: ${[...vars].map((v) => `${v}=…`).join(' ')}\n`);
      ctx.stderr.write(`${cmds.join('\n\n')}\n`);
    }
  };
});
