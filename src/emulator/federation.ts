/**
 * Workload identity federation, both sides of it, on its own port:
 *
 * - An OpenID issuer standing in for the CI systems and clusters that mint tokens for jobs:
 *     GET  /.well-known/openid-configuration, GET /.well-known/jwks       (its own RSA key, made at start)
 *     GET  /_apis/distributedtask/idtoken?api-version=2.0&audience=A       GitHub Actions' token request URL;
 *          `Authorization: Bearer <actions_id_token_request_token>` → {"count":1,"value":"<JWT>"}
 *          (sub `repo:entra-token/demo:ref:refs/heads/main`, default audience the owner URL, as GitHub's)
 *     POST /_apis/oidctoken?api-version=7.1&serviceConnectionId=S          Azure Pipelines' OIDC request URI;
 *          `Authorization: Bearer <system_accesstoken>` → {"oidcToken":"<JWT>"} (sub `sc://entra-token/demo/S`)
 *     POST /_cluster/token {"subject"?,"audience"?,"lifetime_seconds"?}    a Kubernetes-style projected
 *          service-account token (sub `system:serviceaccount:default:entra-token`) for file-based tests
 *   Tokens live 300 s [inferred: GitHub documents short-lived tokens, not the exact lifetime] on the
 *   emulator's clock, so advancing the clock expires them.
 * - Entra's side: at start the seeded federated app gets federated identity credentials for this issuer
 *   (GitHub subject, Pipelines subject, cluster subject; audience api://AzureADTokenExchange), and
 *   `checkFederatedAssertion` is what the token endpoint runs for a client assertion whose issuer is not
 *   the client itself. Real Entra fetches the issuer's discovery document and JWKS; the emulator trusts
 *   exactly the issuers this room serves (a registry keyed by issuer URL).
 * Refusals (invalid_client, 401): AADSTS70021 (no credential on the app), 700211 (issuer), 700212
 * (audience), 700213 (subject), 7002138 (subject matches only case-insensitively), 700024 (expired),
 * 700027 (signature) — messages as Entra's public error reports show them.
 * @see docs/protocol.md §14
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { bearerOf, jsonReply, send, serveExtra } from './bearer.js';
import { DEFAULT_IDS, type AppConfig, type FederatedCredentialConfig } from './directory.js';
import type { ExtraServer } from './index.js';

export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
export const FEDERATED_TOKEN_LIFETIME_S = 300;
export const GITHUB_SUBJECT = 'repo:entra-token/demo:ref:refs/heads/main';
export const CLUSTER_SUBJECT = 'system:serviceaccount:default:entra-token';
export const PIPELINES_CONNECTION_ID = 'sc-entra-token';

/** Issuers this process's federation rooms serve, with their public keys (the emulator's trust list). */
const trustedIssuers = new Map<string, KeyObject>();

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function signRs256(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export type FederationRefusal = { code: number; params: Record<string, string> };

/**
 * Entra's check of a federated client assertion for `app` at `nowS` (seconds), or undefined when it is
 * accepted. `jwt` is the raw `client_assertion`.
 */
export function checkFederatedAssertion(app: AppConfig, jwt: string, nowS: number): FederationRefusal | undefined {
  const parts = jwt.split('.');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { code: 700027, params: { reason: 'the assertion is not a JWT' } };
  }
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === 'string' ? [claims.aud] : [];
  const creds: FederatedCredentialConfig[] = app.federated_credentials ?? [];
  if (creds.length === 0) return { code: 70021, params: { iss, sub, aud: auds.join(',') } };
  const byIssuer = creds.filter((c) => c.issuer === iss);
  if (byIssuer.length === 0) return { code: 700211, params: { iss } };
  const key = trustedIssuers.get(iss);
  if (!key || parts.length !== 3 || header.alg !== 'RS256') return { code: 700027, params: { reason: 'signature' } };
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
  if (!ok) return { code: 700027, params: { reason: 'signature' } };
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : typeof claims.iat === 'number' ? claims.iat : 0;
  if (exp <= nowS || nbf > nowS + 300) return { code: 700024, params: { nbf: String(nbf), exp: String(exp) } };
  const byAudience = byIssuer.filter((c) => c.audiences.some((a) => auds.includes(a)));
  if (byAudience.length === 0) return { code: 700212, params: { aud: auds.join(',') } };
  if (byAudience.some((c) => c.subject === sub)) return undefined;
  if (byAudience.some((c) => c.subject.toLowerCase() === sub.toLowerCase())) return { code: 7002138, params: { sub } };
  return { code: 700213, params: { sub } };
}

/** Whether a client assertion is a federated one (its issuer is not the client itself). */
export function isFederatedAssertion(clientId: string, jwt: string): boolean {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' && claims.iss.toLowerCase() !== clientId.toLowerCase();
  } catch {
    return false;
  }
}

