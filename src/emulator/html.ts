/**
 * The emulator's HTML pages. Field names and button ids are Entra's own (`login`, `passwd`, `idSIButton9`,
 * `idBtn_Accept`, `idBtn_Back`) so browser automation written for the real page works here. Every value
 * reflected into a page goes through `esc()`.
 */

export function esc(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}input[type=text],input[type=email],input[type=password]{width:100%;padding:6px 0;margin:8px 0 16px;border:0;border-bottom:1px solid #666;font-size:15px}
.buttons{text-align:right}input[type=submit],button{min-width:108px;padding:6px 12px;font-size:15px;border:1px solid #0067b8;background:#0067b8;color:#fff;cursor:pointer}
#idBtn_Back{background:#ccc;border-color:#ccc;color:#000}.err{color:#e81123}.small{font-size:13px;color:#555}code{font-size:13px}</style>
</head><body><main>
<div class="small">Microsoft Entra ID emulator (entra-token) — not a real Microsoft sign-in page</div>
${body}
</main></body></html>
`;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
}

export function signInPage(opts: {
  action: string;
  ctx: string;
  loginHint?: string;
  error?: string;
  appName: string;
}): string {
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
<p class="small">to continue to ${esc(opts.appName)}</p>
${opts.error ? `<p class="err" id="passwordError">${esc(opts.error)}</p>` : ''}
<form method="post" action="${esc(opts.action)}" name="f1" id="i0281">
${hidden({ ctx: opts.ctx })}
<input type="email" name="login" id="i0116" placeholder="Email, phone, or Skype" value="${esc(opts.loginHint ?? '')}" autocomplete="username">
<input type="password" name="passwd" id="i0118" placeholder="Password" autocomplete="current-password">
<div class="buttons"><input type="submit" id="idSIButton9" value="Sign in"></div>
</form>`,
  );
}

export function consentPage(opts: {
  action: string;
  ctx: string;
  appName: string;
  clientId: string;
  upn: string;
  permissions: string[];
}): string {
  return page(
    'Permissions requested',
    `<h1>Permissions requested</h1>
<p>${esc(opts.upn)}</p>
<p><b>${esc(opts.appName)}</b> <span class="small">(${esc(opts.clientId)})</span> would like to:</p>
<ul>${opts.permissions.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>
<form method="post" action="${esc(opts.action)}">
${hidden({ ctx: opts.ctx })}
<div class="buttons"><button type="submit" name="consent" value="cancel" id="idBtn_Back">Cancel</button>
<button type="submit" name="consent" value="accept" id="idBtn_Accept">Accept</button></div>
</form>`,
  );
}

/** Entra's "Sorry, but we're having trouble signing you in" page for errors that must not be redirected. */
export function errorPage(
  code: number,
  message: string,
  ids: { traceId: string; correlationId: string; timestamp: string },
): string {
  return page(
    'Sign in to your account',
    `<h1>Sorry, but we’re having trouble signing you in.</h1>
<p class="err" id="errorMessage">AADSTS${code}: ${esc(message)}</p>
<table class="small"><tr><td>Request Id:</td><td>${esc(ids.traceId)}</td></tr>
<tr><td>Correlation Id:</td><td>${esc(ids.correlationId)}</td></tr>
<tr><td>Timestamp:</td><td>${esc(ids.timestamp)}</td></tr></table>`,
  );
}

/** response_mode=form_post: an auto-submitting form (docs/protocol.md §1.2). */
export function formPostPage(action: string, fields: Array<[string, string]>): string {
  return `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${esc(action)}">
${fields.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}" />`).join('\n')}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form>
<script language="javascript">document.forms[0].submit();</script></body></html>
`;
}

export function deviceLoginPage(opts: { action: string; error?: string; code?: string }): string {
  return page(
    'Enter code',
    `<h1>Enter code</h1>
<p class="small">Enter the code displayed on your app or device.</p>
${opts.error ? `<p class="err">${esc(opts.error)}</p>` : ''}
<form method="post" action="${esc(opts.action)}">
<input type="text" name="otc" id="otc" placeholder="Code" value="${esc(opts.code ?? '')}" autocomplete="off">
<div class="buttons"><input type="submit" id="idSIButton9" value="Next"></div>
</form>`,
  );
}

export function deviceConfirmPage(opts: { action: string; userCode: string; appName: string; upns: string[] }): string {
  return page(
    'Are you trying to sign in?',
    `<h1>Are you trying to sign in to ${esc(opts.appName)}?</h1>
<p class="small">Only continue if you downloaded the app from a store or website that you trust.</p>
<form method="post" action="${esc(opts.action)}">
${hidden({ otc: opts.userCode })}
<input type="email" name="login" id="i0116" placeholder="Email" value="${esc(opts.upns[0] ?? '')}">
<input type="password" name="passwd" id="i0118" placeholder="Password">
<div class="buttons"><button type="submit" name="action" value="decline" id="idBtn_Back">Cancel</button>
<button type="submit" name="action" value="approve" id="idSIButton9">Continue</button></div>
</form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}
