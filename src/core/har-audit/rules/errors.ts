/**
 * Entra errors found in the capture (docs/protocol.md §3): each AADSTS code explained with the fix from
 * the catalogue entra-token uses for its own errors.
 */
import { aadstsInfo } from '../../aadsts.js';
import { aadstsCode, errorFieldsFromJson, summarize } from '../../entra-error.js';
import type { EntraErrorFields } from '../../errors.js';
import { LEARN, type Rule, type RuleHit } from '../rule.js';

/** Polling answers of the device code flow: expected, not errors (RFC 8628 §3.5). */
const EXPECTED = new Set(['authorization_pending', 'slow_down']);

export const aadstsError: Rule = {
  id: 'aadsts-error',
  severity: 'info',
  title: 'Entra ID answered with an error',
  why: 'The sign-in failed or was refused at this step; the AADSTS code says why.',
  fix: 'See the fix given with each code; the trace and correlation ids identify the request in the tenant\u2019s sign-in logs.',
  sources: [LEARN('reference-error-codes', 'Microsoft Entra authentication and authorization error codes')],
  check(ctx) {
    const hits: RuleHit[] = [];
    const explain = (n: number, fields: EntraErrorFields, clientId: string | undefined, redirectUri?: string) => {
      if (EXPECTED.has(fields.error)) return;
      const code = aadstsCode(fields);
      const info = aadstsInfo(code);
      const summary = summarize(fields.error_description);
      hits.push({
        entries: [n],
        clientId,
        message: `${fields.error}${code ? ` AADSTS${code}` : ''}${info ? ` (${info.name}): ${info.meaning}` : summary ? `: ${summary}` : ''}${info ? `; fix: ${info.hint({ clientId, redirectUri })}` : ''}`,
      });
    };
    for (const m of ctx.model.messages) {
      if ((m.kind === 'auth-response' || m.kind === 'callback') && m.params.has('error')) {
        // the browser delivering an error redirect repeats it: report it where Entra sent it
        if (
          m.kind === 'callback' &&
          ctx.model.messages.some(
            (x) => x.kind === 'auth-response' && x.params.get('error') === m.params.get('error') && x.item.n < m.item.n,
          )
        )
          continue;
        explain(
          m.item.n,
          { error: m.params.get('error')!, error_description: m.params.get('error_description') },
          m.clientId,
          m.authorize?.redirectUri,
        );
      } else if ((m.kind === 'token' || m.kind === 'devicecode') && m.response) {
        const fields = errorFieldsFromJson(m.response);
        if (fields) explain(m.item.n, fields, m.clientId);
      }
    }
    // errors Entra shows on its own page instead of redirecting (docs/protocol.md §1.3)
    for (const e of ctx.entries) {
      const origin = e.url.split('/').slice(0, 3).join('/');
      if (!ctx.model.asOrigins.has(origin) || !/html/i.test(e.responseMime) || !e.responseBody) continue;
      if (/<form\b[^>]*method\s*=\s*["']post["']/i.test(e.responseBody) && /name=["']error["']/.test(e.responseBody))
        continue; // a form_post error response, reported above
      const m = /AADSTS(\d{4,7})/.exec(e.responseBody);
      if (!m) continue;
      const code = Number(m[1]);
      const info = aadstsInfo(code);
      hits.push({
        entries: [e.n],
        message: `error page AADSTS${code}${info ? ` (${info.name}): ${info.meaning}; fix: ${info.hint({})}` : ''}`,
      });
    }
    return hits;
  },
};

export const ERROR_RULES: Rule[] = [aadstsError];
