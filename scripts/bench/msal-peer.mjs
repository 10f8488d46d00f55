// The same flows with MSAL Node and with entra-token, side by side, against one emulator over TLS.
// Run by scripts/bench.mjs as a child with NODE_EXTRA_CA_CERTS=<the emulator's CA> (both MSAL's https
// client and undici trust it from there) and ENTRA_TOKEN_BENCH_EMU=<emu.info JSON>, ENTRA_TOKEN_BENCH_N.
// Prints one JSON object: {flows: {name: {entra, msal, ratio}}, errors: {name: message}}.
// MSAL is given knownAuthorities, authorityMetadata and cloudDiscoveryMetadata, so it never looks for
// the internet (there is none); its token cache is skipped or fresh, so every call is a network call.
import { ConfidentialClientApplication, PublicClientApplication, LogLevel } from '@azure/msal-node';
import { Agent, request } from 'undici';
import { sideBySide, authorizeRedirect } from './lib.mjs';

const dist = new URL('../../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);

const info = JSON.parse(process.env.ENTRA_TOKEN_BENCH_EMU);
const n = Number(process.env.ENTRA_TOKEN_BENCH_N ?? 20);
const only = process.env.ENTRA_TOKEN_BENCH_FLOWS?.split(',');
const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
const USER_SCOPES = [DATABRICKS, 'openid', 'profile', 'offline_access'];

const [
  { createHttpClient },
  { resolveAuthority },
  { startAuthorization, acceptCallback, redeem },
  { MemoryPendingStore },
  { clientCredentialsTokens },
  { refreshTokens },
  { passwordTokens },
  { Trace },
] = await Promise.all([
  load('io/http.js'),
  load('core/authority.js'),
  load('flows/auth-code.js'),
  load('io/pending.js'),
  load('flows/client-credentials.js'),
  load('flows/refresh.js'),
  load('flows/password.js'),
  load('io/trace.js'),
]);

const http = createHttpClient({ env: {}, timeoutMs: 10_000, connectTimeoutMs: 5_000 });
const now = () => Date.now();
const authority = resolveAuthority({ authority: info.authority });
const host = new URL(info.url).host;

const metadata = JSON.parse(
  await (
    await request(`${info.authority}/v2.0/.well-known/openid-configuration`, {
      dispatcher: new Agent({ connect: { timeout: 5000 } }),
    })
  ).body.text(),
);
const msalAuth = {
  authority: info.authority,
  knownAuthorities: [host],
  authorityMetadata: JSON.stringify(metadata),
  cloudDiscoveryMetadata: JSON.stringify({
    tenant_discovery_endpoint: `${info.authority}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  }),
};
const system = { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => {}, piiLoggingEnabled: false } };
const confidential = new ConfidentialClientApplication({
  auth: { ...msalAuth, clientId: info.confidential_client_id, clientSecret: info.client_secret },
  system,
});
const publicApp = () => new PublicClientApplication({ auth: { ...msalAuth, clientId: info.public_client_id }, system });

/** A fresh auto-approved code and the pending authorization that asked for it (untimed). */
async function freshCode() {
  const pending = new MemoryPendingStore();
  const { url } = await startAuthorization(
    { authority, client_id: info.public_client_id, redirect_uri: info.redirect_uri, scopes: USER_SCOPES },
    { pending, now },
  );
  const redirect = await authorizeRedirect(url);
  return { pending, redirect };
}

let seedRefresh;
async function refreshToken() {
  if (!seedRefresh) {
    const { pending, redirect } = await freshCode();
    const { pending: p, code } = acceptCallback({ redirect }, pending, now());
    const r = await redeem(p, code, { pending }, { http, now, trace: new Trace(now) });
    seedRefresh = r.tokens.refresh_token;
  }
  return seedRefresh; // the emulator keeps a redeemed refresh token valid (Entra does too)
}

const flows = {
  'client credentials (secret)': {
    entra: () =>
      clientCredentialsTokens(
        {
          authority,
          client_id: info.confidential_client_id,
          credential: { kind: 'secret', client_secret: info.client_secret },
          scope: DATABRICKS,
        },
        { http, now },
      ),
    msal: async () => {
      const r = await confidential.acquireTokenByClientCredential({ scopes: [DATABRICKS], skipCache: true });
      if (!r?.accessToken) throw new Error('MSAL returned no token');
    },
  },
  'authorization code redemption': {
    prepareEntra: freshCode,
    entra: async ({ pending, redirect }) => {
      const { pending: p, code } = acceptCallback({ redirect }, pending, now());
      await redeem(p, code, { pending }, { http, now, trace: new Trace(now) });
    },
    prepareMsal: async () => {
      const { pending, redirect } = await freshCode();
      const u = new URL(redirect);
      const p = pending.newest(now());
      return { code: u.searchParams.get('code'), verifier: p.code_verifier, nonce: p.nonce, app: publicApp() };
    },
    msal: async ({ code, verifier, nonce, app }) => {
      const r = await app.acquireTokenByCode({
        code,
        codeVerifier: verifier,
        nonce,
        scopes: [DATABRICKS],
        redirectUri: info.redirect_uri,
      });
      if (!r?.accessToken) throw new Error('MSAL returned no token');
    },
  },
  'refresh token redemption': {
    prepareEntra: refreshToken,
    entra: (rt) =>
      refreshTokens(
        { authority, client_id: info.public_client_id, refresh_token: rt, scopes: USER_SCOPES },
        { http, now },
      ),
    prepareMsal: async () => ({ rt: await refreshToken(), app: publicApp() }),
    msal: async ({ rt, app }) => {
      const r = await app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: [DATABRICKS] });
      if (!r?.accessToken) throw new Error('MSAL returned no token');
    },
  },
  'password (ROPC)': {
    entra: () =>
      passwordTokens(
        {
          authority,
          client_id: info.public_client_id,
          username: info.username,
          password: info.password,
          scopes: USER_SCOPES,
        },
        { http, now },
      ),
    prepareMsal: async () => publicApp(),
    msal: async (app) => {
      const r = await app.acquireTokenByUsernamePassword({
        username: info.username,
        password: info.password,
        scopes: [DATABRICKS],
      });
      if (!r?.accessToken) throw new Error('MSAL returned no token');
    },
  },
};

const result = { flows: {}, errors: {} };
for (const [name, f] of Object.entries(flows)) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  try {
    const r = await sideBySide({
      a: f.msal,
      b: f.entra,
      prepareA: f.prepareMsal,
      prepareB: f.prepareEntra,
      n,
      warmup: 2,
    });
    result.flows[name] = { msal: r.a, entra: r.b, ratio: r.ratio };
  } catch (e) {
    result.errors[name] = String(e?.message ?? e)
      .split('\n')[0]
      .slice(0, 300);
  }
}
await http.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
