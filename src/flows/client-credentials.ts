/**
 * The client credentials grant (docs/protocol.md §2.4, v1 §2.8): the documentation's daemon app, as named steps:
 *   1. Check request        (tenant-specific authority; scope ends in /.default — checked before sending)
 *   2. Make client assertion (certificate credentials only: a new private_key_jwt per request, §2.5)
 *   3. Request token        (grant_type=client_credentials, v2 scope= or v1 resource=)
 *   4. Check tokens         (no refresh token expected)
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import { randomUUID } from 'node:crypto';
import type { Authority } from '../core/authority.js';
import { AADSTS, type HintContext } from '../core/aadsts.js';
import { AZURE_DATABRICKS_SCOPE } from '../core/clouds.js';
import { createClientAssertion, describeAssertion, type ClientCertificate } from '../core/client-assertion.js';
import { EntraOAuthError, EntraTokenError } from '../core/errors.js';
import {
  assertionProblems,
  federationRefusalHint,
  matchingCredentialText,
  type AssertionFacts,
} from '../core/federated.js';
import { withClaims } from '../core/claims-challenge.js';
import { processClientCredentialsResponse } from '../core/grants.js';
import type { AssertionProvider } from '../io/federated-assertion.js';
import { clientCredentialsRequest, type ClientAuth } from '../core/token.js';
import { Trace } from '../io/trace.js';
import type { FlowDeps, TokenFlowResult } from './types.js';

export type ClientCredential =
  | { kind: 'secret'; client_secret: string; method?: 'post' | 'basic' }
  | {
      kind: 'certificate';
      /** A certificate and its key; for a provider other than Entra a bare key with a `kid` is enough. */
      certificate: Pick<ClientCertificate, 'key'> & { certDer?: Buffer | undefined; kid?: string | undefined };
      rs256?: boolean;
      sendX5c?: boolean;
    }
  /** Workload identity federation: the assertion is an OpenID token from another issuer (docs/protocol.md §14). */
  | { kind: 'federated'; provider: AssertionProvider };

export interface ClientCredentialsOptions {
  authority: Authority;
  client_id: string;
  credential: ClientCredential;
  /**
   * Entra v2: one `<resource>/.default` scope, default the Azure Databricks scope (`2ff814a6-…/.default`).
   * Other providers: any scopes the client may ask for, or none.
   */
  scope?: string | undefined;
  /** v1 endpoint (`/oauth2/token`) with `resource=` instead of `scope=`, as Databricks' SDKs do. */
  v1Resource?: string | undefined;
  /** Called with the decoded assertion header and claims (never the signature). */
  onAssertion?: (decoded: { header: Record<string, unknown>; claims: Record<string, unknown> }) => void;
  /** For tests: a fixed jti. */
  jti?: () => string;
  /** The `claims` parameter (a claims challenge and/or client capabilities, docs/protocol.md §15). */
  claims?: string | undefined;
}

/** Refuse a client-credentials scope that is not `<resource>/.default` (AADSTS1002012) before sending. */
export function assertDefaultScope(scope: string): void {
  const parts = scope.split(/\s+/).filter(Boolean);
  const info = AADSTS[1002012]!;
  if (parts.length !== 1 || !parts[0]!.endsWith('/.default')) {
    throw new EntraTokenError(
      'EUSAGE',
      `AADSTS1002012: the provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI); nothing was sent`,
      {
        hint:
          parts.length > 1
            ? 'give exactly one resource: one token per resource (e.g. --scope https://graph.microsoft.com/.default)'
            : info.hint({}),
      },
    );
  }
  if (/%2f/i.test(parts[0]!)) {
    throw new EntraTokenError('EUSAGE', `AADSTS1002012: the scope ${scope} is URL-encoded; nothing was sent`, {
      hint: 'give the scope as plain text; it is encoded once when sent',
    });
  }
}

/** Refuse the multi-tenant aliases: an app-only token is always for one tenant (AADSTS50059). */
export function assertSingleTenant(authority: Authority): void {
  const t = authority.tenant.toLowerCase();
  if (t === 'common' || t === 'organizations' || t === 'consumers') {
    throw new EntraTokenError(
      'EUSAGE',
      `client credentials need a tenant-specific authority, not /${t} (AADSTS50059); nothing was sent`,
      {
        hint: AADSTS[50059]!.hint({}),
      },
    );
  }
}

