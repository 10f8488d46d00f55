/**
 * Client authentication at the token endpoint (docs/protocol.md §2, §2.5): none for public clients, a
 * secret (form or HTTP Basic), or a private_key_jwt client assertion.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, decodeJwt } from 'jose';
import { dotnetTime } from './aadsts.js';
import type { AppConfig } from './directory.js';
import { checkFederatedAssertion, isFederatedAssertion } from './federation.js';
import { err, safeEqual, type EmuRequest, type Reply } from './reply.js';
import type { State, Tenant } from './state.js';
import type { Acr } from './issue.js';

/** HTTP Basic client credentials; RFC 6749 §2.3.1: both parts are form-urlencoded before base64. */
export function parseBasic(h: string | undefined): { id: string; secret: string } | undefined {
  if (!h || !/^basic /i.test(h)) return undefined;
  const raw = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

/** Client authentication (§2): none for public clients, secret (body or Basic), or private_key_jwt (§2.5). */
export async function authenticateClient(
  s: State,
  req: EmuRequest,
  t: Tenant,
  app: AppConfig,
  grant: string,
  basic: { id: string; secret: string } | undefined,
  v1: boolean,
): Promise<{ error: Reply } | { acr: Acr }> {
  const f = req.form!;
  const secret = f.get('client_secret') ?? basic?.secret ?? null;
  const assertion = f.get('client_assertion');
  if (app.public_client) {
    if (secret !== null || assertion !== null) return { error: err(s, req, 700025) };
    if (grant === 'client_credentials') return { error: err(s, req, 7000218) };
    return { acr: '0' };
  }
  if (assertion !== null) {
    const e = await verifyAssertion(s, req, t, app, assertion, f.get('client_assertion_type'), v1);
    return e ? { error: e } : { acr: '2' };
  }
  if (secret !== null) {
    const now = s.now();
    const match = (app.secrets ?? []).filter((s) => safeEqual(s.value, secret));
    if (match.length === 0) return { error: err(s, req, 7000215, { appId: app.client_id }) };
    if (match.every((s) => s.expires_at !== undefined && Date.parse(s.expires_at) <= now))
      return { error: err(s, req, 7000222, { appId: app.client_id }) };
    return { acr: '1' };
  }
  if (app.allow_public_client_flows && grant !== 'client_credentials') return { acr: '0' };
  return { error: err(s, req, 7000218) };
}

/** private_key_jwt (§2.5): thumbprint lookup, signature, aud, iss/sub, time window, jti replay. */
export async function verifyAssertion(
  s: State,
  req: EmuRequest,
  t: Tenant,
  app: AppConfig,
  assertion: string,
  type: string | null,
  v1: boolean,
): Promise<Reply | undefined> {
  if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return err(s, req, 900144, { name: 'client_assertion_type' });
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(assertion) as Record<string, unknown>;
    claims = decodeJwt(assertion) as Record<string, unknown>;
  } catch {
    return err(s, req, 50027);
  }
  if (app.federated_credentials && isFederatedAssertion(app.client_id, assertion)) {
    // workload identity federation (docs/protocol.md §14): the assertion comes from another issuer
    const now = s.now();
    const refusal = checkFederatedAssertion(app, assertion, Math.floor(now / 1000));
    if (!refusal) return undefined;
    if (refusal.code === 700024)
      return err(s, req, 700024, {
        now: dotnetTime(now),
        nbf: dotnetTime(Number(refusal.params.nbf) * 1000),
        exp: dotnetTime(Number(refusal.params.exp) * 1000),
      });
    if (refusal.code === 700027)
      return err(s, req, 700027, { reason: 'The signature is not valid.', thumb: '', appId: app.client_id });
    return err(s, req, refusal.code, refusal.params);
  }
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
  const certs = (app.certificates ?? []).map((pem) => new X509Certificate(pem));
  const thumbHex = Buffer.from((x5t ?? x5tS256 ?? '').replace(/=+$/, ''), 'base64url')
    .toString('hex')
    .toUpperCase();
  const cert = certs.find((c) => {
    if (x5t && createHash('sha1').update(c.raw).digest('base64url') === x5t.replace(/=+$/, '')) return true;
    return !!x5tS256 && createHash('sha256').update(c.raw).digest('base64url') === x5tS256.replace(/=+$/, '');
  });
  if (!cert) return err(s, req, 700027, { reason: 'The key was not found.', thumb: thumbHex, appId: app.client_id });
  try {
    await compactVerify(assertion, cert.publicKey, { algorithms: ['RS256', 'PS256'] });
  } catch {
    return err(s, req, 700027, { reason: 'The signature is not valid.', thumb: thumbHex, appId: app.client_id });
  }
  if (claims.iss !== app.client_id) return err(s, req, 700021);
  if (claims.sub !== claims.iss) return err(s, req, 50048);
  const auds = assertionAudiences(s, t, req.url.pathname);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === 'string' && auds.includes(a)))
    return err(s, req, 70021, { expected: auds[0]!, actual: String(claims.aud) });
  const now = s.now();
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const skew = 300;
  if (exp === 0 || now / 1000 > exp + skew || now / 1000 < nbf - skew) {
    // §2.5: "valid from 1970-01-01T00:00:00.0000000Z" when nbf is absent.
    return err(s, req, 700024, { now: dotnetTime(now), nbf: dotnetTime(nbf * 1000), exp: dotnetTime(exp * 1000) });
  }
  // jti: MSAL reuses one assertion until near its expiry (a second client-credentials call, or Databricks
  // then Graph), and Entra accepts that, so the same assertion is accepted again while it is valid (the
  // time check above). Another assertion carrying an already-seen jti is a replay [inferred: Entra documents
  // jti as unique; the rejection code/text is not quoted].
  const jti = typeof claims.jti === 'string' ? claims.jti : undefined;
  if (jti) {
    const key = `${app.client_id}|${jti}`;
    const digest = createHash('sha256').update(assertion).digest('base64url');
    const seen = s.jtis.get(key);
    if (seen !== undefined && seen !== digest) return err(s, req, 700023);
    s.jtis.set(key, digest);
  }
  void v1;
  return undefined;
}

/** Accepted assertion audiences (§2.5 [inferred]): v2 and v1 token URLs and the issuer, for GUID, domain and path forms. */
export function assertionAudiences(s: State, t: Tenant, path: string): string[] {
  const segs = [...new Set([s.dir.tenant_id, s.dir.tenant_domain, t.segment])];
  const out: string[] = [`${s.url}${path}`];
  for (const seg of segs) {
    out.push(
      `${s.url}/${seg}/oauth2/v2.0/token`,
      `${s.url}/${seg}/oauth2/token`,
      `${s.url}/${seg}/v2.0`,
      `${s.url}/${seg}/`,
    );
  }
  out.push(`https://login.microsoftonline.com/${s.dir.tenant_id}/oauth2/v2.0/token`);
  return out;
}
