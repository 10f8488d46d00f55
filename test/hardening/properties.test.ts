/**
 * Every parser of outside input, fed hostile input: no uncaught exception, and every failure is an
 * EntraTokenError whose code is in the ErrorCode union. 10,000 cases each under CI (1,000 locally);
 * ENTRA_TOKEN_PROPERTY_RUNS overrides.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EntraTokenError, EXIT_CODES } from '../../src/core/errors.js';
import { parseRedirect } from '../../src/core/redirect.js';
import { decodeJwtUnverified, tokensFromInput } from '../../src/core/jwt.js';
import { processTokenResponse } from '../../src/core/token.js';
import { errorFieldsFromJson, toEntraError } from '../../src/core/entra-error.js';
import { processDeviceAuthorizationResponse, processDevicePollResponse } from '../../src/core/device-code.js';
import { processDiscoveryResponse } from '../../src/core/discovery.js';
import { checkJwks } from '../../src/core/verify.js';
import { fetchJwks, clearJwksCache } from '../../src/io/jwks.js';
import { parseDatabricksConfig } from '../../src/core/databrickscfg.js';
import { FileTokenStore } from '../../src/io/token-cache.js';
import { FilePendingStore } from '../../src/io/pending.js';
import type { WireResponse } from '../../src/core/wire.js';

const RUNS = Number(process.env.ENTRA_TOKEN_PROPERTY_RUNS ?? (process.env.CI ? 10_000 : 1_000));
const CODES = new Set(Object.keys(EXIT_CODES));
const root = mkdtempSync(join(tmpdir(), 'entra-props-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Run `f`; it may return or throw an EntraTokenError with a documented code, nothing else. */
function clean(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof EntraTokenError)) throw new Error(`not an EntraTokenError: ${(e as Error)?.stack ?? String(e)}`);
    if (!CODES.has(e.code)) throw new Error(`undocumented code ${e.code}`);
    if (/[\r\n]/.test(e.message)) throw new Error(`multi-line message: ${JSON.stringify(e.message)}`);
  }
}
async function cleanAsync(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    clean(() => {
      throw e;
    });
  }
}

// ------------------------------------------------------------------ generators

const b64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
  maxLength: 60,
});
const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);
const jsonText = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(
        'error',
        'error_description',
        'error_codes',
        'access_token',
        'expires_in',
        'token_type',
        'scope',
        'refresh_token',
        'id_token',
        'ext_expires_in',
        'trace_id',
        'correlation_id',
        'suberror',
        'device_code',
        'user_code',
        'verification_uri',
        'verification_url',
        'interval',
        'message',
        'issuer',
        'authorization_endpoint',
        'token_endpoint',
        'jwks_uri',
        'keys',
      ),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((o) => JSON.stringify(o)),
);
const body = fc.oneof(
  anyText,
  jsonText,
  jsonText.map((j) => j.slice(0, Math.max(0, j.length - 3))),
);
const response: fc.Arbitrary<WireResponse> = fc.record({
  status: fc.oneof(fc.constantFrom(200, 400, 401, 403, 404, 429, 500, 502, 503), fc.integer({ min: 100, max: 599 })),
  headers: fc.oneof(
    fc.constant({} as Record<string, string>),
    fc
      .constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/html',
        'text/plain',
        '',
        'application/problem+json',
      )
      .map((t) => ({ 'content-type': t })),
  ),
  body,
});

// ------------------------------------------------------------------ the parsers

