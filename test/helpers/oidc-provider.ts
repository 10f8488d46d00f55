/**
 * panva's `oidc-provider` (a certified OpenID provider) on 127.0.0.1 and an ephemeral port, over http
 * or https (a self-signed certificate for 127.0.0.1, for NODE_EXTRA_CA_CERTS), as oauth4webapi's own
 * suite runs it. Two users (alice, bob), a public native client (auth code + PKCE, refresh with
 * rotation, device code), confidential clients (client_secret_post, client_secret_basic,
 * private_key_jwt with a bare key named by kid), JWT access tokens for one API (`https://api.example`,
 * scopes `api:read api:write`). Sign-in pages: an automatic one (the user named by `login_hint`, else
 * `nextUser`), or a real HTML form for the browser test. Consent is granted for what was asked.
 * Also a cookie-keeping driver that walks an authorize URL (or a device user code) to its end.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, calculateJwkThumbprint, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { createSelfSignedCertificate } from '../../src/emulator/x509.js';

export const API = 'https://api.example';
export const USERS = {
  alice: { sub: 'alice', email: 'alice@example.org', name: 'Alice Liddell' },
  bob: { sub: 'bob', email: 'bob@example.org', name: 'Bob Builder' },
} as const;
export type UserName = keyof typeof USERS;

export const CLIENTS = {
  public: 'cli-app',
  post: 'daemon-post',
  basic: 'daemon-basic',
  jwt: 'daemon-jwt',
} as const;
export const SECRET = 'a-long-client-secret-for-the-tests-0123456789';

export interface OidcProviderOptions {
  tls?: boolean;
  /** Seconds an access token lives (default 3600). */
  accessTokenTtl?: number;
  /** Show a real sign-in form instead of signing `nextUser` in automatically. */
  form?: boolean;
}

export interface RunningProvider {
  issuer: string;
  /** PEM of the self-signed certificate (tls only). */
  caPem: string | undefined;
  /** The private key of the `private_key_jwt` client, and its kid (RFC 7638 thumbprint). */
  clientKey: { key: KeyObject; kid: string; pem: string };
  /** Who signs in when the authorize request has no login_hint. */
  nextUser: UserName;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: OidcProviderOptions = {}): Promise<RunningProvider> {
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingJwk = { ...(await exportJWK(signing.privateKey)), kid: 'op-key-1', alg: 'RS256', use: 'sig' };
  const client = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientPublic: JWK = await exportJWK(client.publicKey);
  const kid = await calculateJwkThumbprint(clientPublic);

  let server: Server;
  let caPem: string | undefined;
  if (opts.tls) {
    // a certificate made by the parent process (so NODE_EXTRA_CA_CERTS names it from the start), else a new one
    const files = tlsFilesFromEnv();
    const tls = files ?? makeTlsCertificate();
    caPem = tls.cert;
    server = createHttpsServer({ key: tls.key, cert: tls.cert });
  } else {
    server = createHttpServer();
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const issuer = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const running: RunningProvider = {
    issuer,
    caPem,
    clientKey: {
      key: client.privateKey,
      kid,
      pem: client.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    },
    nextUser: 'alice',
    close: async () => {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const provider = new Provider(issuer, {
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['a-cookie-signing-key-for-tests'] },
    clients: [
      {
        client_id: CLIENTS.public,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://localhost', 'http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
      {
        client_id: CLIENTS.post,
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
      {
        client_id: CLIENTS.basic,
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
      {
        client_id: CLIENTS.jwt,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...clientPublic, kid, use: 'sig' }] },
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    scopes: ['openid', 'offline_access', 'api:read', 'api:write'],
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    findAccount: (_ctx: unknown, id: string) => {
      const user = USERS[id as UserName];
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ ...user }) };
    },
    conformIdTokenClaims: false, // the id token carries the profile claims (so the CLI can say who signed in)
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== API) throw new Error(`unknown resource ${resource}`);
          return {
            scope: 'api:read api:write',
            audience: API,
            accessTokenFormat: 'jwt',
            accessTokenTTL: opts.accessTokenTtl ?? 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 3600,
      IdToken: 3600,
      RefreshToken: 86_400,
      DeviceCode: 600,
      Session: 3600,
      Interaction: 600,
      Grant: 86_400,
    },
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider server_error', err));
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, post: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const prompt = details.prompt as { name: string; details: Record<string, unknown> };
    if (prompt.name === 'login') {
      let user: string | undefined;
      if (opts.form && !post) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}"><label>User <input name="login" id="login"></label><button id="sign-in" type="submit">Sign in</button></form>`,
        );
        return;
      }
      if (post) {
        const body = await new Promise<string>((r) => {
          let b = '';
          req.on('data', (d) => (b += d));
          req.on('end', () => r(b));
        });
        user = new URLSearchParams(body).get('login') ?? undefined;
      }
      const hinted = (details.params as Record<string, unknown>).login_hint;
      const accountId = user ?? (typeof hinted === 'string' ? hinted : running.nextUser);
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    // consent: grant what was asked
    const session = details.session as { accountId: string };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: details.params.client_id as string });
    const d = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (d.missingOIDCScope) grant!.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant!.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {}))
      grant!.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant!.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (m) {
      interaction(req, res, m[1]!, req.method === 'POST').catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
      return;
    }
    callback(req, res);
  });
  return running;
}

