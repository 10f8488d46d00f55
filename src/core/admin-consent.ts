/**
 * Admin-consent URLs (docs/protocol.md §8): the v2 `/{tenant}/v2.0/adminconsent` (scope required) and the legacy
 * `/{tenant}/adminconsent` the Graph daemon quickstart shows (the 65001 hint prints that one too).
 * @see https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
 */
import type { Authority } from './authority.js';
import type { HintContext } from './aadsts.js';
import { usageError } from './errors.js';

/**
 * The admin-consent URL of docs/protocol.md §8.1 for the client, when the context allows it (the AADSTS hints
 * print it; here so that building one does not load the whole AADSTS table).
 */
export function adminConsentUrl(c: HintContext): string | undefined {
  if (!c.authorityUrl || !c.clientId) return undefined;
  const q = new URLSearchParams({ client_id: c.clientId });
  if (c.redirectUri) q.set('redirect_uri', c.redirectUri);
  return `${c.authorityUrl}/adminconsent?${q.toString()}`;
}

export interface AdminConsentParams {
  authority: Authority;
  client_id: string;
  redirect_uri: string;
  state: string;
  /** v2 only: e.g. the Azure Databricks scope (core/clouds `AZURE_DATABRICKS_SCOPE`) or `https://graph.microsoft.com/.default`. */
  scopes?: string[];
}

/** `GET {authority}/v2.0/adminconsent?client_id&scope&redirect_uri&state` (§8.2; never over /common). */
export function adminConsentUrlV2(p: AdminConsentParams): string {
  if (p.authority.tenant.toLowerCase() === 'common' || p.authority.tenant.toLowerCase() === 'consumers') {
    throw usageError(
      `the v2 admin-consent endpoint does not accept /${p.authority.tenant}`,
      'use `tenant` organizations or the tenant id',
    );
  }
  if (!p.scopes || p.scopes.length === 0) throw usageError('the v2 admin-consent URL needs a scope');
  const q = new URLSearchParams([
    ['client_id', p.client_id],
    ['scope', p.scopes.join(' ')],
    ['redirect_uri', p.redirect_uri],
    ['state', p.state],
  ]);
  return `${p.authority.adminConsentV2}?${q.toString()}`;
}

/** `GET {authority}/adminconsent?client_id&redirect_uri&state` (§8.1), the form the 65001 hint prints, plus state. */
export function adminConsentUrlV1(p: Omit<AdminConsentParams, 'scopes'>): string {
  const base = adminConsentUrl({ authorityUrl: p.authority.url, clientId: p.client_id, redirectUri: p.redirect_uri })!;
  return `${base}&${new URLSearchParams([['state', p.state]]).toString()}`;
}
