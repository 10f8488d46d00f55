/**
 * Rules on where credentials travel: codes and tokens in Referer headers or sent to third parties,
 * OAuth traffic over plain http.
 */
import { isLoopbackHost } from '../../url-safety.js';
import { isRedacted, secretForms } from '../../redact.js';
import type { HarItem } from '../har.js';
import { originOf, parseUrl, type Model } from '../model.js';
import { RFC, RFC9700, type Rule, type RuleHit } from '../rule.js';

const CREDENTIAL_PARAMS = ['code', 'access_token', 'id_token', 'refresh_token'];

export const refererLeak: Rule = {
  id: 'referer-leak',
  severity: 'high',
  title: 'Code or token leaked through the Referer header',
  why: 'The page that received the authorization response kept the code or token in its URL and let the browser send that URL as Referer to other servers, which can redeem or replay it.',
  fix: 'Redirect away from the callback URL as soon as it is handled (replace the URL, 302 to a clean page), serve the callback with Referrer-Policy: no-referrer, and use PKCE so a leaked code is useless.',
  sources: [RFC9700('4.2', 'Credential Leakage via Referer Headers')],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.entries) {
      const ref = e.requestHeaders.find(([k]) => k === 'referer')?.[1];
      const u = ref ? parseUrl(ref) : undefined;
      if (!u) continue;
      const found = CREDENTIAL_PARAMS.filter((k) => u.searchParams.has(k));
      if (!found.length) continue;
      const cross = originOf(e.url) !== u.origin;
      // the page that leaked it: the callback of a flow, when the Referer is one
      const page = ctx.model.messages.find((m) => m.kind === 'callback' && m.item.url === ref);
      hits.push({
        entries: [e.n],
        clientId: page?.clientId,
        severity: cross ? undefined : 'low',
        message: `${e.method} ${ctx.show(baseUrl(e.url))} was sent with Referer ${ctx.show(ref!)} (${found.join(', ')})${cross ? `: a different origin (${originOf(e.url) ?? '?'}) now has it` : ', same origin: it lands in the app\u2019s own logs'}`,
      });
    }
    return hits;
  },
};

function baseUrl(u: string): string {
  return u.split('#')[0]!;
}

/** Codes and tokens of the capture, with the entry that issued them. */
function credentials(model: Model): Array<{ value: string; what: string; n: number; at: number }> {
  const out: Array<{ value: string; what: string; n: number; at: number }> = [];
  const add = (value: unknown, what: string, item: HarItem) => {
    if (typeof value === 'string' && value.length >= 16 && !isRedacted(value))
      out.push({ value, what, n: item.n, at: item.at ?? 0 });
  };
  for (const m of model.messages) {
    if (m.kind === 'auth-response' || m.kind === 'callback')
      for (const k of CREDENTIAL_PARAMS) add(m.params.get(k), k, m.item);
    if (m.kind === 'token')
      for (const k of ['access_token', 'id_token', 'refresh_token']) add(m.response?.[k], k, m.item);
  }
  return out;
}

export const thirdPartyLeak: Rule = {
  id: 'credential-to-third-party',
  severity: 'high',
  title: 'Code or token sent to a third party',
  why: 'A host that is neither the authorization server, nor the app, nor the API the token is for received a code or token (in a URL, a body or a header): it can redeem or replay it.',
  fix: 'Send tokens only to the API they are issued for, in the Authorization header; keep analytics, error reporting and CDN requests free of URLs and bodies that carry credentials.',
  sources: [
    RFC9700('4.2', 'Credential Leakage via Referer Headers'),
    RFC9700('4.10', 'Misuse of Stolen Access Tokens'),
  ],
  check(ctx) {
    const creds = credentials(ctx.model);
    if (!creds.length) return [];
    // the authorization server, the apps' own origins, and the APIs that were sent bearer tokens (their
    // audience is checked by bearer-wrong-audience)
    const apis = ctx.model.messages.filter((m) => m.kind === 'api').map((m) => originOf(m.item.url));
    const trusted = new Set([...ctx.model.asOrigins, ...ctx.model.appOrigins, ...apis]);
    const hits: RuleHit[] = [];
    const forms = creds.map((c) => ({ ...c, forms: secretForms(c.value) }));
    for (const e of ctx.entries) {
      const o = originOf(e.url);
      if (!o || trusted.has(o)) continue;
      const text = [
        e.url,
        e.requestBody ?? '',
        ...e.requestHeaders.filter(([k]) => !/^(authorization|referer|cookie)$/.test(k)).map(([, v]) => v),
      ].join('\n');
      const found = forms.filter((c) => c.n !== e.n && c.forms.some((f) => text.includes(f)));
      if (found.length)
        hits.push({
          entries: [...new Set([e.n, ...found.map((c) => c.n)])],
          message: `${e.method} ${ctx.show(baseUrl(e.url))} (${o}) carries the ${[...new Set(found.map((c) => c.what))].join(', ')} issued in entry ${[...new Set(found.map((c) => c.n))].join(', ')}`,
        });
    }
    return hits;
  },
};

export const insecureTransport: Rule = {
  id: 'insecure-transport',
  severity: 'high',
  title: 'OAuth traffic over plain http',
  why: 'Authorization requests, token requests and bearer tokens sent without TLS can be read and changed on the network.',
  fix: 'Use https for the authorization server, the token endpoint and every API that receives a bearer token.',
  sources: [RFC(6749, '3.2', 'Token Endpoint (TLS required)'), RFC(6750, '5.3', 'Summary of Recommendations')],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const m of ctx.model.messages) {
      if (!['authorize', 'token', 'devicecode', 'api'].includes(m.kind)) continue;
      const u = parseUrl(m.item.url);
      if (!u || u.protocol !== 'http:' || isLoopbackHost(u.hostname)) continue;
      hits.push({
        entries: [m.item.n],
        clientId: m.clientId,
        message: `${m.kind === 'api' ? 'a bearer token is sent' : `the ${m.kind} request goes`} over plain http to ${u.host}`,
      });
    }
    return hits;
  },
};

export const LEAK_RULES: Rule[] = [refererLeak, thirdPartyLeak, insecureTransport];