/** A self-signed certificate for 127.0.0.1 and localhost, with its key, both PEM. */
export function makeTlsCertificate(): { key: string; cert: string } {
  const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = createSelfSignedCertificate({
    subject: 'oidc-provider test',
    keyPair,
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
  });
  return { key: keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: cert.pem };
}

function tlsFilesFromEnv(): { key: string; cert: string } | undefined {
  const key = process.env.OIDC_PROVIDER_TLS_KEY_FILE;
  const cert = process.env.OIDC_PROVIDER_TLS_CERT_FILE;
  return key && cert ? { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') } : undefined;
}

/** The end of a browser-less sign-in: the redirect URL (query or fragment), or a form_post's action and fields. */
export type Arrival = { url: string } | { form_post: { action: string; fields: Record<string, string> } };

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1];
    if (name !== undefined && value !== undefined)
      out[name] = value
        .replace(/&#x2F;/g, '/')
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'");
  }
  return out;
}

/** A cookie-keeping user agent for the provider's pages (no browser): follows redirects and auto-submitting forms. */
export class Agent {
  private cookies = new Map<string, string>();
  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await this.fetchImpl(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  /** Walk an authorize URL until the provider sends the browser to `redirectPrefix`. */
  async authorize(url: string, redirectPrefix: string): Promise<Arrival> {
    let next = url;
    for (let i = 0; i < 12; i++) {
      const res = await this.request(next);
      if (res.status >= 300 && res.status < 400) {
        const loc = new URL(res.headers.get('location')!, next).toString();
        if (loc.startsWith(redirectPrefix)) return { url: loc };
        next = loc;
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
      if (res.status === 200 && action?.startsWith(redirectPrefix))
        return { form_post: { action, fields: hiddenFields(html) } };
      throw new Error(`authorize walk stopped at ${next}: HTTP ${res.status} ${html.slice(0, 300)}`);
    }
    throw new Error('authorize walk: too many redirects');
  }

  /** Enter a device flow user code at the provider's page, confirm it, and sign `user` in. */
  async approveDevice(issuer: string, userCode: string, user: UserName, provider: RunningProvider): Promise<void> {
    const before = provider.nextUser;
    provider.nextUser = user;
    try {
      let res = await this.request(`${issuer}/device`);
      let html = await res.text();
      res = await this.request(`${issuer}/device`, {
        method: 'POST',
        form: { ...hiddenFields(html), user_code: userCode },
      });
      html = await res.text();
      res = await this.request(`${issuer}/device`, { method: 'POST', form: { ...hiddenFields(html), confirm: 'yes' } });
      let next = res.headers.get('location');
      for (let i = 0; next && i < 10; i++) {
        const url = new URL(next, issuer).toString();
        res = await this.request(url);
        next = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      }
      const done = await res.text();
      if (!/success|signed in|Sign-in Success/i.test(done))
        throw new Error(`device approval did not finish: ${done.slice(0, 300)}`);
    } finally {
      provider.nextUser = before;
    }
  }
}
