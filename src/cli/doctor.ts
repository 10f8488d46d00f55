/**
 * `entra-token doctor`: what stands between this machine and a token. Every observation comes from an
 * injectable probe, so tests simulate each condition; the checks themselves are plain functions.
 */
import * as fs from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { createHttpClient, NO_RETRY, TLS_ERROR } from '../io/http.js';
import type { ErrorCode } from '../core/errors.js';

export type Status = 'ok' | 'warning' | 'failure';

export interface Check {
  name: string;
  status: Status;
  message: string;
  fix?: string;
  /** The error code (and so exit code) a failure maps to. */
  code?: ErrorCode;
}

export interface HttpProbeResult {
  status?: number;
  /** The Date header of the answer. */
  date?: string;
  /** Error code when no answer came (ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN, …). */
  error?: string;
  /** Milliseconds from send to answer. */
  rttMs?: number;
}

export interface Probes {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  now: () => number;
  /** GET a URL through the tool's own HTTP client (proxies included). */
  get: (url: string) => Promise<HttpProbeResult>;
  /** Addresses `localhost` resolves to. */
  lookupLocalhost: () => Promise<string[]>;
  /** Whether `port` can be bound on `address` (0 = any free port). */
  canListen: (address: string, port: number) => Promise<boolean | string>;
  /** Existence and mode of a directory. */
  statDir: (dir: string) => { exists: false } | { exists: true; isDir: boolean; mode: number; ownedByMe: boolean };
  /** Text of a file, or an error code. */
  readText: (file: string) => string | { error: string };
  /** Hints of running in a container (/.dockerenv, /run/.containerenv, cgroup). */
  inContainer: () => boolean;
  /** `os.release()` (contains "microsoft" under WSL). */
  osRelease: string;
}

export interface DoctorInput {
  /** The URL whose reachability, TLS and Date are checked (the authority's discovery document). */
  probeUrl: string | undefined;
  /** Why there is no probe URL (configuration error), if so. */
  configProblem?: { message: string; code: ErrorCode } | undefined;
  port?: number | undefined;
  stateDir: string;
  cacheDir: string;
  skipNetwork?: boolean;
}

function proxyCheck(env: Probes['env'], probeUrl: string | undefined): Check {
  const get = (n: string) => env[n] || env[n.toLowerCase()];
  const https = get('HTTPS_PROXY');
  const http = get('HTTP_PROXY');
  const no = get('NO_PROXY');
  if (!https && !http)
    return {
      name: 'proxy',
      status: 'ok',
      message: 'no proxy configured (HTTPS_PROXY, HTTP_PROXY unset): direct connections',
    };
  for (const [n, v] of [
    ['HTTPS_PROXY', https],
    ['HTTP_PROXY', http],
  ] as const) {
    if (!v) continue;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return {
        name: 'proxy',
        status: 'failure',
        message: `${n} is not a proxy URL: ${JSON.stringify(v.replace(/\/\/[^@/]*@/, '//***@'))}`,
        fix: `set ${n}=http://proxy.example.com:3128`,
        code: 'EUSAGE',
      };
    }
  }
  const masked = (v: string) => v.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  let bypass = '';
  if (probeUrl && no) {
    const host = new URL(probeUrl).hostname;
    const hit = no
      .split(/[\s,]+/)
      .filter(Boolean)
      .some((e) => e === '*' || host === e.replace(/^\./, '') || host.endsWith(e.startsWith('.') ? e : `.${e}`));
    bypass = hit ? `; ${host} is in NO_PROXY (direct)` : `; ${host} goes through the proxy`;
  }
  return {
    name: 'proxy',
    status: 'ok',
    message: `through ${https ? `HTTPS_PROXY=${masked(https)}` : ''}${https && http ? ', ' : ''}${http ? `HTTP_PROXY=${masked(http)}` : ''}${no ? `, NO_PROXY=${no}` : ''}${bypass}`,
  };
}

