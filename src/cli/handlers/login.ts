/** `entra-token login`: loopback listener + system browser, with paste-back, then the code exchange. */
import type { Handler } from '../command.js';
import { claimsParameter } from '../claims.js';
import type { LoginFlags } from '../commands/login.js';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import { deliverTokens, pendingProvider } from '../deliver.js';
import { endpointSource, resolveSettings, userScopes, userSignInIdentity } from '../options.js';
import { withRuntime } from '../runtime.js';
import { loadDatabricksApi } from '../workspace-discovery.js';
import { EntraTokenError, usageError } from '../../core/errors.js';
import { login, loopbackRedirect } from '../../flows/login.js';
import { openBrowser } from '../../io/browser.js';

/**
 * With a workspace host (--host, DATABRICKS_HOST or the profile's host) and no tenant, authority or issuer: the
 * authority the workspace names in its `/aad/auth` redirect, as databricks-sdk-py finds the tenant (docs/protocol.md §9).
 */
function workspaceToDiscover(flags: LoginFlags, ctx: CliContext): string | undefined {
  const s = resolveSettings(flags as unknown as Record<string, unknown>, ctx).config.settings;
  if (!s.host || s.tenant || endpointSource(s)) return undefined;
  return s.host.value;
}

export const run: Handler<LoginFlags> = async (ctx, { flags, global }) => {
  // the Databricks client only for a workspace to discover (not loaded before the listener is up otherwise)
  const workspace = workspaceToDiscover(flags, ctx);
  const discovery = workspace === undefined ? undefined : { host: workspace, api: await loadDatabricksApi() };
  discovery?.api.normalizeWorkspaceHost(discovery.host); // usage errors before anything starts
  const early = discovery === undefined ? userSignInIdentity(flags, ctx) : undefined;
  const claims = await claimsParameter(flags, ctx); // usage errors before anything is sent
  const timeout = Number(flags.timeout);
  if (!/^\d+$/.test(flags.timeout) || timeout < 1 || timeout > 86_400)
    throw usageError(`--timeout must be a whole number of seconds between 1 and 86400 (got ${flags.timeout})`);
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65_535)
      throw usageError(`--port must be a port number between 1 and 65535 (got ${flags.port})`);
  }
  loopbackRedirect(flags.redirectUri, port); // usage errors before anything starts
  await withRuntime(ctx, global, async (rt) => {
    let identity = early;
    if (identity === undefined && discovery !== undefined) {
      rt.trace.step('Find the workspace tenant');
      const found = await discovery.api.discoverWorkspaceAuthority(discovery.host, (req, o) =>
        rt.http.send(req, { signal: ctx.signal, trace: rt.trace, ...o }),
      );
      err(
        ctx,
        `Workspace ${discovery.api.normalizeWorkspaceHost(discovery.host)} signs in at ${found.origin}/${found.tenant} (its /aad/auth redirect)`,
      );
      identity = userSignInIdentity({ ...flags, authority: `${found.origin}/${found.tenant}` }, ctx);
    }
    const { authority, clientId } = identity!;
    const status = new StatusLine(ctx, timeout);
    let inputClosed = false;
    try {
      const result = await login(
        {
          authority,
          client_id: clientId,
          scopes: userScopes(flags.scope, authority),
          redirect_uri: flags.redirectUri,
          port,
          pkce: flags.pkce,
          prompt: flags.prompt,
          login_hint: flags.loginHint,
          domain_hint: flags.domainHint,
          response_mode: flags.responseMode,
          timeoutMs: timeout * 1000,
          claims,
        },
        {
          stdin: ctx.stdin,
          openBrowser: flags.browser ? (url) => openBrowser(url, { env: ctx.env }) : undefined,
          progress: {
            listening: (uri, addresses) =>
              status.line(`Listening on ${addresses.join(' and ')} (loopback only) for ${uri}`),
            authorizeUrl: (url, opened) => {
              if (!flags.pkce)
                status.line(
                  'entra-token: warning: --no-pkce: no code_challenge is sent; anyone who sees the code can redeem it',
                );
              if (opened?.opened) {
                status.line(
                  `Opened the sign-in page in your browser (${opened.via}). If nothing appeared, open this URL:`,
                );
              } else {
                status.line(
                  opened
                    ? `Could not open a browser (${opened.reason}). Open this URL in a browser and sign in:`
                    : 'Open this URL in a browser and sign in:',
                );
              }
              status.line('');
              status.line(`  ${url}`);
              status.line('');
              status.line(
                'If the browser cannot reach this machine (SSH, WSL, a container), it ends on an error page after sign-in:\n' +
                  'copy the whole address from its address bar, paste it here and press Enter. Ctrl-C cancels.',
              );
              status.start();
            },
            ignored: (reason, via) =>
              status.line(
                `${via === 'listener' ? 'Ignored a browser callback' : 'Ignored the pasted text'}: ${reason.replace(/\.?$/, '.')} Still waiting…`,
              ),
            input: () => status.stop(),
            inputClosed: () => {
              inputClosed = true;
              status.inputClosed(); // nothing can be pasted any more: stop asking for it
              if (ctx.stdin.isTTY) status.line('(standard input closed: only the browser can finish the login now)');
            },
            received: (via) =>
              status.line(
                via === 'listener'
                  ? 'Received the redirect from the browser; exchanging the code…'
                  : 'Read the pasted redirect; exchanging the code…',
              ),
          },
        },
        rt.deps,
      ).catch((e: unknown) => {
        // standard input was closed (</dev/null, a pipe that ended): do not tell the user to paste into it
        if (inputClosed && e instanceof EntraTokenError && e.code === 'ETIMEOUT')
          throw new EntraTokenError('ETIMEOUT', e.message, {
            hint: 'run the command again (use --timeout SECONDS for more time) and finish the sign-in in the browser; standard input was closed, so nothing could be pasted',
            cause: e,
          });
        throw e;
      });
      status.stop();
      const p = result.pending;
      await deliverTokens(ctx, flags, {
        authority: p.authority,
        provider: pendingProvider(p),
        client_id: p.client_id,
        scopes: p.scopes,
        tokens: result.tokens,
        idToken: result.idToken,
      });
    } finally {
      status.stop();
    }
  });
};

