/**
 * The system-browser launcher. `browserCommand` decides, as a pure function of the platform and the
 * environment, which program to run (or why none should run); `openBrowser` runs it detached, never
 * through a shell.
 *
 * The authorize URL carries the state, the nonce and the listener's port: any local user can read a
 * process's argv (`/proc/<pid>/cmdline`), and with the state they could end the login with a garbage code
 * or answer it with a code for their own account (login CSRF). So the URL never goes on argv: it is
 * written into a small HTML page (0600, in a 0700 directory under the state directory) that redirects the
 * browser to it, and the browser is given the page's `file://` path. The browser's environment is the
 * user's minus anything that looks like a secret (`AZURE_CLIENT_SECRET`, `ENTRA_TOKEN_PASSWORD`, `*_TOKEN`…).
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePrivateDir, stateDir } from './paths.js';

/** A launcher to run: `command` with `args`, the URL among them as one element. */
export interface BrowserCommand {
  command: string;
  args: string[];
  /** Environment overrides for the child (e.g. text-mode entries removed from BROWSER). */
  env?: Record<string, string | undefined>;
  /** How it was chosen, for the progress line. */
  via: string;
}

/** No launcher: say why, so the user knows to open the URL themselves. */
export interface NoBrowser {
  command?: undefined;
  reason: string;
}

export interface BrowserFacts {
  /** `os.release()`: contains "microsoft" under WSL. */
  osRelease?: string;
  /** Whether a program is on PATH (only asked for `wslview`). */
  has?: (program: string) => boolean;
}

/** Browsers that take over the terminal: never launched, the login reads the terminal meanwhile. */
const TEXT_MODE = new Set(['www-browser', 'lynx', 'w3m', 'links', 'links2', 'elinks', 'browsh', 'edbrowse', 'netrik']);

/** True for a text-mode browser command (`lynx`, `/usr/bin/w3m %s`, …). */
export function isTextModeBrowser(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return TEXT_MODE.has(basename(first).toLowerCase());
}

/** Detect WSL from the environment or the kernel release string. */
export function isWsl(env: Record<string, string | undefined>, osRelease = ''): boolean {
  return Boolean(env.WSL_DISTRO_NAME || env.WSL_INTEROP) || /microsoft/i.test(osRelease);
}

/**
 * Which program opens `url` on this machine, or why none should.
 * - $BROWSER (first graphical entry; `%s` replaced by the URL, else the URL appended) wins on every
 *   platform but Windows: it is how VS Code remote sessions and users pick a browser.
 * - macOS `open`; Windows `rundll32 url.dll,FileProtocolHandler` (takes the URL verbatim, no cmd.exe
 *   quoting involved); WSL `wslview`, else `cmd.exe /c start "" <url>` (the empty title argument, which WSL passes as `""`)
 *   with cmd's metacharacters escaped;
 *   Linux and other Unixes `xdg-open` when a display exists, with text-mode browsers removed from BROWSER.
 * - Over SSH without a forwarded display there is no browser on the user's side of the connection.
 */
