/**
 * Every emulator fault × every flow, each with its expected outcome, generated from the table below.
 * CLI flows run in-process with ENTRA_TOKEN_TIMEOUT=1; library flows get a small retry policy and
 * zero-delay sleeps. Test names read as the table: `fault drop × exchange → EOUTCOME_UNKNOWN exit 6`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startEmulator, type Emulator, type FaultSpec } from '../../src/emulator/index.js';
import { runInProcess } from '../helpers/cli.js';
import { browse } from '../helpers/browse.js';
import { isolatedEnv } from '../helpers/env.js';
import { EntraTokenError } from '../../src/core/errors.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { createHttpClient } from '../../src/io/http.js';
import { login } from '../../src/flows/login.js';
import { deviceCodeTokens } from '../../src/flows/device-code.js';
import { clearJwksCache } from '../../src/io/jwks.js';

let emu: Emulator;
let emuShiftMs = 0;

/** Run `fn` with the CLI and the emulator both `ms` in the future (a cached token has expired meanwhile). */
async function later<T>(ms: number, fn: (now: () => number) => Promise<T>): Promise<T> {
  emuShiftMs = ms;
  try {
    return await fn(() => Date.now() + ms);
  } finally {
    emuShiftMs = 0;
  }
}
let I: Emulator['info'];
let root: string;
const DBX = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const SCOPES = [DBX, 'openid', 'profile', 'offline_access'];

