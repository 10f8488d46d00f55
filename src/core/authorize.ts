/**
 * The authorize request of the documented flow (docs/protocol.md §1.1), built as a URL value.
 * Parameters appear in the documentation's order; values are percent-encoded the way the
 * documentation writes them (`%2F`, `%20`), so `--no-pkce` reproduces its URL byte for byte.
 */
import type { Authority } from './authority.js';
import { s256Challenge } from './pkce.js';
import { usageError } from './errors.js';
import { libraryParams, type PlatformInfo } from './platform.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post';
export const PROMPTS = ['login', 'none', 'consent', 'select_account', 'create'] as const;
export type Prompt = (typeof PROMPTS)[number];

export interface AuthorizeParams {
  authority: Authority;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state: string;
  /** Omit to send no PKCE (the documentation's request); S256 is derived from it otherwise. */
  code_verifier?: string | undefined;
  nonce?: string | undefined;
  response_mode?: ResponseMode | undefined;
  prompt?: Prompt | undefined;
  login_hint?: string | undefined;
  domain_hint?: string | undefined;
  /**
   * The platform, for `client_info=1` and the library parameters MSAL Node adds to its authorize URL
   * (docs/protocol.md §2.9). Omit for the documentation's request byte for byte.
   */
  platform?: PlatformInfo | undefined;
  /** With `platform`: the `client-request-id` Entra records as the sign-in's correlation id, as MSAL Node sends it. */
  client_request_id?: string | undefined;
  /** Extra parameters (e.g. `claims`), appended last. */
  extra?: Array<[string, string]> | undefined;
}

/** Percent-encode like `encodeURIComponent` (spaces as %20, `/` as %2F). */
function enc(v: string): string {
  return encodeURIComponent(v);
}

/** The ordered query parameters of an authorize request. */
export function authorizeQuery(p: AuthorizeParams): Array<[string, string]> {
  if (!p.client_id)
    throw usageError('no client id: give --client-id (the Application (client) ID)', 'or set AZURE_CLIENT_ID');
  if (p.scopes.length === 0) throw usageError('at least one --scope is needed');
  if (!p.state) throw usageError('state must not be empty');
  if (p.login_hint && p.prompt === 'select_account') {
    throw usageError('--login-hint cannot be combined with --prompt select_account (Entra rejects the pair)');
  }
  const q: Array<[string, string]> = [
    ['client_id', p.client_id],
    ['response_type', 'code'],
    ['redirect_uri', p.redirect_uri],
    ['response_mode', p.response_mode ?? 'query'],
    ['scope', p.scopes.join(' ')],
    ['state', p.state],
  ];
  if (p.code_verifier !== undefined) {
    q.push(['code_challenge', s256Challenge(p.code_verifier)], ['code_challenge_method', 'S256']);
  }
  if (p.nonce) q.push(['nonce', p.nonce]);
  if (p.prompt) q.push(['prompt', p.prompt]);
  if (p.login_hint) q.push(['login_hint', p.login_hint]);
  if (p.domain_hint) q.push(['domain_hint', p.domain_hint]);
  if (p.platform) {
    if (p.client_request_id) q.push(['client-request-id', p.client_request_id]);
    q.push(['client_info', '1'], ...libraryParams(p.platform));
  }
  for (const kv of p.extra ?? []) q.push(kv);
  return q;
}

/** Build the authorize URL: `{authority}/oauth2/v2.0/authorize?client_id=…&response_type=code&…`. */
export function buildAuthorizeUrl(p: AuthorizeParams): string {
  const query = authorizeQuery(p)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
  return `${p.authority.authorizeEndpoint}?${query}`;
}

/** Whether the scopes ask for an id token (and so need a nonce). */
export function requestsIdToken(scopes: string[]): boolean {
  return scopes.includes('openid');
}