function caCheck(p: Probes): Check {
  const file = p.env.NODE_EXTRA_CA_CERTS;
  if (!file)
    return {
      name: 'extra CAs',
      status: 'ok',
      message: "NODE_EXTRA_CA_CERTS unset: Node's built-in CA list only",
      fix: 'behind a TLS-inspecting proxy, set NODE_EXTRA_CA_CERTS to your corporate CA bundle (PEM)',
    };
  const text = p.readText(file);
  if (typeof text !== 'string') {
    return {
      name: 'extra CAs',
      status: 'failure',
      message: `NODE_EXTRA_CA_CERTS=${file} cannot be read (${text.error}); Node ignored it with a warning`,
      fix: 'point NODE_EXTRA_CA_CERTS at a readable PEM file',
      code: 'EBAD_INPUT',
    };
  }
  const n = (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  if (n === 0)
    return {
      name: 'extra CAs',
      status: 'failure',
      message: `NODE_EXTRA_CA_CERTS=${file} holds no PEM certificate`,
      fix: 'convert it to PEM (openssl x509 -inform der -in ca.cer -out ca.pem)',
      code: 'EBAD_INPUT',
    };
  return {
    name: 'extra CAs',
    status: 'ok',
    message: `NODE_EXTRA_CA_CERTS=${file}: ${n} certificate${n === 1 ? '' : 's'}, added by Node to its CA list at start`,
  };
}

async function networkChecks(p: Probes, url: string): Promise<Check[]> {
  const host = new URL(url).host;
  const r = await p.get(url);
  const checks: Check[] = [];
  if (r.error) {
    if (TLS_ERROR.test(r.error)) {
      checks.push({
        name: 'authority TLS',
        status: 'failure',
        message: `TLS to ${host} failed (${r.error}): the certificate is not trusted`,
        fix: 'a proxy or firewall inspects TLS: export NODE_EXTRA_CA_CERTS=/path/to/corporate-ca.pem (Node reads it at start)',
        code: 'ENETWORK',
      });
    } else {
      checks.push({
        name: 'authority reachable',
        status: 'failure',
        message: `cannot reach ${host} (${r.error})`,
        fix: 'check the network, DNS and proxy settings (HTTPS_PROXY, NO_PROXY), or --authority',
        code: 'ENETWORK',
      });
    }
    return checks;
  }
  checks.push({
    name: 'authority reachable',
    status: r.status && r.status < 500 ? 'ok' : 'warning',
    message: `${url.startsWith('https:') ? 'TLS ok, ' : ''}GET ${url} answered HTTP ${r.status}${r.rttMs !== undefined ? ` in ${r.rttMs} ms` : ''}`,
    ...(r.status && r.status >= 400
      ? {
          fix:
            r.status === 400 || r.status === 404
              ? 'check the tenant (AADSTS90002: tenant not found) and the authority'
              : 'the service may be down: try again later',
        }
      : {}),
  });
  const date = r.date ? Date.parse(r.date) : Number.NaN;
  if (Number.isNaN(date)) {
    checks.push({ name: 'clock', status: 'warning', message: `${host} sent no Date header: clock skew not checked` });
  } else {
    const skew = Math.round((p.now() - date) / 1000);
    const abs = Math.abs(skew);
    const text = `this machine's clock is ${abs} s ${skew >= 0 ? 'ahead of' : 'behind'} ${host}`;
    if (abs > 300)
      checks.push({
        name: 'clock',
        status: 'failure',
        message: `${text}: tokens will look expired or not yet valid (5 min tolerance)`,
        fix: 'synchronise the clock (timedatectl set-ntp true; w32tm /resync; sntp -sS time.apple.com)',
        code: 'ECLAIM',
      });
    else if (abs > 60)
      checks.push({ name: 'clock', status: 'warning', message: `${text}`, fix: 'synchronise the clock with NTP' });
    else checks.push({ name: 'clock', status: 'ok', message: `${text} (within 60 s)` });
  }
  return checks;
}

async function localhostCheck(p: Probes): Promise<Check> {
  const addrs = await p.lookupLocalhost();
  const v4 = addrs.includes('127.0.0.1');
  const v6 = addrs.includes('::1');
  const other = addrs.filter((a) => a !== '127.0.0.1' && a !== '::1');
  if (other.length) {
    return {
      name: 'localhost',
      status: 'failure',
      message: `localhost resolves to non-loopback ${other.join(', ')}`,
      fix: 'fix /etc/hosts: "127.0.0.1 localhost" and "::1 localhost"',
      code: 'ENETWORK',
    };
  }
  if (!v4 && !v6)
    return {
      name: 'localhost',
      status: 'warning',
      message: 'localhost does not resolve',
      fix: 'add "127.0.0.1 localhost" to /etc/hosts',
    };
  return {
    name: 'localhost',
    status: 'ok',
    message: `localhost resolves to ${addrs.join(' and ')}${v4 && v6 ? '' : ` (${v4 ? 'IPv4' : 'IPv6'} only)`}; the login listener binds 127.0.0.1 and ::1 so either works`,
  };
}

async function portCheck(p: Probes, port: number | undefined): Promise<Check> {
  const want = port ?? 0;
  const v4 = await p.canListen('127.0.0.1', want);
  if (v4 !== true) {
    const why = typeof v4 === 'string' ? v4 : 'in use';
    return {
      name: 'listener port',
      status: 'failure',
      message: want ? `port ${want} on 127.0.0.1 is not free (${why})` : `cannot listen on 127.0.0.1 (${why})`,
      fix: want
        ? `pick another --port, or find the owner: lsof -i :${want} (Windows: netstat -ano | findstr :${want})`
        : "loopback listening is blocked: use login's paste-back (--no-browser) or device-code",
      code: 'EUSAGE',
    };
  }
  return {
    name: 'listener port',
    status: 'ok',
    message: want ? `port ${want} is free on 127.0.0.1` : 'an ephemeral loopback port can be opened for login',
  };
}

function sessionChecks(p: Probes, port: number | undefined): Check[] {
  const env = p.env;
  const checks: Check[] = [];
  const wsl = Boolean(env.WSL_DISTRO_NAME || env.WSL_INTEROP) || /microsoft/i.test(p.osRelease);
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY);
  const container = p.inContainer();
  const display = p.platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.MIR_SOCKET);
  const fwdPort = port ?? 8400;
  if (ssh) {
    checks.push({
      name: 'session',
      status: 'warning',
      message: 'SSH session: a browser opened here would not be on your screen',
      fix: `forward the port and sign in on your laptop: ssh -L ${fwdPort}:localhost:${fwdPort} <this host>, then entra-token login --no-browser --port ${fwdPort}; or paste the final address back; or entra-token device-code`,
    });
  }
  if (wsl) {
    checks.push({
      name: 'session',
      status: 'ok',
      message: 'WSL: the Windows browser is opened (wslview or cmd.exe start); WSL 2 forwards localhost to Linux',
      fix: 'if the redirect does not arrive, paste the final address back into the terminal',
    });
  }
  if (container) {
    checks.push({
      name: 'session',
      status: 'warning',
      message:
        'running in a container: no browser here, and the host browser cannot reach a listener inside unless the port is published',
      fix: `publish the port (docker run -p ${fwdPort}:${fwdPort} …) and use login --no-browser --port ${fwdPort}, or paste the final address back, or entra-token device-code`,
    });
  }
  if (!display && !ssh && !wsl && !container) {
    checks.push({
      name: 'session',
      status: 'warning',
      message: 'no graphical display (DISPLAY and WAYLAND_DISPLAY unset): no browser can open here',
      fix: 'entra-token login --no-browser (open the URL elsewhere, paste the address back), or entra-token device-code',
    });
  }
  if (!checks.length)
    checks.push({ name: 'session', status: 'ok', message: 'local desktop session: login opens the system browser' });
  return checks;
}