export const federationExtraServer: ExtraServer = async (core) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const requestToken = randomBytes(24).toString('base64url');
  const systemAccessToken = randomBytes(24).toString('base64url');
  let issuer = '';

  const mint = (sub: string, aud: string, extra: Record<string, unknown>, lifetime = FEDERATED_TOKEN_LIFETIME_S) => {
    const iat = Math.floor(core.now() / 1000);
    return signRs256(
      { jti: randomUUID(), sub, aud, iss: issuer, nbf: iat - 5, iat, exp: iat + lifetime, ...extra },
      privateKey,
      kid,
    );
  };

  const s = await serveExtra(core, 'federation', (req, res, raw) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const path = url.pathname;
      if (req.method === 'GET' && path === '/.well-known/openid-configuration')
        return jsonReply(res, 200, {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks`,
          subject_types_supported: ['public'],
          response_types_supported: ['id_token'],
          claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid'],
        });
      if (req.method === 'GET' && path === '/.well-known/jwks')
        return jsonReply(res, 200, {
          keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid, use: 'sig', alg: 'RS256' }],
        });
      if (path === '/_apis/distributedtask/idtoken') {
        if (req.method !== 'GET') return jsonReply(res, 405, { message: 'method not allowed' });
        if (bearerOf(req) !== requestToken) return jsonReply(res, 401, { message: 'Bad credentials' });
        const aud = url.searchParams.get('audience') || 'https://github.com/entra-token';
        const value = mint(GITHUB_SUBJECT, aud, {
          ref: 'refs/heads/main',
          sha: 'a3f1c9e7b5d3f1a9c7e5b3d1f9a7c5e3b1d9f7a5',
          repository: 'entra-token/demo',
          repository_owner: 'entra-token',
          run_id: '4242',
          workflow: 'databricks',
          event_name: 'push',
          actor: 'alice',
          job_workflow_ref: 'entra-token/demo/.github/workflows/databricks.yml@refs/heads/main',
          runner_environment: 'github-hosted',
        });
        return jsonReply(res, 200, { count: 1, value });
      }
      if (path === '/_apis/oidctoken') {
        if (req.method !== 'POST') return jsonReply(res, 405, { message: 'method not allowed' });
        if (bearerOf(req) !== systemAccessToken) return jsonReply(res, 401, { message: 'TF400813: not authorized' });
        const connection = url.searchParams.get('serviceConnectionId');
        if (!connection) return jsonReply(res, 400, { message: 'serviceConnectionId is required' });
        return jsonReply(res, 200, {
          oidcToken: mint(`sc://entra-token/demo/${connection}`, FEDERATION_AUDIENCE, { prj_id: 'demo' }),
        });
      }
      if (path === '/_cluster/token' && req.method === 'POST') {
        let body: Record<string, unknown> = {};
        try {
          const text = raw.toString('utf8');
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          return jsonReply(res, 400, { message: 'body must be JSON' });
        }
        const lifetime = typeof body.lifetime_seconds === 'number' ? body.lifetime_seconds : FEDERATED_TOKEN_LIFETIME_S;
        return jsonReply(res, 200, {
          token: mint(
            typeof body.subject === 'string' ? body.subject : CLUSTER_SUBJECT,
            typeof body.audience === 'string' ? body.audience : FEDERATION_AUDIENCE,
            { 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'entra-token' } } },
            lifetime,
          ),
        });
      }
      return jsonReply(res, 404, { message: `no such path ${path}` });
    })().catch(() => send(res, 500, { 'content-type': 'text/plain' }, 'emulator error'));
  });
  issuer = s.url;
  trustedIssuers.set(issuer, publicKey);
  const app = core.directory.apps.find((a) => a.client_id === DEFAULT_IDS.federated_client_id);
  if (app) {
    app.federated_credentials = [
      ...(app.federated_credentials ?? []),
      { name: 'github-main', issuer, subject: GITHUB_SUBJECT, audiences: [FEDERATION_AUDIENCE] },
      {
        name: 'pipelines',
        issuer,
        subject: `sc://entra-token/demo/${PIPELINES_CONNECTION_ID}`,
        audiences: [FEDERATION_AUDIENCE],
      },
      { name: 'cluster', issuer, subject: CLUSTER_SUBJECT, audiences: [FEDERATION_AUDIENCE] },
    ];
  }
  return {
    info: {
      federated_issuer: issuer,
      federated_client_id: DEFAULT_IDS.federated_client_id,
      actions_id_token_request_url: `${issuer}/_apis/distributedtask/idtoken?api-version=2.0`,
      actions_id_token_request_token: requestToken,
      system_oidcrequesturi: `${issuer}/_apis/oidctoken`,
      system_accesstoken: systemAccessToken,
      service_connection_id: PIPELINES_CONNECTION_ID,
      cluster_token_url: `${issuer}/_cluster/token`,
    },
    close: async () => {
      trustedIssuers.delete(issuer);
      await s.close();
    },
  };
};
