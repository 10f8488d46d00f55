/** `entra-token login`: the interactive flow without copy and paste (loopback listener + browser), with paste-back. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { err } from '../context.js';
import {
  addIdentityOptions,
  addOutputOption,
  collect,
  outputFormat,
  resolveIdentity,
  userScopes,
  type IdentityFlags,
} from '../options.js';

interface Flags extends IdentityFlags {
  redirectUri: string;
  port?: string;
  browser: boolean;
  timeout: string;
  scope?: string[];
  pkce: boolean;
  prompt?: 'login' | 'none' | 'consent' | 'select_account' | 'create';
  loginHint?: string;
  domainHint?: string;
  responseMode?: 'query' | 'form_post';
  output?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('login')
    .summary('sign in with the system browser and a loopback listener (paste the address back over SSH)')
    .description(
      'Sign in interactively: listen on loopback (127.0.0.1 and ::1), open the system browser at the authorize URL,\n' +
        'receive the redirect, check its state and exchange the code, as `exchange` does.\n' +
        'Where the browser cannot reach this machine (SSH, WSL, containers), paste the address the browser ends on\n' +
        'into the terminal instead: whichever arrives first wins.',
    );
  addIdentityOptions(cmd)
    .option(
      '--redirect-uri <uri>',
      'loopback redirect URI registered for the app (its path is served; Entra ignores the port of http://localhost)',
      'http://localhost',
    )
    .option('--port <n>', "listen on this fixed port (default: the redirect URI's port, else an ephemeral one)")
    .option(
      '--no-browser',
      'do not open a browser: print the URL to open anywhere (then paste the address back if needed)',
    )
    .option('--timeout <seconds>', 'give up waiting for the sign-in after this many seconds', '300')
    .option(
      '--scope <scope>',
      'scope to request (repeatable) [default: 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid profile offline_access]',
      collect,
    )
    .option('--no-pkce', 'send no code_challenge (less safe; for comparison with the documentation only)')
    .addOption(
      new Option('--prompt <prompt>', 'prompt behaviour').choices([
        'login',
        'none',
        'consent',
        'select_account',
        'create',
      ]),
    )
    .option('--login-hint <upn>', 'pre-fill the username')
    .option('--domain-hint <domain>', 'skip home-realm discovery')
    .addOption(
      new Option('--response-mode <mode>', 'how Entra returns the code to the listener').choices([
        'query',
        'form_post',
      ]),
    )
    .option('--no-cache', 'do not store the tokens in the token cache');
  addOutputOption(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  entra-token login --tenant contoso.onmicrosoft.com --client-id 6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90\n' +
        '  entra-token login --no-browser --client-id … --tenant …      # over SSH: open the URL on your laptop, paste the address back\n' +
        '  TOKEN=$(entra-token login --client-id … --tenant … -o token)\n' +
        'Exit codes: 0 signed in; 2 usage; 3 state; 4 Entra refused (e.g. AADSTS65004 consent declined); 6 timeout; 130 cancelled.',
    )
    .action(async (flags: Flags, command: Command) => {
      const { usageError } = await import('../../core/errors.js');
      const { authority, clientId } = resolveIdentity(flags, ctx);
      const timeout = Number(flags.timeout);
      if (!/^\d+$/.test(flags.timeout) || timeout < 1 || timeout > 86_400)
        throw usageError(`--timeout must be a whole number of seconds between 1 and 86400 (got ${flags.timeout})`);
      let port: number | undefined;
      if (flags.port !== undefined) {
        port = Number(flags.port);
        if (!/^\d+$/.test(flags.port) || port < 1 || port > 65_535)
          throw usageError(`--port must be a port number between 1 and 65535 (got ${flags.port})`);
      }
      const { createRuntime } = await import('../runtime.js');
      const { login, loopbackRedirect } = await import('../../flows/login.js');
      const { openBrowser } = await import('../../io/browser.js');
      const { printTokens } = await import('../output.js');
      loopbackRedirect(flags.redirectUri, port); // usage errors before anything starts
      const format = outputFormat(flags.output, ctx);
      const rt = await createRuntime(ctx, command);
      const status = new StatusLine(ctx, timeout);
      try {
        const result = await login(
          {
            authority,
            client_id: clientId,
            scopes: userScopes(flags.scope),
            redirectUri: flags.redirectUri,
            port,
            pkce: flags.pkce,
            prompt: flags.prompt,
            login_hint: flags.loginHint,
            domain_hint: flags.domainHint,
            responseMode: flags.responseMode,
            timeoutMs: timeout * 1000,
          },
          {
            stdin: ctx.stdin,
            openBrowser: flags.browser ? (url) => openBrowser(url, { env: ctx.env }) : undefined,
            progress: {
              listening: (uri, addresses) =>
                status.line(`Listening on ${addresses.join(' and ')} (loopback only) for ${uri}`),
              authorizeUrl: (url, opened) => {
                if (!flags.pkce)
                  status.line('warning: --no-pkce: no code_challenge is sent; anyone who sees the code can redeem it');
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
          { http: rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
        );
        status.stop();
        const { storeTokens } = await import('../cache-store.js');
        const p = result.pending;
        await storeTokens(ctx, command, {
          authority: p.authority,
          client_id: p.client_id,
          scopes: p.scopes,
          tokens: result.tokens,
          idToken: result.idToken,
        });
        printTokens(ctx, format, result.tokens, result.idToken);
      } finally {
        status.stop();
        await rt.finish();
      }
    });
}

/** Progress on stderr: plain lines, plus a spinner with the time left when stderr is a terminal. */
class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly deadline: number;
  private spinning = false;
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

  start(): void {
    if (!this.ctx.stderr.isTTY || this.timer) return;
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
      `\r\x1b[2K${frames[this.frame++ % frames.length]} Waiting for the sign-in (${mmss} left; paste the address here, or Ctrl-C to cancel)`,
    );
  }
}
