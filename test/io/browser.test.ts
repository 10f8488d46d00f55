import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserCommand, browserEnv, cmdEscape, isTextModeBrowser, isWsl, openBrowser } from '../../src/io/browser.js';

const LAUNCH = join(mkdtempSync(join(tmpdir(), 'entra-browser-test-')), 'launch');

const URL_ =
  'http://127.0.0.1:5000/tid/oauth2/v2.0/authorize?client_id=abc&response_type=code&state=s%26t&scope=a%2F.default';

describe('browserCommand', () => {
  it('uses open on macOS', () => {
    assert.deepEqual(browserCommand('darwin', {}, URL_), { command: 'open', args: [URL_], via: 'open' });
  });

  it('uses rundll32 url.dll,FileProtocolHandler on Windows, the URL as one argument', () => {
    assert.deepEqual(browserCommand('win32', { BROWSER: 'lynx' }, URL_), {
      command: 'rundll32',
      args: ['url.dll,FileProtocolHandler', URL_],
      via: 'rundll32 url.dll,FileProtocolHandler',
    });
  });

  it('uses xdg-open on Linux with a display, removing text-mode browsers from BROWSER', () => {
    assert.deepEqual(browserCommand('linux', { DISPLAY: ':0' }, URL_), {
      command: 'xdg-open',
      args: [URL_],
      env: { BROWSER: undefined },
      via: 'xdg-open',
    });
    assert.deepEqual(
      browserCommand('linux', { WAYLAND_DISPLAY: 'wayland-0', BROWSER: 'w3m:www-browser' }, URL_).command,
      'xdg-open',
    );
    const c = browserCommand('linux', { WAYLAND_DISPLAY: 'wayland-0', BROWSER: 'w3m:www-browser' }, URL_);
    assert.deepEqual('env' in c ? c.env : 'none', { BROWSER: undefined });
  });

  it('opens nothing on Linux without a display, saying why (SSH or not)', () => {
    assert.deepEqual(browserCommand('linux', {}, URL_), {
      reason: 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)',
    });
    assert.deepEqual(browserCommand('linux', { SSH_CONNECTION: '10.0.0.2 5000 10.0.0.1 22' }, URL_), {
      reason: 'this is an SSH session without a forwarded display',
    });
    assert.equal(browserCommand('linux', { SSH_CONNECTION: 'x', DISPLAY: 'localhost:10.0' }, URL_).command, 'xdg-open');
  });

  it('opens nothing on macOS over SSH', () => {
    assert.equal(browserCommand('darwin', { SSH_TTY: '/dev/ttys001' }, URL_).command, undefined);
  });

  it('honours a graphical $BROWSER (with %s or appended) and never a text-mode one', () => {
    assert.deepEqual(browserCommand('linux', { BROWSER: 'lynx:firefox' }, URL_), {
      command: 'firefox',
      args: [URL_],
      via: '$BROWSER',
    });
    assert.deepEqual(browserCommand('linux', { BROWSER: '/opt/code/browser.sh --new %s' }, URL_), {
      command: '/opt/code/browser.sh',
      args: ['--new', URL_],
      via: '$BROWSER',
    });
    assert.equal(browserCommand('linux', { BROWSER: '/usr/bin/w3m' }, URL_).command, undefined);
    assert.equal(browserCommand('linux', { BROWSER: 'www-browser', DISPLAY: ':0' }, URL_).command, 'xdg-open');
  });

  it('uses wslview under WSL when installed, else cmd.exe /c start "" with cmd metacharacters escaped', () => {
    const wsl = { WSL_DISTRO_NAME: 'Ubuntu' };
    assert.deepEqual(browserCommand('linux', wsl, URL_, { has: (p) => p === 'wslview' }), {
      command: 'wslview',
      args: [URL_],
      via: 'wslview',
    });
    assert.deepEqual(
      browserCommand('linux', {}, URL_, { osRelease: '5.15.167.4-microsoft-standard-WSL2', has: () => false }),
      {
        command: 'cmd.exe',
        args: ['/c', 'start', '', cmdEscape(URL_)],
        via: 'cmd.exe /c start',
      },
    );
  });

  it('refuses anything but http(s) URLs and local .html pages (the launch page)', () => {
    for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'file:///tmp/x.html?y'])
      assert.deepEqual(browserCommand('darwin', {}, u), {
        reason: 'only http(s) URLs and local .html pages are opened',
      });
    assert.equal(
      browserCommand('darwin', {}, 'file:///home/u/.local/state/entra-token/launch/login-1.html').command,
      'open',
    );
  });
});

describe('cmdEscape, isTextModeBrowser, isWsl', () => {
  it('escapes & | < > ^ ( ) % ! " with a caret', () => {
    assert.equal(cmdEscape('a&b|c<d>e^f(g)h%2Fi!j"k'), 'a^&b^|c^<d^>e^^f^(g^)h^%2Fi^!j^"k');
    assert.equal(cmdEscape(URL_), URL_.replaceAll('&', '^&').replaceAll('%', '^%'));
  });
  it('knows the text-mode browsers by base name', () => {
    for (const b of ['www-browser', 'lynx', '/usr/bin/w3m', 'links2 -g', 'elinks'])
      assert.equal(isTextModeBrowser(b), true, b);
    for (const b of ['firefox', 'x-www-browser', '/usr/bin/chromium']) assert.equal(isTextModeBrowser(b), false, b);
  });
  it('detects WSL from WSL_DISTRO_NAME, WSL_INTEROP or the kernel release', () => {
    assert.equal(isWsl({ WSL_INTEROP: '/run/WSL/1_interop' }), true);
    assert.equal(isWsl({}, '4.4.0-19041-Microsoft'), true);
    assert.equal(isWsl({}, '6.8.0-45-generic'), false);
  });
});