export function browserCommand(
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
  url: string,
  facts: BrowserFacts = {},
): BrowserCommand | NoBrowser {
  if (!/^https?:\/\//i.test(url) && !/^file:\/\/\/[^?#]*\.html$/i.test(url))
    return { reason: 'only http(s) URLs and local .html pages are opened' };
  if (platform !== 'win32' && env.BROWSER) {
    const chosen = env.BROWSER.split(':')
      .map((s) => s.trim())
      .find((s) => s !== '' && !isTextModeBrowser(s));
    if (chosen) {
      const parts = chosen.split(/\s+/);
      const hasPlaceholder = parts.some((p) => p.includes('%s'));
      const args = hasPlaceholder ? parts.slice(1).map((p) => p.replaceAll('%s', url)) : [...parts.slice(1), url];
      return { command: parts[0]!, args, via: '$BROWSER' };
    }
  }
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY);
  switch (platform) {
    case 'darwin':
      if (ssh) return { reason: 'this is an SSH session: a browser opened here would not be on your screen' };
      return { command: 'open', args: [url], via: 'open' };
    case 'win32':
      return {
        command: 'rundll32',
        args: ['url.dll,FileProtocolHandler', url],
        via: 'rundll32 url.dll,FileProtocolHandler',
      };
    default: {
      if (isWsl(env, facts.osRelease)) {
        if (facts.has?.('wslview')) return { command: 'wslview', args: [url], via: 'wslview' };
        return { command: 'cmd.exe', args: ['/c', 'start', '', cmdEscape(url)], via: 'cmd.exe /c start' };
      }
      const display = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.MIR_SOCKET);
      if (!display) {
        return {
          reason: ssh
            ? 'this is an SSH session without a forwarded display'
            : 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)',
        };
      }
      const browserEnv = graphicalBrowserList(env.BROWSER);
      return { command: 'xdg-open', args: [url], env: { BROWSER: browserEnv }, via: 'xdg-open' };
    }
  }
}

/** Escape cmd.exe metacharacters with `^` (a caret also breaks `%VAR%` expansion on the command line). */
export function cmdEscape(text: string): string {
  return text.replace(/[\^&|<>()%!"]/g, (c) => `^${c}`);
}

/** BROWSER for xdg-open's fallback, without text-mode browsers; undefined removes it. */
function graphicalBrowserList(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const kept = value.split(':').filter((s) => s.trim() !== '' && !isTextModeBrowser(s));
  return kept.length ? kept.join(':') : undefined;
}

export type Spawn = (
  command: string,
  args: string[],
  options: SpawnOptions,
) => import('node:child_process').ChildProcess;

export interface OpenBrowserOptions {
  platform?: NodeJS.Platform;
  env?: Record<string, string | undefined>;
  facts?: BrowserFacts;
  spawn?: Spawn;
  /** How long to wait for a launcher that exits with a failure (xdg-open exits at once). */
  settleMs?: number;
  /**
   * Where the redirecting page is written (created 0700). Default: `launch` under the state directory.
   * `false` hands the URL itself to the browser (only for URLs that carry nothing to protect).
   */
  launchDir?: string | false;
}

export type OpenResult =
  { opened: true; command: string; via: string; launchPage?: string } | { opened: false; reason: string };

/** Environment variable names that may hold a secret: never passed to the browser. */
const SECRET_ENV =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SAS_|CONNECTION_?STRING|COOKIE)/i;

/** The browser's environment: the user's, without anything that looks like a secret. */
export function browserEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !SECRET_ENV.test(k)) out[k] = v;
  return out;
}

function htmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Pages older than this are removed when the next one is written (a login lasts minutes at most). */
const LAUNCH_PAGE_TTL_MS = 15 * 60_000;

/**
 * Write the page that sends the browser on to `url`: 0600, created exclusively under a random name in the
 * 0700 directory `dir`. Returns its path. Older pages left by ended runs are swept.
 */
