/**
 * The small HTML pages the loopback listener shows in the browser after sign-in. Self-contained: no
 * script, no external resource, one inline style allowed by its hash in a strict Content-Security-Policy.
 * Every value that came from the redirect (error, error_description: attacker-controlled) is HTML-escaped.
 */
import { createHash } from 'node:crypto';

/** A page as the listener sends it. */
export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const STYLE =
  'body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#1b1b1b}' +
  'h1{font-size:1.4em}.ok{color:#107c10}.bad{color:#a4262c}' +
  'code{background:#f3f3f3;padding:.1em .3em;border-radius:3px;word-break:break-all}p.small{color:#555;font-size:.9em}';

let csp: string | undefined;

/**
 * The Content-Security-Policy of every page: nothing may load or run but the page's own style (allowed by its
 * SHA-256). Computed on the first page, not when the module loads: `login` says "Listening" before it needs
 * node:crypto.
 */
export function pageCsp(): string {
  csp ??=
    `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; ` +
    `script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  return csp;
}

/** Headers sent with every listener response, pages and plain refusals alike. */
export function securityHeaders(contentType = 'text/html; charset=utf-8'): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': pageCsp(),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    Connection: 'close',
  };
}

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(status: number, title: string, heading: string, cls: 'ok' | 'bad', paragraphs: string[]): Page {
  const body =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body>\n<h1 class="${cls}">${heading}</h1>\n` +
    paragraphs.map((p) => `<p>${p}</p>`).join('\n') +
    '\n<p class="small">entra-token</p>\n</body></html>\n';
  return { status, headers: securityHeaders(), body };
}

/** Shown when the authorization code arrived: the terminal now exchanges it. */
export function successPage(): Page {
  return render(200, 'Signed in — entra-token', 'Signed in', 'ok', [
    'entra-token received the authorization response and is now exchanging the code for a token in your terminal.',
    'You may close this tab. The result (or any error) is shown in the terminal.',
  ]);
}

/** Shown when the provider redirected back with `error=` for the login in progress: the login has ended. */
export function authorizeErrorPage(fields: {
  error: string;
  error_description?: string | undefined;
  hint?: string | undefined;
  /** Who answered, e.g. "Entra ID" (the default) or "The provider at id.example.com". */
  provider?: string | undefined;
}): Page {
  const who = fields.provider ?? 'Entra ID';
  const paragraphs = [
    `${escapeHtml(who.charAt(0).toUpperCase() + who.slice(1))} answered <code>${escapeHtml(fields.error)}</code>.`,
  ];
  if (fields.error_description) paragraphs.push(escapeHtml(firstLine(fields.error_description)));
  if (fields.hint) paragraphs.push(`Hint: ${escapeHtml(fields.hint)}`);
  paragraphs.push(
    'The login has stopped. You may close this tab; the terminal shows the details. Run the command again to retry.',
  );
  return render(200, 'Sign-in failed — entra-token', 'Sign-in failed', 'bad', paragraphs);
}

/** Shown for a callback that does not belong to the login in progress (wrong or missing state). */
export function mismatchPage(reason: string): Page {
  return render(
    400,
    'Not the login in progress — entra-token',
    'This response does not belong to the login in progress',
    'bad',
    [
      escapeHtml(reason),
      'Perhaps this tab is left over from an earlier attempt. The login in your terminal is still waiting: ' +
        'finish the sign-in in the tab that entra-token opened, or press Ctrl-C in the terminal to cancel.',
    ],
  );
}

/** A short plain refusal (404, 405, 413, 421). */
export function refusal(status: number, text: string, extra: Record<string, string> = {}): Page {
  return { status, headers: { ...securityHeaders('text/plain; charset=utf-8'), ...extra }, body: `${text}\n` };
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
