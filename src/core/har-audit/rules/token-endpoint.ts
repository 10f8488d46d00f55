/**
 * Rules on the token endpoint (docs/protocol.md §2): ROPC, client credentials in a browser, refresh
 * tokens handed to a browser app.
 */
import type { TokenMsg } from '../model.js';
import { LEARN, RFC, RFC9700, type Rule, type RuleHit } from '../rule.js';

const tokenCalls = (msgs: readonly { kind: string }[]): TokenMsg[] =>
  msgs.filter((m): m is TokenMsg => m.kind === 'token');

export const ropc: Rule = {
  id: 'ropc',
  severity: 'high',
  title: 'Resource owner password credentials (ROPC) grant',
  why: 'The app handles the user\u2019s password itself: it can leak it, it cannot do MFA or Conditional Access interactively, and it trains users to type passwords into apps.',
  fix: 'Use the authorization code flow with PKCE for users (or the device code flow where there is no browser); for automation use a service principal with a certificate, or a managed identity.',
  sources: [
    RFC9700('2.4', 'Resource Owner Password Credentials Grant'),
    LEARN('v2-oauth-ropc', 'Microsoft identity platform and OAuth 2.0 Resource Owner Password Credentials'),
  ],
  check: (ctx) =>
    tokenCalls(ctx.model.messages)
      .filter((t) => t.grant === 'password')
      .map((t) => ({
        entries: [t.item.n],
        clientId: t.clientId,
        message: `grant_type=password sends the user\u2019s password to the token endpoint${t.fromBrowser ? ' from the browser' : ''}`,
      })),
};

export const secretInBrowser: Rule = {
  id: 'client-secret-in-browser',
  severity: 'critical',
  title: 'Client secret or assertion sent from the browser',
  why: 'Anything a browser app sends is readable by its users and by any script on the page: a client secret or signing key shipped to the browser is public, and whoever copies it can act as the app.',
  fix: 'A browser app is a public client: remove the secret (rotate it now, it is burned), register the redirect URI as "Single-page application" and use the code flow with PKCE; keep secrets and certificates on a server.',
  sources: [
    RFC(6749, '2.1', 'Client Types'),
    RFC9700('2.5', 'Client Authentication'),
    LEARN('msal-client-applications', 'Public client and confidential client applications'),
  ],
  check(ctx) {
    const hits: RuleHit[] = tokenCalls(ctx.model.messages)
      .filter((t) => t.fromBrowser && t.clientAuth !== 'none')
      .map((t) => ({
        entries: [t.item.n],
        clientId: t.clientId,
        message: `a browser page (${t.item.requestHeaders.find(([k]) => k === 'origin')?.[1] ?? 'fetch metadata headers'}) sent ${t.clientAuth === 'private_key_jwt' ? 'a client_assertion' : t.clientAuth === 'client_secret_basic' ? 'client credentials in HTTP Basic' : 'client_secret'} with grant_type=${t.grant}`,
      }));
    for (const e of ctx.entries) {
      if (/[?&#](client_secret|client_assertion)=/.test(e.url))
        hits.push({ entries: [e.n], message: `a client secret in the URL of ${e.method} ${ctx.show(e.url)}` });
    }
    return hits;
  },
};

export const refreshInBrowser: Rule = {
  id: 'refresh-token-in-browser',
  severity: 'low',
  title: 'Refresh token handed to a browser app',
  why: 'A refresh token in a browser can be stolen by any script on the page (XSS) and used to mint new access tokens; RFC 9700 requires it to be sender-constrained or rotated. Entra limits SPA refresh tokens to 24 hours and rotates them.',
  fix: 'Keep browser refresh tokens in memory or MSAL\u2019s cache only, never in localStorage; use the SPA redirect type (24 h, rotated); or keep tokens on a server (backend-for-frontend).',
  sources: [
    RFC9700('2.2.2', 'Refresh Tokens'),
    RFC9700('4.14', 'Refresh Token Protection'),
    LEARN('refresh-tokens', 'Refresh tokens in the Microsoft identity platform'),
  ],
  check: (ctx) =>
    tokenCalls(ctx.model.messages)
      .filter((t) => t.fromBrowser && typeof t.response?.refresh_token === 'string')
      .map((t) => {
        const life = Number(t.response?.refresh_token_expires_in);
        const known = Number.isFinite(life) && life > 0;
        return {
          entries: [t.item.n],
          clientId: t.clientId,
          severity: known && life > 86_400 ? ('medium' as const) : undefined,
          message: `the token response to a browser page carries a refresh_token${known ? ` valid for ${Math.round(life / 3600)} h (refresh_token_expires_in ${life})` : ' (no refresh_token_expires_in: its lifetime is the default, up to 90 days for non-SPA registrations)'}`,
        };
      }),
};

export const TOKEN_ENDPOINT_RULES: Rule[] = [ropc, secretInBrowser, refreshInBrowser];
