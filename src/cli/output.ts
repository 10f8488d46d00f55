/** How token results are printed: JSON (machine), the bare access token, or labelled text. */
import type { CliContext } from './context.js';
import { out } from './context.js';
import type { OutputFormat } from './options.js';
import type { TokenResponse } from '../core/token.js';
import type { IdTokenSummary } from '../core/id-token.js';
import { decodeJwtUnverified } from '../core/jwt.js';
import { AZURE_DATABRICKS_APP_ID, MICROSOFT_GRAPH_APP_ID } from '../core/clouds.js';
import { relativePhrase } from '../core/duration.js';

const RESOURCES: Record<string, string> = {
  [AZURE_DATABRICKS_APP_ID]: 'Azure Databricks',
  'https://graph.microsoft.com': 'Microsoft Graph',
  [MICROSOFT_GRAPH_APP_ID]: 'Microsoft Graph',
  'https://management.core.windows.net/': 'Azure service management',
};

/** "in 52 min" / "3 h ago" (core/duration, the one duration format). */
export const relative = relativePhrase;

function accessTokenFacts(token: string): { aud?: string; who?: string; tid?: string; ver?: string } {
  try {
    const { claims } = decodeJwtUnverified(token);
    const s = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : undefined);
    return {
      aud: s('aud'),
      who: s('upn') ?? s('preferred_username') ?? s('unique_name') ?? (s('appid') ? `app ${s('appid')}` : undefined),
      tid: s('tid'),
      ver: s('ver'),
    };
  } catch {
    return {}; // opaque access tokens (not JWTs) are fine
  }
}

export function printTokens(
  ctx: CliContext,
  format: OutputFormat,
  tokens: TokenResponse,
  idToken?: IdTokenSummary,
): void {
  if (format === 'token') return out(ctx, tokens.access_token);
  if (format === 'json') return out(ctx, JSON.stringify(tokens, null, 2));
  const facts = accessTokenFacts(tokens.access_token);
  const rows: Array<[string, string]> = [['token_type', tokens.token_type]];
  if (tokens.scope !== undefined) rows.push(['scope', tokens.scope]);
  rows.push([
    'expires_in',
    `${tokens.expires_in} s (expires ${tokens.expires_on}, ${relative(Date.parse(tokens.expires_on) - ctx.now())})`,
  ]);
  if (facts.aud)
    rows.push([
      'resource',
      `${RESOURCES[facts.aud] ?? facts.aud} (aud ${facts.aud}${facts.ver ? `, v${facts.ver} token` : ''})`,
    ]);
  const who = idToken?.preferred_username ?? facts.who;
  if (who)
    rows.push([
      'signed in as',
      `${who}${idToken?.name ? ` (${idToken.name})` : ''}${(idToken?.tid ?? facts.tid) ? ` in tenant ${idToken?.tid ?? facts.tid}` : ''}`,
    ]);
  rows.push(['access_token', tokens.access_token]);
  if (tokens.refresh_token) rows.push(['refresh_token', tokens.refresh_token]);
  if (tokens.id_token) rows.push(['id_token', tokens.id_token]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  for (const [k, v] of rows) out(ctx, `${`${k}:`.padEnd(width)} ${v}`);
}