export function writeLaunchPage(dir: string, url: string, now = Date.now()): string {
  ensurePrivateDir(dir);
  try {
    for (const f of readdirSync(dir)) {
      if (!/^login-[0-9a-f]{32}\.html$/.test(f)) continue;
      const p = join(dir, f);
      if (now - statSync(p).mtimeMs > LAUNCH_PAGE_TTL_MS) unlinkSync(p);
    }
  } catch {
    /* sweeping is best effort */
  }
  const path = join(dir, `login-${randomBytes(16).toString('hex')}.html`);
  const a = htmlAttr(url);
  const html =
    '<!doctype html>\n<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">\n' +
    `<meta http-equiv="refresh" content="0;url=${a}">\n<title>entra-token: sign-in</title></head>\n` +
    `<body><p>Continuing to <a href="${a}" rel="noreferrer">the sign-in page</a>…</p></body></html>\n`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
    0o600,
  );
  try {
    writeSync(fd, html);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Remove a launch page once the browser has come back (its state is spent). Never throws. */
export function removeLaunchPage(path: string | undefined): void {
  if (!path) return;
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/**
 * Open `url` in the system browser: detached, no shell, output ignored, secrets removed from its
 * environment; an http(s) URL goes through a private launch page so that it never appears on argv.
 * Never throws.
 */
export async function openBrowser(url: string, opts: OpenBrowserOptions = {}): Promise<OpenResult> {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? {};
  const facts: BrowserFacts = opts.facts ?? { osRelease: (await import('node:os')).release(), has: onPath(env) };
  // Decide first whether a browser can be opened at all, then write the page only if one will be.
  const probe = browserCommand(platform, env, url, facts);
  if (probe.command === undefined) return { opened: false, reason: probe.reason };
  let launchPage: string | undefined;
  let target = url;
  if (opts.launchDir !== false && /^https?:/i.test(url)) {
    if (probe.command === 'cmd.exe') {
      // WSL without wslview: Windows cannot open a Linux path, and cmd.exe would put the URL on argv
      return { opened: false, reason: 'under WSL without wslview the URL would be visible to other users' };
    }
    try {
      launchPage = writeLaunchPage(opts.launchDir ?? join(stateDir(env, platform), 'launch'), url);
    } catch (e) {
      return { opened: false, reason: `cannot write the launch page: ${(e as Error).message}` };
    }
    target = pathToFileURL(launchPage).href;
  }
  const choice = browserCommand(platform, env, target, facts);
  if (choice.command === undefined) {
    removeLaunchPage(launchPage);
    return { opened: false, reason: choice.reason };
  }
  const childEnv: Record<string, string | undefined> = { ...browserEnv(env), ...choice.env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const spawn = opts.spawn ?? nodeSpawn;
  const settleMs = opts.settleMs ?? 1500;
  const done = (r: OpenResult): OpenResult => {
    if (!r.opened) removeLaunchPage(launchPage);
    return r.opened && launchPage ? { ...r, launchPage } : r;
  };
  return new Promise<OpenResult>((resolve) => {
    let child: import('node:child_process').ChildProcess;
    try {
      child = spawn(choice.command, choice.args, {
        shell: false,
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
        env: childEnv as NodeJS.ProcessEnv,
      });
    } catch (e) {
      resolve(done({ opened: false, reason: `${choice.command}: ${(e as Error).message}` }));
      return;
    }
    const timer = setTimeout(() => {
      child.unref();
      resolve(done({ opened: true, command: choice.command, via: choice.via }));
    }, settleMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      const code = (e as NodeJS.ErrnoException).code;
      resolve(
        done({
          opened: false,
          reason: code === 'ENOENT' ? `${choice.command} is not installed` : `${choice.command}: ${e.message}`,
        }),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(done({ opened: true, command: choice.command, via: choice.via }));
      else resolve(done({ opened: false, reason: `${choice.command} exited with status ${code ?? 'signal'}` }));
    });
  });
}

function onPath(env: Record<string, string | undefined>): (program: string) => boolean {
  return (program) => {
    for (const dir of (env.PATH ?? '').split(':')) {
      if (!dir) continue;
      try {
        accessSync(`${dir}/${program}`, constants.X_OK);
        return true;
      } catch {
        /* not here */
      }
    }
    return false;
  };
}

/** Why no browser can be opened on this machine (no display, SSH), or undefined when one can. */
export async function noBrowserReason(env: Record<string, string | undefined>): Promise<string | undefined> {
  const facts: BrowserFacts = { osRelease: (await import('node:os')).release(), has: onPath(env) };
  const choice = browserCommand(process.platform, env, 'https://login.microsoftonline.com/', facts);
  return choice.command === undefined ? choice.reason : undefined;
}