function dirCheck(p: Probes, what: string, dir: string, envName: string): Check {
  const st = p.statDir(dir);
  if (!st.exists)
    return { name: `${what} dir`, status: 'ok', message: `${dir} does not exist yet (created 0700 when needed)` };
  if (!st.isDir)
    return {
      name: `${what} dir`,
      status: 'failure',
      message: `${dir} exists and is not a directory`,
      fix: `move it away, or set ${envName}`,
      code: 'ECACHE',
    };
  const mode = st.mode & 0o777;
  if (p.platform !== 'win32' && (mode & 0o077) !== 0) {
    if (!st.ownedByMe) {
      return {
        name: `${what} dir`,
        status: 'failure',
        message: `${dir} is mode ${mode.toString(8)} and owned by another user`,
        fix: `set ${envName} to a directory of your own`,
        code: 'ECACHE',
      };
    }
    return {
      name: `${what} dir`,
      status: 'warning',
      message: `${dir} is mode ${mode.toString(8)}: other users can read it (tightened to 700 on next use)`,
      fix: `chmod 700 ${dir}`,
    };
  }
  return { name: `${what} dir`, status: 'ok', message: `${dir} (mode ${mode.toString(8)})` };
}

/** Run every check; network checks are skipped when asked or when configuration failed. */
export async function runChecks(p: Probes, input: DoctorInput): Promise<Check[]> {
  const checks: Check[] = [];
  if (input.configProblem) {
    checks.push({
      name: 'configuration',
      status: 'failure',
      message: input.configProblem.message,
      fix: 'run entra-token config show to see where each value comes from',
      code: input.configProblem.code,
    });
  } else {
    checks.push({
      name: 'configuration',
      status: 'ok',
      message: input.probeUrl ? `authority discovery document: ${input.probeUrl}` : 'resolved',
    });
  }
  checks.push(proxyCheck(p.env, input.probeUrl));
  checks.push(caCheck(p));
  if (input.probeUrl && !input.skipNetwork) checks.push(...(await networkChecks(p, input.probeUrl)));
  checks.push(await localhostCheck(p));
  checks.push(await portCheck(p, input.port));
  checks.push(...sessionChecks(p, input.port));
  checks.push(dirCheck(p, 'state', input.stateDir, 'ENTRA_TOKEN_STATE_DIR'));
  checks.push(dirCheck(p, 'cache', input.cacheDir, 'ENTRA_TOKEN_CACHE_DIR'));
  return checks;
}

