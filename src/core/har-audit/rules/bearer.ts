/**
 * Rules on bearer tokens sent to APIs (docs/protocol.md §6, §9, §10): the audience must be the API
 * called, ID tokens are not access tokens, and scopes asked for should be scopes used.
 */
import { audienceName, isDatabricksAudience, tokenKind } from '../../claims.js';
import type { ApiMsg, AuthorizeMsg, TokenMsg } from '../model.js';
import { parseUrl } from '../model.js';
import { LEARN, RFC9700, type Rule, type RuleHit } from '../rule.js';

const apiCalls = (msgs: readonly { kind: string }[]): ApiMsg[] => msgs.filter((m): m is ApiMsg => m.kind === 'api');

const auds = (claims: Record<string, unknown>): string[] =>
  (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');

const isGraph = (aud: string): boolean => (audienceName(aud) ?? '').startsWith('Microsoft Graph');

/** Why this audience does not belong on this call, or undefined when it does (or cannot be told). */
export function audienceMismatch(api: ApiMsg['api'], url: string, list: string[]): string | undefined {
  if (!list.length) return 'the token has no aud claim';
  if (api === 'graph') return list.some(isGraph) ? undefined : 'a Microsoft Graph API expects aud Microsoft Graph';
  if (api === 'databricks')
    return isDatabricksAudience(list)
      ? undefined
      : 'an Azure Databricks API expects aud 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
  const host = parseUrl(url)?.hostname.toLowerCase();
  if (list.some(isGraph)) return 'a Microsoft Graph token sent to a host that is not Graph';
  if (isDatabricksAudience(list)) return 'an Azure Databricks token sent to a host that is not a Databricks workspace';
  const urlAuds = list.map((a) => parseUrl(a)).filter((u): u is URL => !!u && /^https?:$/.test(u.protocol));
  if (urlAuds.length && host && !audienceName(list[0]) && !urlAuds.some((u) => u.hostname.toLowerCase() === host))
    return `the token is for ${urlAuds.map((u) => u.host).join(', ')}`;
  return undefined;
}

export const wrongAudience: Rule = {
  id: 'bearer-wrong-audience',
  severity: 'high',
  title: 'Bearer token sent to a host that is not its audience',
  why: 'A token is meant for one API (its aud claim). Sending it elsewhere hands that host a credential it can replay against the real API, and the call fails anyway where audiences are checked.',
  fix: 'Request a token for each API you call (scope <api>/.default or its delegated scopes) and send each only to that API; a backend that needs to call Graph on the user\u2019s behalf should use the on-behalf-of flow with its own token.',
  sources: [
    RFC9700('2.3', 'Access Token Privilege Restriction'),
    RFC9700('4.10', 'Misuse of Stolen Access Tokens'),
    LEARN('access-tokens', 'Access tokens in the Microsoft identity platform'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const m of apiCalls(ctx.model.messages)) {
      if (!m.token || tokenKind(m.token.claims) === 'id') continue;
      const why = audienceMismatch(m.api, m.item.url, auds(m.token.claims));
      if (why)
        hits.push({
          entries: [m.item.n],
          clientId: m.clientId,
          message: `${m.item.method} ${ctx.show(m.item.url.split('?')[0]!)} with a token for aud ${auds(m.token.claims).join(',') || '(none)'}: ${why}`,
        });
    }
    return hits;
  },
};

export const idTokenAsAccessToken: Rule = {
  id: 'id-token-as-access-token',
  severity: 'high',
  title: 'ID token used as an access token',
  why: 'An ID token tells the client who signed in; it is not an authorization to call an API. APIs that accept it skip scope and audience checks meant for them.',
  fix: 'Request an access token for the API (its scopes or /.default) and send that; the API should validate aud, iss and scp/roles and reject ID tokens.',
  sources: [
    LEARN('id-tokens', 'ID tokens in the Microsoft identity platform'),
    {
      title: 'OpenID Connect Core 1.0 §2 ID Token',
      url: 'https://openid.net/specs/openid-connect-core-1_0.html#IDToken',
    },
  ],
  check: (ctx) =>
    apiCalls(ctx.model.messages)
      .filter((m) => m.token && tokenKind(m.token.claims) === 'id')
      .map((m) => ({
        entries: [m.item.n],
        clientId: m.clientId,
        message: `${m.item.method} ${ctx.show(m.item.url.split('?')[0]!)} carries an ID token (aud ${auds(m.token!.claims).join(',')}, no scp or roles) as its bearer token`,
      })),
};

/** `resource` of a resource-qualified scope: `https://graph.microsoft.com/.default` → `https://graph.microsoft.com`. */
export function scopeResource(scope: string): string | undefined {
  const i = scope.lastIndexOf('/');
  if (i <= 0) return undefined;
  const r = scope.slice(0, i);
  return /^[0-9a-f-]{36}$/i.test(r) || /^(https?|api):\/\//i.test(r) ? r : undefined;
}

const sameResource = (r: string, aud: string): boolean => {
  const norm = (s: string) => s.replace(/\/+$/, '').toLowerCase();
  if (norm(r) === norm(aud)) return true;
  const a = audienceName(r);
  return a !== undefined && a === audienceName(aud);
};

export const defaultScopeUnused: Rule = {
  id: 'unused-scope',
  severity: 'low',
  title: 'Permissions requested for an API the app never calls',
  why: 'Every scope granted is something a stolen token can do. A /.default (all consented permissions) of an API the app does not use in the capture widens what a leaked token allows.',
  fix: 'Ask only for the scopes of the APIs you call, at the time you call them (incremental consent); prefer specific delegated scopes to /.default in interactive apps.',
  sources: [
    RFC9700('2.3', 'Access Token Privilege Restriction'),
    LEARN('scopes-oidc', 'Scopes and permissions in the Microsoft identity platform'),
  ],
  check(ctx) {
    const hits: RuleHit[] = [];
    const clients = new Set(ctx.model.messages.map((m) => m.clientId).filter((c): c is string => !!c));
    for (const clientId of clients) {
      const calls = apiCalls(ctx.model.messages).filter((m) => m.clientId === clientId && m.token);
      if (!calls.length) continue; // no API traffic in the capture: nothing to compare with
      const used = calls.flatMap((m) => auds(m.token!.claims));
      const asked = ctx.model.messages.filter(
        (m): m is AuthorizeMsg | TokenMsg => (m.kind === 'authorize' || m.kind === 'token') && m.clientId === clientId,
      );
      const reported = new Set<string>();
      for (const m of asked) {
        const scope = m.kind === 'authorize' ? m.params.get('scope') : m.form.get('scope');
        for (const s of (scope ?? '').split(/\s+/).filter(Boolean)) {
          const r = scopeResource(s);
          if (!r || !s.endsWith('/.default') || reported.has(r) || used.some((a) => sameResource(r, a))) continue;
          reported.add(r);
          hits.push({
            entries: [m.item.n],
            clientId,
            message: `scope ${s} (${audienceName(r) ?? r}) is requested, but the capture has no call to that API (calls go to ${[...new Set(used.map((a) => audienceName(a) ?? a))].join(', ')})`,
          });
        }
      }
    }
    return hits;
  },
};

export const BEARER_RULES: Rule[] = [wrongAudience, idTokenAsAccessToken, defaultScopeUnused];
