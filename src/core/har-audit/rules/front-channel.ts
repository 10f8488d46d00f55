/**
 * Rules on the authorize request and the authorization response (docs/protocol.md §1): grant type,
 * PKCE, state, nonce, redirect URI, prompt=none loops, the v1 endpoint.
 */
import { isLoopbackHost } from '../../url-safety.js';
import type { AuthorizeMsg, AuthResponseMsg, CallbackMsg, Message, Model } from '../model.js';
import { parseUrl } from '../model.js';
import { LEARN, RFC, RFC9700, type Rule, type RuleHit } from '../rule.js';

const authorizes = (m: Model): AuthorizeMsg[] => m.messages.filter((x): x is AuthorizeMsg => x.kind === 'authorize');
const types = (a: AuthorizeMsg): Set<string> => new Set(a.responseType.split(/\s+/).filter(Boolean));

/** Whether the client redeemed its codes itself as a public client (no secret, no assertion) — PKCE is then a must. */
function isPublicClient(m: Model, clientId: string | undefined): boolean | undefined {
  const redeems = m.messages.filter(
    (x) => x.kind === 'token' && x.clientId === clientId && x.grant === 'authorization_code',
  );
  if (redeems.length === 0) return undefined;
  return redeems.some((x) => x.kind === 'token' && (x.clientAuth === 'none' || x.fromBrowser));
}

/** Estimated entropy of a random-looking value: length × log2(size of the smallest alphabet that holds it). */
export function estimatedBits(v: string): number {
  if (!v) return 0;
  if (/^(.)\1*$/.test(v)) return 0;
  const alphabet = /^\d+$/.test(v)
    ? 10
    : /^[0-9a-f]+$/i.test(v)
      ? 16
      : /^[a-z]+$/i.test(v)
        ? 52
        : /^[0-9a-z]+$/i.test(v)
          ? 62
          : /^[0-9a-z_-]+$/i.test(v)
            ? 64
            : 94;
  return Math.floor(v.length * Math.log2(alphabet));
}

export const implicitGrant: Rule = {
  id: 'implicit-grant',
  severity: 'high',
  title: 'Implicit grant: tokens issued in the authorization response',
  why: 'Access tokens returned in the front channel end up in the browser history, in Referer headers and in any script on the page, and cannot be bound to the client that asked for them; they can also be injected.',
  fix: 'Use the authorization code flow with PKCE (response_type=code, code_challenge_method=S256); for a SPA register the redirect URI as platform "Single-page application" (MSAL.js 2+) and turn off "Access tokens" under Implicit grant in the app registration.',
  sources: [
    RFC9700('2.1.2', 'Implicit Grant'),
    LEARN('v2-oauth2-implicit-grant-flow', 'Microsoft identity platform and implicit grant flow'),
  ],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => types(a).has('token'))
      .map((a) => ({
        entries: [a.item.n],
        clientId: a.clientId,
        message: `response_type=${a.responseType} asks for an access token in the authorization response (${a.params.get('response_mode') ?? 'fragment'})`,
      })),
};

export const tokenInUrl: Rule = {
  id: 'token-in-url',
  severity: 'high',
  title: 'Access or refresh token in a URL',
  why: 'A token in a URL (query or fragment) is kept in browser history, may be logged by servers and proxies, and leaks through the Referer header and to any script on the page.',
  fix: 'Never put tokens in URLs: use the authorization code flow so tokens come back in the token response body, and send access tokens in the Authorization header (RFC 6750 §2.1).',
  sources: [
    RFC9700('4.3.2', 'Access Token in Browser History'),
    RFC(6750, '5.3', 'Summary of Recommendations (do not pass bearer tokens in page URLs)'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const m of ctx.model.messages) {
      if (m.kind === 'auth-response' && m.mode !== 'form_post') {
        const found = ['access_token', 'refresh_token'].filter((k) => m.params.has(k));
        if (found.length)
          hits.push({
            entries: [m.item.n],
            clientId: m.clientId,
            message: `${found.join(' and ')} in the ${m.mode} of the redirect to ${m.target}`,
          });
      }
    }
    for (const e of ctx.entries) {
      const u = parseUrl(e.url);
      if (!u) continue;
      const found = ['access_token', 'refresh_token'].filter((k) => u.searchParams.has(k));
      if (found.length)
        hits.push({
          entries: [e.n],
          message: `${found.join(' and ')} in the query of ${e.method} ${ctx.show(e.url)}`,
        });
    }
    return hits;
  },
};

