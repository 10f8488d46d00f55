/**
 * The system-browser launcher. `browserCommand` decides, as a pure function of the platform and the
 * environment, which program to run (or why none should run); `openBrowser` runs it detached, with the
 * URL as one argv element and never through a shell.
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename } from 'node:path';

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
  if (!/^https?:\/\//i.test(url)) return { reason: 'only http(s) URLs are opened' };
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
}

export type OpenResult = { opened: true; command: string; via: string } | { opened: false; reason: string };

/** Open `url` in the system browser: detached, no shell, output ignored. Never throws. */
export async function openBrowser(url: string, opts: OpenBrowserOptions = {}): Promise<OpenResult> {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? {};
  const facts: BrowserFacts = opts.facts ?? { osRelease: (await import('node:os')).release(), has: onPath(env) };
  const choice = browserCommand(platform, env, url, facts);
  if (choice.command === undefined) return { opened: false, reason: choice.reason };
  const childEnv: Record<string, string | undefined> = { ...env, ...choice.env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const spawn = opts.spawn ?? nodeSpawn;
  const settleMs = opts.settleMs ?? 1500;
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
      resolve({ opened: false, reason: `${choice.command}: ${(e as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      child.unref();
      resolve({ opened: true, command: choice.command, via: choice.via });
    }, settleMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      const code = (e as NodeJS.ErrnoException).code;
      resolve({
        opened: false,
        reason: code === 'ENOENT' ? `${choice.command} is not installed` : `${choice.command}: ${e.message}`,
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ opened: true, command: choice.command, via: choice.via });
      else resolve({ opened: false, reason: `${choice.command} exited with status ${code ?? 'signal'}` });
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