/** Progress on stderr: plain lines, plus a spinner with the time left when stderr is a terminal. */
class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly deadline: number;
  private spinning = false;
  private pasteOpen = true;
  constructor(
    private readonly ctx: CliContext,
    timeoutSeconds: number,
  ) {
    this.deadline = ctx.now() + timeoutSeconds * 1000;
  }

  line(text: string): void {
    this.clear();
    for (const l of text.split('\n')) err(this.ctx, l);
    this.draw();
  }

  /** Standard input is closed: the spinner stops offering the paste. */
  inputClosed(): void {
    this.pasteOpen = false;
  }

  start(): void {
    // no spinner (and no escape sequence) where the terminal cannot take one: TERM=dumb, or stderr not a terminal
    if (!this.ctx.stderr.isTTY || this.ctx.env.TERM === 'dumb' || this.timer) return;
    this.spinning = true;
    this.timer = setInterval(() => this.draw(), 120);
    this.timer.unref();
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.spinning = false;
  }

  private clear(): void {
    if (this.spinning) this.ctx.stderr.write('\r\x1b[2K');
  }

  private draw(): void {
    if (!this.spinning) return;
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    const left = Math.max(0, Math.round((this.deadline - this.ctx.now()) / 1000));
    const mmss = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    this.ctx.stderr.write(
      `\r\x1b[2K${frames[this.frame++ % frames.length]} Waiting for the sign-in (${mmss} left; ${this.pasteOpen ? 'paste the address here, or ' : ''}Ctrl-C to cancel)`,
    );
  }
}