test(`pasted redirects (core/redirect.ts parseRedirect): ${RUNS} hostile pastes yield a result or a documented error`, () => {
  const paste = fc.oneof(
    anyText,
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc
      .tuple(
        fc.constantFrom(
          'http://localhost/?',
          'http://localhost:8400/cb?',
          'https://x/#',
          '?',
          '',
          'localhost/?',
          'javascript:alert(1)//?',
        ),
        fc.array(
          fc.tuple(
            fc.constantFrom('code', 'state', 'error', 'error_description', 'session_state', 'error_uri', 'x'),
            anyText,
          ),
          { maxLength: 5 },
        ),
      )
      .map(([p, kv]) => p + kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')),
  );
  fc.assert(
    fc.property(paste, (p) => clean(() => parseRedirect(p))),
    { numRuns: RUNS },
  );
});

test(`JWTs (core/jwt.ts decodeJwtUnverified, tokensFromInput): ${RUNS} hostile tokens yield claims or a documented error`, () => {
  const seg = fc.oneof(
    b64url,
    fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
    anyText,
  );
  const jwt = fc.oneof(
    anyText,
    fc.array(seg, { minLength: 1, maxLength: 6 }).map((s) => s.join('.')),
  );
  fc.assert(
    fc.property(jwt, (t) => {
      clean(() => decodeJwtUnverified(t));
      clean(() => tokensFromInput(t));
    }),
    { numRuns: RUNS },
  );
});

test(`token responses and Entra errors (core/token.ts processTokenResponse, core/entra-error.ts): ${RUNS} hostile answers`, () => {
  fc.assert(
    fc.property(response, fc.jsonValue({ maxDepth: 2 }), (res, v) => {
      clean(() => processTokenResponse(res, { now: 1_700_000_000_000 }));
      clean(() => {
        const fields =
          v && typeof v === 'object' && !Array.isArray(v)
            ? errorFieldsFromJson(v as Record<string, unknown>)
            : undefined;
        if (fields) throw toEntraError(fields, 'token', {}, 400);
      });
    }),
    { numRuns: RUNS },
  );
});

test(`device authorization and poll answers (core/device-code.ts): ${RUNS} hostile answers`, () => {
  fc.assert(
    fc.property(response, (res) => {
      clean(() => processDeviceAuthorizationResponse(res, { now: 1_700_000_000_000 }));
      clean(() => processDevicePollResponse(res, { now: 1_700_000_000_000 }));
    }),
    { numRuns: RUNS },
  );
});

test(`discovery documents (core/discovery.ts processDiscoveryResponse): ${RUNS} hostile answers`, () => {
  const issuer = 'https://login.example.com/tenant/v2.0';
  const doc = fc.record(
    {
      issuer: fc.oneof(fc.constant(issuer), fc.constant(`${issuer}/`), anyText, fc.jsonValue({ maxDepth: 1 })),
      authorization_endpoint: fc.oneof(fc.webUrl(), anyText, fc.constant('http://evil.example/authorize')),
      token_endpoint: fc.oneof(fc.webUrl(), anyText, fc.constant('http://evil.example/token'), fc.integer()),
      jwks_uri: fc.oneof(fc.webUrl(), anyText),
      device_authorization_endpoint: fc.oneof(fc.webUrl(), anyText),
    },
    { requiredKeys: [] },
  );
  const res = fc.oneof(
    response,
    doc.map((d): WireResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(d),
    })),
  );
  fc.assert(
    fc.property(res, (r) => clean(() => processDiscoveryResponse(r, issuer))),
    { numRuns: RUNS },
  );
});

test(`JWKS documents (core/verify.ts checkJwks, io/jwks.ts fetchJwks): ${RUNS} hostile answers`, async () => {
  const key = fc.dictionary(
    fc.constantFrom('kty', 'kid', 'n', 'e', 'use', 'x5c', 'x5t', 'alg', 'crv', 'x', 'y', 'issuer'),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const jwks = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ keys: fc.oneof(fc.array(key, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) }),
  );
  fc.assert(
    fc.property(jwks, (j) => clean(() => checkJwks(j))),
    { numRuns: RUNS },
  );
  const res = fc.oneof(
    response,
    jwks.map((j): WireResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(j),
    })),
  );
  await fc.assert(
    fc.asyncProperty(res, async (r) => {
      clearJwksCache();
      await cleanAsync(() => fetchJwks('https://login.example.com/t/discovery/v2.0/keys', { send: async () => r }));
    }),
    { numRuns: RUNS },
  );
});