/** The real probes. */
export async function systemProbes(
  env: Record<string, string | undefined>,
  now: () => number,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<Probes> {
  return {
    env,
    platform: process.platform,
    now,
    async get(url) {
      const http = createHttpClient({ env, retry: NO_RETRY, ...(timeoutMs ? { timeoutMs } : { timeoutMs: 10_000 }) });
      const started = Date.now();
      try {
        const res = await http.send(
          { method: 'GET', url, headers: { accept: 'application/json' }, idempotent: true },
          { signal, retry: NO_RETRY },
        );
        return {
          status: res.status,
          ...(res.headers.date ? { date: res.headers.date } : {}),
          rttMs: Date.now() - started,
        };
      } catch (e) {
        // the socket or TLS error code under our EntraTokenError (ENETWORK → cause → SELF_SIGNED_CERT_IN_CHAIN)
        const ours = new Set(['ENETWORK', 'ETIMEOUT', 'EOUTCOME_UNKNOWN', 'EINSECURE', 'EUSAGE', 'ECANCELLED']);
        let code = '';
        for (let c: unknown = e; c && !code; c = (c as { cause?: unknown }).cause) {
          const k = (c as { code?: unknown }).code;
          if (typeof k === 'string' && !ours.has(k)) code = k;
        }
        if (!code && (e as { code?: string }).code === 'ETIMEOUT') code = 'timeout';
        return { error: code || (e as Error).message };
      } finally {
        await http.close();
      }
    },
    async lookupLocalhost() {
      try {
        return (await lookup('localhost', { all: true })).map((a) => a.address);
      } catch {
        return [];
      }
    },
    canListen(address, port) {
      return new Promise((resolve) => {
        const s = createServer();
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        s.listen(port, address, () => s.close(() => resolve(true)));
      });
    },
    statDir(dir) {
      try {
        const st = fs.statSync(dir);
        return {
          exists: true,
          isDir: st.isDirectory(),
          mode: st.mode,
          ownedByMe: typeof process.getuid !== 'function' || st.uid === process.getuid(),
        };
      } catch {
        return { exists: false };
      }
    },
    readText(file) {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (e) {
        return { error: (e as NodeJS.ErrnoException).code ?? 'error' };
      }
    },
    inContainer() {
      if (
        fs.existsSync('/.dockerenv') ||
        fs.existsSync('/run/.containerenv') ||
        env.KUBERNETES_SERVICE_HOST ||
        env.container
      )
        return true;
      try {
        return /docker|kubepods|containerd|lxc/.test(fs.readFileSync('/proc/1/cgroup', 'utf8'));
      } catch {
        return false;
      }
    },
    osRelease: os.release(),
  };
}