export const pkceMissing: Rule = {
  id: 'pkce-missing',
  severity: 'high',
  title: 'Authorization code without PKCE',
  why: 'Without PKCE a stolen or injected authorization code can be redeemed by someone else; for a public client (SPA, desktop, CLI) nothing else binds the code to the app that asked for it.',
  fix: 'Send code_challenge=BASE64URL(SHA256(code_verifier)) with code_challenge_method=S256 on every authorize request and code_verifier on the token request (MSAL does this by default; so does entra-token). Confidential clients should use it too.',
  sources: [
    RFC9700('2.1.1', 'Authorization Code Grant'),
    RFC9700('4.5', 'Authorization Code Injection'),
    LEARN('v2-oauth2-auth-code-flow', 'OAuth 2.0 authorization code flow'),
  ],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => types(a).has('code') && !a.params.has('code_challenge'))
      .map((a) => {
        const pub = isPublicClient(ctx.model, a.clientId);
        return {
          entries: [a.item.n],
          clientId: a.clientId,
          severity: pub === false || pub === undefined ? ('medium' as const) : ('high' as const),
          message:
            pub === true
              ? 'response_type=code without code_challenge, and the code is redeemed by a public client: anyone holding the code can redeem it'
              : pub === false
                ? 'response_type=code without code_challenge (the client authenticates at the token endpoint, but the code is not bound to this authorization request)'
                : 'response_type=code without code_challenge; the code is redeemed outside this capture (a server), so it is not bound to this authorization request',
        };
      }),
};

export const pkcePlain: Rule = {
  id: 'pkce-plain',
  severity: 'medium',
  title: 'PKCE with the plain method',
  why: 'With code_challenge_method=plain (or no method, which means plain) the challenge is the verifier itself: whoever reads the authorize URL can redeem the code.',
  fix: 'Use code_challenge_method=S256.',
  sources: [RFC9700('2.1.1', 'Authorization Code Grant'), RFC(7636, '4.2', 'Client Creates the Code Challenge')],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => a.params.has('code_challenge') && (a.params.get('code_challenge_method') ?? 'plain') !== 'S256')
      .map((a) => ({
        entries: [a.item.n],
        clientId: a.clientId,
        message: a.params.has('code_challenge_method')
          ? `code_challenge_method=${a.params.get('code_challenge_method')}`
          : 'code_challenge without code_challenge_method: the server treats it as plain',
      })),
};

export const stateMissing: Rule = {
  id: 'state-missing',
  severity: 'medium',
  title: 'No state parameter',
  why: 'state binds the authorization response to the browser session that started it; without it (and without PKCE or a nonce) an attacker can make the victim finish the attacker\u2019s sign-in (login CSRF).',
  fix: 'Send an unguessable state (at least 128 bits from a CSPRNG) tied to the user session, and reject responses whose state differs.',
  sources: [RFC9700('4.7', 'Cross-Site Request Forgery'), RFC(6749, '10.12', 'Cross-Site Request Forgery')],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => !a.params.has('state'))
      .map((a) => {
        const pkce = a.params.get('code_challenge_method') === 'S256';
        return {
          entries: [a.item.n],
          clientId: a.clientId,
          severity: pkce ? ('low' as const) : undefined,
          message: pkce
            ? 'no state; PKCE (S256) still protects the code flow against CSRF, but nothing ties the response to the session that started it'
            : `no state${a.params.has('nonce') ? ' (a nonce is sent, which only protects the ID token)' : ''} and no PKCE: nothing ties the response to the session that started it`,
        };
      }),
};

export const stateWeak: Rule = {
  id: 'state-weak',
  severity: 'medium',
  title: 'Guessable state',
  why: 'A short or low-entropy state can be guessed, so it no longer protects against CSRF.',
  fix: 'Generate state from a CSPRNG with at least 128 bits (for example 32 random bytes, base64url).',
  sources: [RFC9700('4.7.1', 'Countermeasures'), RFC(6749, '10.10', 'Credentials-Guessing Attacks')],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => a.params.has('state') && estimatedBits(a.params.get('state')!) < 64)
      .map((a) => {
        const s = a.params.get('state')!;
        return {
          entries: [a.item.n],
          clientId: a.clientId,
          message: `state is ${s.length} characters (about ${estimatedBits(s)} bits): ${JSON.stringify(s.length > 24 ? `${s.slice(0, 24)}…` : s)}`,
        };
      }),
};