/** Get an app-only token with a client secret or certificate. */
export async function clientCredentialsTokens(
  opts: ClientCredentialsOptions,
  deps: FlowDeps,
): Promise<TokenFlowResult> {
  const trace = deps.trace ?? new Trace(deps.now);
  trace.step('Check request');
  const entra = opts.authority.kind === 'entra';
  // tenants and `/.default` are Entra's rules; another provider judges its own scopes
  if (entra) assertSingleTenant(opts.authority);
  const v1 = opts.v1Resource !== undefined;
  // the documented default for Entra: the Azure Databricks scope; other providers get no default
  const scope = v1 ? undefined : (opts.scope ?? (entra ? AZURE_DATABRICKS_SCOPE : undefined));
  if (entra && scope !== undefined) assertDefaultScope(scope);
  const tokenEndpoint = v1 ? opts.authority.v1TokenEndpoint : opts.authority.tokenEndpoint;
  let auth: ClientAuth;
  let federatedFacts: AssertionFacts | undefined;
  if (opts.credential.kind === 'certificate') {
    trace.step('Make client assertion');
    const c = opts.credential;
    const client_assertion = await createClientAssertion({
      client_id: opts.client_id,
      audience: tokenEndpoint,
      cert: c.certificate,
      now: Math.floor(deps.now() / 1000),
      jti: (opts.jti ?? randomUUID)(),
      rs256: c.rs256,
      sendX5c: c.sendX5c,
    });
    const decoded = describeAssertion(client_assertion);
    const keyId =
      c.certificate.certDer === undefined
        ? `kid ${String(decoded.header.kid)}`
        : c.rs256
          ? 'x5t = BASE64URL(SHA1(cert DER))'
          : 'x5t#S256 = BASE64URL(SHA256(cert DER))';
    trace.note(
      `client assertion: ${decoded.header.alg} with ${keyId}${c.sendX5c ? ' and x5c' : ''}; aud ${tokenEndpoint}; iss = sub = client id; valid ${String((decoded.claims.exp as number) - (decoded.claims.iat as number))} s`,
    );
    opts.onAssertion?.(decoded);
    auth = { kind: 'assertion', client_assertion };
  } else if (opts.credential.kind === 'federated') {
    trace.step('Get federated assertion');
    const { jwt, facts } = await opts.credential.provider.get({ trace, signal: deps.signal });
    federatedFacts = facts;
    trace.note(
      `federated assertion from ${opts.credential.provider.source.kind}: ${matchingCredentialText(facts)}` +
        (facts.exp !== undefined ? `; expires ${new Date(facts.exp * 1000).toISOString()}` : ''),
    );
    for (const p of assertionProblems(facts, deps.now())) trace.note(`warning: the federated token: ${p}`);
    auth = { kind: 'assertion', client_assertion: jwt };
  } else {
    auth = { kind: 'secret', client_secret: opts.credential.client_secret, method: opts.credential.method ?? 'post' };
  }
  const hint: HintContext = {
    clientId: opts.client_id,
    tenant: opts.authority.tenant,
    authorityUrl: opts.authority.url,
    scopes: scope ? [scope] : undefined,
    provider: opts.authority.kind,
  };
  trace.step('Request token');
  const request = withClaims(
    clientCredentialsRequest({
      tokenEndpoint,
      client_id: opts.client_id,
      auth,
      scope,
      resource: opts.v1Resource,
    }),
    opts.claims,
  );
  const response = await deps.http.send(request, { trace, signal: deps.signal });
  let processed;
  try {
    processed = processClientCredentialsResponse(response, { now: deps.now(), hint });
  } catch (e) {
    const better = federatedFacts && e instanceof EntraOAuthError && federationRefusalHint(e.aadsts, federatedFacts);
    if (better)
      throw new EntraOAuthError(e.code as 'EOAUTH', e.body, {
        aadsts: e.aadsts,
        summary: e.summary,
        status: e.status,
        hint: better,
      });
    throw e;
  }
  const { tokens, notes } = processed;
  trace.step('Check tokens');
  for (const n of notes) trace.note(n);
  return { tokens, idToken: undefined, request, response, trace };
}