test(`.databrickscfg (core/databrickscfg.ts parseDatabricksConfig): ${RUNS} hostile files`, () => {
  const line = fc.oneof(
    anyText,
    fc.constantFrom('[DEFAULT]', '[dev]', '[', ']', '[]', '[ a b ]', '; comment', '# comment', '', '   ', '\t[x]'),
    fc
      .tuple(
        fc.constantFrom(
          'host',
          'azure_tenant_id',
          'azure_client_id',
          'azure_client_secret',
          'token',
          'azure_workspace_resource_id',
          '',
          ' ',
          'x y',
        ),
        fc.constantFrom('=', ' = ', ':', '=='),
        anyText,
      )
      .map(([k, s, v]) => `${k}${s}${v}`),
  );
  const file = fc
    .array(line, { maxLength: 12 })
    .chain((ls) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => ls.join(eol)));
  fc.assert(
    fc.property(file, (f) => clean(() => parseDatabricksConfig(f, '/home/u/.databrickscfg'))),
    { numRuns: RUNS },
  );
});

test(`token cache files (io/token-cache.ts FileTokenStore.read): ${RUNS} hostile tokens.json contents`, async () => {
  const dir = mkdtempSync(join(root, 'cache-'));
  const store = new FileTokenStore(dir, { warn: () => {} });
  await store.read(); // creates the 0700 directory
  const entry = fc.record(
    {
      secret: anyText,
      expires_on: fc.oneof(fc.integer(), anyText),
      scopes: fc.oneof(fc.array(fc.string()), fc.string()),
    },
    { requiredKeys: [] },
  );
  const content = fc.oneof(
    body,
    fc
      .record(
        {
          version: fc.oneof(fc.constant(1), fc.jsonValue()),
          accounts: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 1 })),
          tokens: fc.oneof(fc.dictionary(fc.string(), entry), fc.array(entry)),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  );
  await fc.assert(
    fc.asyncProperty(content, async (c) => {
      writeFileSync(join(dir, 'tokens.json'), c, { mode: 0o600 });
      await cleanAsync(() => store.read());
    }),
    { numRuns: RUNS },
  );
});

test(`pending-state files (io/pending.ts FilePendingStore): ${RUNS} hostile pending files`, () => {
  const dir = mkdtempSync(join(root, 'pending-'));
  const store = new FilePendingStore(dir);
  const state = 'st4te-0123456789abcdefghij';
  const file = join(dir, `${createHash('sha256').update(state).digest('hex').slice(0, 32)}.json`);
  const valid = {
    state,
    code_verifier: 'v'.repeat(43),
    nonce: 'n',
    redirect_uri: 'http://localhost',
    client_id: 'c',
    authority: 'https://login.microsoftonline.com/t',
    tenant: 't',
    scopes: ['openid'],
    response_mode: 'query',
    created_at: 1_700_000_000_000,
  };
  const mutated = fc
    .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue({ maxDepth: 1 }))
    .map(([k, v]) => JSON.stringify({ pending: { ...valid, [k]: v } }));
  const content = fc.oneof(
    body,
    mutated,
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ tombstone: v })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ pending: v })),
  );
  fc.assert(
    fc.property(content, fc.integer({ min: 1_699_999_000_000, max: 1_700_001_000_000 }), (c, now) => {
      writeFileSync(file, c, { mode: 0o600 });
      clean(() => store.find(state, now));
      writeFileSync(file, c, { mode: 0o600 });
      clean(() => store.newest(now));
      writeFileSync(file, c, { mode: 0o600 });
      clean(() => store.markUsed(state, now));
    }),
    { numRuns: RUNS },
  );
  assert.ok(true);
});