export const stateReused: Rule = {
  id: 'state-reused',
  severity: 'medium',
  title: 'The same state on several authorize requests',
  why: 'A state that does not change between sign-ins is a constant, not a CSRF token: an attacker who saw it once can forge responses.',
  fix: 'Generate a fresh state for every authorize request and accept it once.',
  sources: [RFC9700('4.7.1', 'Countermeasures')],
  check(ctx) {
    const byState = new Map<string, AuthorizeMsg[]>();
    for (const a of authorizes(ctx.model)) {
      const s = a.params.get('state');
      if (!s) continue;
      const key = `${a.clientId}\u0000${s}`;
      byState.set(key, [...(byState.get(key) ?? []), a]);
    }
    return [...byState.values()]
      .filter((l) => l.length > 1)
      .map((l) => ({
        entries: l.map((a) => a.item.n),
        clientId: l[0]!.clientId,
        message: `${l.length} authorize requests carry the same state (${l[0]!.params.get('state')!.length} characters)`,
      }));
  },
};

export const nonceMissing: Rule = {
  id: 'nonce-missing',
  severity: 'medium',
  title: 'OpenID sign-in without nonce',
  why: 'The nonce ties the ID token to this sign-in; without it a stolen or replayed ID token is accepted. For ID tokens returned in the front channel it is required.',
  fix: 'Send a fresh random nonce with every authorize request that includes openid, and check the nonce claim of the ID token.',
  sources: [
    {
      title: 'OpenID Connect Core 1.0 §3.1.2.1 Authentication Request (nonce)',
      url: 'https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest',
    },
    RFC9700('4.5', 'Authorization Code Injection'),
    LEARN('v2-protocols-oidc', 'OpenID Connect on the Microsoft identity platform'),
  ],
  check: (ctx) =>
    authorizes(ctx.model)
      .filter((a) => {
        const scopes = (a.params.get('scope') ?? '').split(/\s+/);
        return (scopes.includes('openid') || types(a).has('id_token')) && !a.params.has('nonce');
      })
      .map((a) => ({
        entries: [a.item.n],
        clientId: a.clientId,
        severity: types(a).has('id_token') ? ('high' as const) : undefined,
        message: types(a).has('id_token')
          ? `response_type=${a.responseType} returns an ID token in the front channel, without a nonce`
          : 'scope includes openid, but no nonce is sent',
      })),
};

