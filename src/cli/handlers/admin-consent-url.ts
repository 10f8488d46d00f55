/** `entra-token admin-consent-url`: print the tenant-wide admin-consent URL (v2 with scopes, or the legacy v1). */
import type { Handler } from '../command.js';
import type { AdminConsentUrlFlags } from '../commands/admin-consent-url.js';
import { err, out } from '../context.js';
import { resolveIdentity } from '../options.js';
import { usageError } from '../../core/errors.js';
import { providerName } from '../../core/provider.js';
import { adminConsentUrlV1, adminConsentUrlV2 } from '../../core/admin-consent.js';
import { cryptoRandom } from '../../io/random.js';
import { AZURE_DATABRICKS_SCOPE } from '../../core/clouds.js';

export const run: Handler<AdminConsentUrlFlags> = async (ctx, { flags }) => {
  const { authority, clientId } = resolveIdentity(flags, ctx);
  if (authority.kind !== 'entra')
    throw usageError(
      `admin consent is an Entra ID endpoint; ${providerName(authority)} (${authority.issuer ?? authority.url}) is another OpenID provider and has none`,
      "grant the client's permissions in that provider's own administration instead",
    );
  if (flags.v1 && flags.scope)
    throw usageError('--v1 has no scope: it consents to every permission configured on the app');
  const state = flags.state ?? cryptoRandom.state();
  const p = { authority, client_id: clientId, redirect_uri: flags.redirectUri, state };
  const url = flags.v1
    ? adminConsentUrlV1(p)
    : adminConsentUrlV2({
        ...p,
        scopes: flags.scope?.flatMap((s) => s.split(/\s+/).filter(Boolean)) ?? [AZURE_DATABRICKS_SCOPE],
      });
  out(ctx, url);
  err(ctx, 'A tenant administrator opens this URL and accepts. The browser then goes to');
  err(
    ctx,
    `  ${flags.redirectUri}${flags.redirectUri.includes('?') ? '&' : '/?'}admin_consent=True&tenant=…&state=${state}`,
  );
  err(ctx, 'Check that state matches; do not trust the tenant value in that redirect for authorization.');
};