before(async () => {
  // the emulator's clock follows the CLI's when a case runs the CLI later (id tokens are checked for exp/iat)
  emu = await startEmulator({ autoApprove: true, now: () => Date.now() + emuShiftMs });
  I = emu.info;
  root = mkdtempSync(join(tmpdir(), 'entra-faults-'));
});
after(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the faults

type FaultName = 'aadsts' | 'status' | 'delay' | 'html' | 'malformed' | 'drop';
/** One armed fault of each kind; "delay" outlasts ENTRA_TOKEN_TIMEOUT=1 (undici's timers tick per second). */
const FAULTS: Record<FaultName, Omit<FaultSpec, 'endpoint'>> = {
  aadsts: { kind: 'aadsts', code: 50076 } as never,
  status: { kind: 'status', status: 503, retry_after: 0 } as never,
  delay: { kind: 'delay', ms: 2_500 } as never,
  html: { kind: 'html', status: 200 } as never, // a captive portal answers 200 with a login page
  malformed: { kind: 'malformed' } as never,
  drop: { kind: 'drop' } as never,
};

// ------------------------------------------------------------------ the flows

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
type FlowName =
  | 'exchange'
  | 'login paste-back'
  | 'password'
  | 'refresh'
  | 'client-credentials'
  | 'device-code'
  | 'token (cache refresh)'
  | 'inspect --verify'
  | 'databricks tenant discovery'
  | 'databricks'
  | 'graph';

const env = (dir: string) => isolatedEnv(dir, { ENTRA_TOKEN_TIMEOUT: '1' });
let n = 0;
const freshDir = () => mkdtempSync(join(root, `c${++n}-`));

async function prepareExchange(e: Record<string, string>): Promise<string> {
  const a = await runInProcess(['authorize-url', '--authority', I.authority, '--client-id', I.public_client_id], {
    env: e,
  });
  assert.equal(a.code, 0, a.stderr);
  return browse(a.stdout.trim());
}

async function tokenResponse(form: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`${I.authority}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, string>;
}
const userTokens = (scope = `${DBX} openid profile offline_access`) =>
  tokenResponse({
    grant_type: 'password',
    client_id: I.public_client_id,
    username: I.username,
    password: I.password,
    scope,
  });
const appToken = (scope: string) =>
  tokenResponse({
    grant_type: 'client_credentials',
    client_id: I.confidential_client_id,
    client_secret: I.client_secret,
    scope,
  });

/** Library flows: exit code from the error, as the CLI would print it. */
async function asOutcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return { code: 0, stdout: '', stderr: '' };
  } catch (e) {
    if (!(e instanceof EntraTokenError)) throw e;
    return {
      code: e.exitCode,
      stdout: '',
      stderr: `entra-token: error ${e.code}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`,
    };
  }
}
const libHttp = () =>
  createHttpClient({
    env: {},
    timeoutMs: 1_000,
    retry: { maxAttempts: 3, maxTotalMs: 5_000, baseDelayMs: 0, maxDelayMs: 0 },
    sleep: async () => {},
  });

interface Flow {
  /** Which emulator fault endpoint the flow's first faultable request hits. */
  endpoint: string;
  /** Set up what the flow needs (without faults), then return the run to perform with the fault armed. */
  prepare(dir: string): Promise<() => Promise<Outcome>>;
}

const FLOWS: Record<FlowName, Flow> = {
  exchange: {
    endpoint: 'token',
    async prepare(dir) {
      const e = env(dir);
      const redirect = await prepareExchange(e);
      return () => runInProcess(['exchange', redirect, '-o', 'json'], { env: e });
    },
  },
  'login paste-back': {
    endpoint: 'token',
    async prepare() {
      return async () => {
        const stdin = new PassThrough();
        const http = libHttp();
        try {
          return await asOutcome(
            login(
              {
                authority: resolveAuthority({ authority: I.authority }),
                client_id: I.public_client_id,
                scopes: SCOPES,
                timeoutMs: 10_000,
              },
              {
                stdin,
                // the "browser" signs in on another machine and the user pastes the redirect back
                openBrowser: async (url) => {
                  stdin.write(`${await browse(url)}\n`);
                  return { opened: true, command: 'test' } as never;
                },
              },
              { http, now: Date.now },
            ),
          );
        } finally {
          stdin.end();
          await http.close();
        }
      };
    },
  },
  password: {
    endpoint: 'token',
    async prepare(dir) {
      return () =>
        runInProcess(
          [
            'password',
            '--authority',
            I.authority,
            '--client-id',
            I.public_client_id,
            '--username',
            I.username,
            '-o',
            'json',
          ],
          {
            env: { ...env(dir), ENTRA_TOKEN_PASSWORD: I.password },
          },
        );
    },
  },
  refresh: {
    endpoint: 'token',
    async prepare(dir) {
      const t = await userTokens();
      return () =>
        runInProcess(['refresh', '--authority', I.authority, '--client-id', I.public_client_id, '-o', 'json'], {
          env: { ...env(dir), ENTRA_TOKEN_REFRESH_TOKEN: t.refresh_token! },
        });
    },
  },
  'client-credentials': {
    endpoint: 'token',
    async prepare(dir) {
      return () =>
        runInProcess(
          ['client-credentials', '--authority', I.authority, '--client-id', I.confidential_client_id, '-o', 'json'],
          {
            env: { ...env(dir), AZURE_CLIENT_SECRET: I.client_secret },
          },
        );
    },
  },
  'device-code': {
    endpoint: 'devicecode',
    async prepare() {
      return async () => {
        const http = libHttp();
        try {
          return await asOutcome(
            deviceCodeTokens(
              {
                authority: resolveAuthority({ authority: I.authority }),
                client_id: I.public_client_id,
                scopes: SCOPES,
                onPrompt: (d) => emu.approveDeviceCode(d.user_code, 'approve'),
              },
              { http, now: Date.now, sleep: async () => {} },
            ),
          );
        } finally {
          await http.close();
        }
      };
    },
  },
  'token (cache refresh)': {
    endpoint: 'token',
    async prepare(dir) {
      const e = env(dir);
      const x = await runInProcess(['exchange', await prepareExchange(e), '-o', 'json'], { env: e });
      assert.equal(x.code, 0, x.stderr);
      // two hours on, the cached access token has expired: a refresh is needed
      return () =>
        later(2 * 3600_000, (now) =>
          runInProcess(['token', '-o', 'json'], { env: { ...e, ENTRA_TOKEN_NO_FAST_PATH: '1' }, now }),
        );
    },
  },
  'inspect --verify': {
    endpoint: 'jwks',
    async prepare(dir) {
      const t = await userTokens();
      return () => (
        clearJwksCache(),
        runInProcess(['inspect', '--verify', '--authority', I.authority, '--output', 'json', t.access_token!], {
          env: env(dir),
        })
      );
    },
  },
  // the first workspace request: GET /aad/auth, to learn the workspace's tenant before sending a token
  'databricks tenant discovery': {
    endpoint: 'workspace',
    async prepare(dir) {
      const t = await userTokens();
      return () =>
        runInProcess(['databricks', 'clusters', 'list', '--host', String(I.workspace_url), '--output', 'json'], {
          env: { ...env(dir), ENTRA_TOKEN_ACCESS_TOKEN: t.access_token! },
        });
    },
  },
  // the API call itself (discovery skipped so the fault lands on clusters/list)
  databricks: {
    endpoint: 'workspace',
    async prepare(dir) {
      const t = await userTokens();
      return () =>
        runInProcess(
          [
            'databricks',
            'clusters',
            'list',
            '--skip-token-checks',
            '--host',
            String(I.workspace_url),
            '--output',
            'json',
          ],
          { env: { ...env(dir), ENTRA_TOKEN_ACCESS_TOKEN: t.access_token! } },
        );
    },
  },
  graph: {
    endpoint: 'graph',
    async prepare(dir) {
      const t = await appToken('https://graph.microsoft.com/.default');
      return () =>
        runInProcess(['graph', 'users', 'list', '--graph-url', String(I.graph_url), '--output', 'json'], {
          env: { ...env(dir), ENTRA_TOKEN_ACCESS_TOKEN: t.access_token! },
        });
    },
  },
};

// ------------------------------------------------------------------ expected outcomes

interface Expect {
  /** The label in the test name. */
  outcome: string;
  code: number;
  /** Error line on stderr (regex source), for failures. */
  error?: RegExp;
  /** How many requests reached the faulted endpoint. */
  hits?: number;
  check?: (r: Outcome, dir: string) => void | Promise<void>;
}

const ok = (hits: number, outcome = 'retried and succeeded'): Expect => ({ outcome, code: 0, hits });
const UNKNOWN: Expect = {
  outcome: 'EOUTCOME_UNKNOWN exit 6, not re-sent',
  code: 6,
  hits: 1,
  error:
    /error EOUTCOME_UNKNOWN: POST 127\.0\.0\.1:\d+ was sent but (no answer came in time|the connection failed \(\w+\)); its outcome is unknown, so it was not retried/,
};
const HTML_TOKEN: Expect = {
  outcome: 'EBAD_RESPONSE exit 6 showing status, type and page',
  code: 6,
  hits: 1,
  error: /error EBAD_RESPONSE: .*200.*text\/html.*<html>.*nginx/,
};
const MALFORMED: Expect = {
  outcome: 'EBAD_RESPONSE exit 6',
  code: 6,
  hits: 1,
  error: /error EBAD_RESPONSE: .*(JSON|json)/,
};
const MFA: Expect = {
  outcome: 'AADSTS50076 exit 5 with the sign-in hint',
  code: 5,
  hits: 1,
  error:
    /error EINTERACTION_REQUIRED: interaction_required AADSTS50076: .*multi-factor authentication.*\(client-request-id [0-9a-f-]{36}, trace id [0-9a-f-]{36}, at [^)]+\)\nhint: /,
};

const tokenPostFlow: Record<FaultName, Expect> = {
  aadsts: MFA,
  status: ok(2),
  delay: UNKNOWN,
  html: HTML_TOKEN,
  malformed: MALFORMED,
  drop: UNKNOWN,
};

const TABLE: Record<FlowName, Record<FaultName, Expect>> = {
  exchange: {
    ...tokenPostFlow,
    drop: {
      ...UNKNOWN,
      outcome: 'EOUTCOME_UNKNOWN exit 6, pending kept',
      check: (_r, dir) =>
        assert.equal(
          readdirSync(join(dir, 'state', 'pending')).filter((f) => f.endsWith('.json')).length,
          1,
          'the pending sign-in is kept',
        ),
    },
  },
  'login paste-back': tokenPostFlow,
  password: tokenPostFlow,
  refresh: tokenPostFlow,
  'client-credentials': { ...tokenPostFlow, aadsts: { ...MFA, outcome: 'AADSTS50076 exit 5', error: /AADSTS50076/ } },
  'device-code': {
    aadsts: { outcome: 'AADSTS50076 from /devicecode, exit 4 or 5', code: 5, hits: 1, error: /AADSTS50076/ },
    status: ok(2),
    delay: UNKNOWN,
    html: HTML_TOKEN,
    malformed: MALFORMED,
    drop: UNKNOWN,
  },
  'token (cache refresh)': {
    ...tokenPostFlow,
    drop: {
      ...UNKNOWN,
      outcome: 'EOUTCOME_UNKNOWN exit 6, cache kept (the next run refreshes)',
      check: async (_r, dir) => {
        const again = await later(2 * 3600_000, (now) =>
          runInProcess(['token', '-o', 'json'], { env: { ...env(dir), ENTRA_TOKEN_NO_FAST_PATH: '1' }, now }),
        );
        assert.equal(again.code, 0, again.stderr);
      },
    },
  },
  'inspect --verify': {
    aadsts: { outcome: 'JWKS fetch refused: exit 6, not verified', code: 6, hits: 1, error: /JWKS|keys/i },
    status: ok(2),
    delay: ok(2, 'timed out, retried and succeeded'),
    html: {
      outcome: 'EBAD_RESPONSE exit 6 showing the page',
      code: 6,
      hits: 1,
      error: /error EBAD_RESPONSE: .*text\/html/,
    },
    malformed: { ...MALFORMED, error: /error EBAD_RESPONSE/ },
    drop: ok(2, 'reset, retried and succeeded'),
  },
  'databricks tenant discovery': {
    aadsts: {
      outcome: 'warning, tenant unchecked, call made (exit 0)',
      code: 0,
      hits: 1,
      check: (r) =>
        assert.match(
          r.stderr,
          /warning: 127\.0\.0\.1:\d+\/aad\/auth answered 400 without a redirect, so the workspace tenant is unknown; the token's tenant is not checked/,
        ),
    },
    status: ok(2),
    delay: ok(2, 'timed out, retried and succeeded'),
    html: {
      outcome: 'warning, tenant unchecked, call made (exit 0)',
      code: 0,
      hits: 1,
      check: (r) => assert.match(r.stderr, /answered 200 without a redirect/),
    },
    malformed: {
      outcome: 'warning, tenant unchecked, call made (exit 0)',
      code: 0,
      hits: 1,
      check: (r) => assert.match(r.stderr, /answered 200 without a redirect/),
    },
    drop: ok(2, 'reset, retried and succeeded'),
  },
  databricks: {
    aadsts: { outcome: 'EAPI exit 9', code: 9, hits: 1, error: /error EAPI: / },
    status: ok(2),
    delay: ok(2, 'timed out, retried and succeeded'),
    html: {
      outcome: 'EBAD_RESPONSE exit 6 showing the page',
      code: 6,
      hits: 1,
      error: /error EBAD_RESPONSE: .*200 \(text\/html\) with a body that is not JSON: <html>.*nginx/,
    },
    malformed: { ...MALFORMED, error: /error EBAD_RESPONSE/ },
    drop: ok(2, 'reset, retried and succeeded'),
  },
  graph: {
    aadsts: { outcome: 'EAPI exit 9', code: 9, hits: 1, error: /error EAPI: / },
    status: ok(2),
    delay: ok(2, 'timed out, retried and succeeded'),
    html: {
      outcome: 'EBAD_RESPONSE exit 6 showing the page',
      code: 6,
      hits: 1,
      error: /error EBAD_RESPONSE: .*200 \(text\/html\) with a body that is not JSON: <html>.*nginx/,
    },
    malformed: { ...MALFORMED, error: /error EBAD_RESPONSE/ },
    drop: ok(2, 'reset, retried and succeeded'),
  },
};

// ------------------------------------------------------------------ the generated tests

function hitsOn(endpoint: string, since: number): number {
  const rx: Record<string, RegExp> = {
    token: /\/oauth2\/(v2\.0\/)?token$/,
    devicecode: /\/oauth2\/(v2\.0\/)?devicecode$/,
    jwks: /\/discovery\/(v2\.0\/)?keys$/,
  };
  return emu
    .requests()
    .filter((q) => q.seq > since)
    .filter((q) =>
      rx[endpoint]
        ? q.server === 'entra' && rx[endpoint]!.test(q.path)
        : q.server === endpoint && !q.path.startsWith('/aad/auth'),
    ).length;
}
function discoveryHits(since: number): number {
  return emu.requests().filter((q) => q.seq > since && q.server === 'workspace' && q.path.startsWith('/aad/auth'))
    .length;
}

for (const [flowName, flow] of Object.entries(FLOWS) as Array<[FlowName, Flow]>) {
  for (const [faultName, spec] of Object.entries(FAULTS) as Array<[FaultName, FaultSpec]>) {
    const x = TABLE[flowName][faultName];
    test(`fault ${faultName} × ${flowName} → ${x.outcome}`, async () => {
      const dir = freshDir();
      const run = await flow.prepare(dir);
      emu.clearFaults();
      const since = emu.requests().at(-1)?.seq ?? 0;
      emu.fault({ ...spec, endpoint: flow.endpoint } as FaultSpec);
      const r = await run();
      assert.equal(r.code, x.code, `exit code; stderr: ${r.stderr}`);
      if (x.error) assert.match(r.stderr, x.error);
      else assert.doesNotMatch(r.stderr, /entra-token: error/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      if (x.hits !== undefined) {
        const hits = flowName === 'databricks tenant discovery' ? discoveryHits(since) : hitsOn(flow.endpoint, since);
        assert.equal(hits, x.hits, 'requests that reached the faulted endpoint');
      }
      if (x.code === 0 && 'stdout' in r && r.stdout) JSON.parse(r.stdout);
      await x.check?.(r, dir);
      // wait out a delayed answer the client gave up on, so it does not leak into the next case
      if (faultName === 'delay') await new Promise((res) => setTimeout(res, 1_600));
    });
  }
}