export const redirectHttp: Rule = {
  id: 'redirect-http',
  severity: 'high',
  title: 'Redirect URI over plain http off loopback',
  why: 'The authorization response (code or tokens) crosses the network unencrypted and can be read or changed on the way.',
  fix: 'Register and use an https redirect URI; plain http is only for native apps listening on http://localhost or 127.0.0.1.',
  sources: [
    RFC9700('2.6', 'Other Recommendations'),
    RFC(8252, '7.3', 'Loopback Interface Redirection'),
    LEARN('reply-url', 'Redirect URI (reply URL) best practices and limitations'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const a of authorizes(ctx.model)) {
      const u = a.redirectUri ? parseUrl(a.redirectUri) : undefined;
      if (!u || u.protocol !== 'http:' || isLoopbackHost(u.hostname)) continue;
      const key = `${a.clientId} ${a.redirectUri}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ entries: [a.item.n], clientId: a.clientId, message: `redirect_uri ${a.redirectUri} is plain http` });
    }
    return hits;
  },
};

/** Redirect URIs that only loose matching would accept, or that bounce elsewhere. */
export function redirectTrick(raw: string): string | undefined {
  if (raw.includes('*')) return 'contains a wildcard (*)';
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw);
  if (m && m[1]!.includes('@')) return 'carries userinfo (user@host): the real host is after the @';
  const path = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0]!;
  if (/(^|\/)\.\.?(\/|$)|%2e%2e|%2e\.|\.%2e/i.test(path)) return 'has a dot-segment (/../) in its path';
  if (/%2f|%5c|\\/i.test(path)) return 'has an encoded slash or a backslash in its path';
  if (/\/\/./.test(path)) return 'has an empty path segment (//)';
  const q = raw.split('#')[0]!.split('?')[1];
  if (q && /=(https?(:|%3a)|%2f%2f|\/\/)/i.test(q)) return 'passes another URL in its query (an open redirector)';
  return undefined;
}

export const redirectWildcard: Rule = {
  id: 'redirect-uri-trick',
  severity: 'high',
  title: 'Redirect URI with a wildcard or a path trick',
  why: 'Loose redirect URI matching (wildcards, dot-segments, userinfo, open redirectors on the redirect target) lets an attacker have codes and tokens delivered to a page they control.',
  fix: 'Register exact redirect URIs and send one of them byte for byte; remove open redirectors from redirect targets.',
  sources: [
    RFC9700('2.1', 'Protection of Redirect-Based Flows'),
    RFC9700('4.1', 'Insufficient Redirect URI Validation'),
    RFC9700('4.11', 'Open Redirection'),
    LEARN('reply-url', 'Redirect URI (reply URL) best practices and limitations'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const a of authorizes(ctx.model)) {
      const why = a.redirectUri ? redirectTrick(a.redirectUri) : undefined;
      if (why)
        hits.push({
          entries: [a.item.n],
          clientId: a.clientId,
          message: `redirect_uri ${ctx.show(a.redirectUri!)} ${why}`,
        });
    }
    return hits;
  },
};

export const promptNoneLoop: Rule = {
  id: 'prompt-none-loop',
  severity: 'medium',
  title: 'Repeated silent sign-in (prompt=none) loop',
  why: 'An app that keeps retrying prompt=none (often a hidden iframe whose third-party cookies are blocked) never gets a token, hammers the sign-in service and is throttled (AADSTS50196, loop detected).',
  fix: 'After login_required / interaction_required / consent_required from prompt=none, fall back to an interactive sign-in once; prefer refresh tokens (MSAL acquireTokenSilent) over iframe renewal.',
  sources: [
    {
      title: 'OpenID Connect Core 1.0 §3.1.2.6 Authentication Error Response',
      url: 'https://openid.net/specs/openid-connect-core-1_0.html#AuthError',
    },
    LEARN('reference-error-codes', 'Microsoft Entra authentication and authorization error codes (AADSTS50196)'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    const byClient = new Map<string | undefined, AuthorizeMsg[]>();
    for (const a of authorizes(ctx.model).filter((x) => x.params.get('prompt') === 'none'))
      byClient.set(a.clientId, [...(byClient.get(a.clientId) ?? []), a]);
    for (const [clientId, list] of byClient) {
      const failed = ctx.model.messages.filter(
        (m): m is AuthResponseMsg | CallbackMsg =>
          (m.kind === 'auth-response' || m.kind === 'callback') &&
          m.clientId === clientId &&
          m.authorize?.params.get('prompt') === 'none' &&
          /^(login|interaction|consent)_required$/.test(m.params.get('error') ?? ''),
      );
      const loop = ctx.model.messages.some(
        (m) => (m.kind === 'auth-response' || m.kind === 'callback') && /AADSTS50196/.test(errorText(m)),
      );
      if (list.length >= 3 || (list.length >= 2 && failed.length >= 2) || loop)
        hits.push({
          entries: list.map((a) => a.item.n),
          clientId,
          message: `${list.length} authorize requests with prompt=none${failed.length ? `, ${failed.length} answered ${[...new Set(failed.map((f) => f.params.get('error')))].join('/')}` : ''}${loop ? '; Entra answered AADSTS50196 (loop detected)' : ''}`,
        });
    }
    return hits;
  },
};

function errorText(m: Message): string {
  return m.kind === 'auth-response' || m.kind === 'callback' ? (m.params.get('error_description') ?? '') : '';
}

export const v1Endpoint: Rule = {
  id: 'v1-endpoint',
  severity: 'low',
  title: 'v1 endpoint or resource= parameter',
  why: 'The v1 endpoints (ADAL era) take resource= instead of scopes, cannot ask for incremental consent, and are no longer where new features land.',
  fix: 'Use the v2.0 endpoints (/oauth2/v2.0/authorize and /token) with scopes, e.g. 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default for Azure Databricks; migrate from ADAL to MSAL.',
  sources: [
    LEARN('msal-migration', 'Migrate applications to the Microsoft Authentication Library (MSAL)'),
    LEARN('scopes-oidc', 'Scopes and permissions in the Microsoft identity platform'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const m of ctx.model.messages) {
      if (m.kind === 'authorize' && (m.v1 || m.params.has('resource')))
        hits.push({
          entries: [m.item.n],
          clientId: m.clientId,
          message: m.v1
            ? 'authorize request to the v1 endpoint (/oauth2/authorize)'
            : 'authorize request with resource=',
        });
      if (m.kind === 'token' && (m.v1 || m.form.has('resource')))
        hits.push({
          entries: [m.item.n],
          clientId: m.clientId,
          message: m.v1 ? 'token request to the v1 endpoint (/oauth2/token)' : 'token request with resource=',
        });
    }
    return hits;
  },
};

export const FRONT_CHANNEL_RULES: Rule[] = [
  implicitGrant,
  tokenInUrl,
  pkceMissing,
  pkcePlain,
  stateMissing,
  stateWeak,
  stateReused,
  nonceMissing,
  redirectHttp,
  redirectWildcard,
  promptNoneLoop,
  v1Endpoint,
];