describe('openBrowser', () => {
  function fakeSpawn(behaviour: 'exit0' | 'exit3' | 'enoent' | 'linger') {
    const calls: Array<{ command: string; args: string[]; options: SpawnOptions }> = [];
    const spawn = (command: string, args: string[], options: SpawnOptions): ChildProcess => {
      calls.push({ command, args, options });
      const child = Object.assign(new EventEmitter(), { unref: () => {} }) as unknown as ChildProcess;
      setImmediate(() => {
        if (behaviour === 'exit0') child.emit('exit', 0);
        if (behaviour === 'exit3') child.emit('exit', 3);
        if (behaviour === 'enoent')
          child.emit('error', Object.assign(new Error('spawn xdg-open ENOENT'), { code: 'ENOENT' }));
      });
      return child;
    };
    return { spawn, calls };
  }

  it('spawns detached, without a shell, output ignored; the URL stays off argv: the browser gets a 0600 page that redirects to it', async () => {
    const { spawn, calls } = fakeSpawn('exit0');
    const r = await openBrowser(URL_, {
      platform: 'linux',
      env: { DISPLAY: ':0', BROWSER: 'lynx', PATH: '/usr/bin', AZURE_CLIENT_SECRET: 's', ENTRA_TOKEN_PASSWORD: 'p' },
      facts: {},
      launchDir: LAUNCH,
      spawn,
    });
    assert.ok(r.opened && r.launchPage);
    assert.deepEqual(
      { ...r, launchPage: undefined },
      { opened: true, command: 'xdg-open', via: 'xdg-open', launchPage: undefined },
    );
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.command, 'xdg-open');
    assert.equal(calls[0]!.args.length, 1);
    const page = fileURLToPath(calls[0]!.args[0]!);
    assert.equal(page, r.launchPage);
    assert.ok(!calls[0]!.args[0]!.includes('state='), 'the state is on argv');
    assert.equal(statSync(page).mode & 0o777, 0o600);
    assert.equal(statSync(LAUNCH).mode & 0o777, 0o700);
    assert.ok(readFileSync(page, 'utf8').includes(`content="0;url=${URL_.replaceAll('&', '&amp;')}"`));
    assert.equal(calls[0]!.options.shell, false);
    assert.equal(calls[0]!.options.detached, true);
    assert.equal(calls[0]!.options.stdio, 'ignore');
    assert.deepEqual(calls[0]!.options.env, { DISPLAY: ':0', PATH: '/usr/bin' });
  });

  it('a launcher that fails leaves no launch page behind', async () => {
    const before = existsSync(LAUNCH) ? (await import('node:fs')).readdirSync(LAUNCH).length : 0;
    await openBrowser(URL_, {
      platform: 'linux',
      env: { DISPLAY: ':0' },
      facts: {},
      launchDir: LAUNCH,
      spawn: fakeSpawn('exit3').spawn,
    });
    assert.equal(existsSync(LAUNCH) ? (await import('node:fs')).readdirSync(LAUNCH).length : 0, before);
  });

  it('browserEnv drops every variable that may hold a secret and keeps the rest', () => {
    assert.deepEqual(
      browserEnv({
        PATH: '/bin',
        DISPLAY: ':0',
        BROWSER: 'firefox',
        AZURE_CLIENT_SECRET: 'x',
        AZURE_CLIENT_CERTIFICATE_PASSWORD: 'x',
        ENTRA_TOKEN_PASSWORD: 'x',
        ENTRA_TOKEN_REFRESH_TOKEN: 'x',
        ENTRA_TOKEN_ACCESS_TOKEN: 'x',
        DATABRICKS_TOKEN: 'x',
        GITHUB_TOKEN: 'x',
        OPENAI_API_KEY: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AZURE_STORAGE_CONNECTION_STRING: 'x',
      }),
      { PATH: '/bin', DISPLAY: ':0', BROWSER: 'firefox' },
    );
  });

  it('reports a launcher that is missing or fails, and one that keeps running as opened', async () => {
    assert.deepEqual(
      await openBrowser(URL_, {
        platform: 'linux',
        env: { DISPLAY: ':0' },
        facts: {},
        launchDir: LAUNCH,
        spawn: fakeSpawn('enoent').spawn,
      }),
      {
        opened: false,
        reason: 'xdg-open is not installed',
      },
    );
    assert.deepEqual(
      await openBrowser(URL_, {
        platform: 'linux',
        env: { DISPLAY: ':0' },
        facts: {},
        launchDir: LAUNCH,
        spawn: fakeSpawn('exit3').spawn,
      }),
      {
        opened: false,
        reason: 'xdg-open exited with status 3',
      },
    );
    const lingering = await openBrowser(URL_, {
      platform: 'darwin',
      env: {},
      facts: {},
      launchDir: LAUNCH,
      spawn: fakeSpawn('linger').spawn,
      settleMs: 20,
    });
    assert.deepEqual(
      { ...lingering, launchPage: undefined },
      { opened: true, command: 'open', via: 'open', launchPage: undefined },
    );
  });

  it('spawns nothing when there is no browser to open', async () => {
    const { spawn, calls } = fakeSpawn('exit0');
    assert.deepEqual(await openBrowser(URL_, { platform: 'linux', env: {}, facts: {}, spawn, launchDir: LAUNCH }), {
      opened: false,
      reason: 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)',
    });
    assert.equal(calls.length, 0);
  });
});
