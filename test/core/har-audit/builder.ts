/** Build HAR 1.2 documents for audit tests: one entry per request/response, times one second apart. */
export interface EntrySpec {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** A form body (sent as application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  body?: string;
  bodyMime?: string;
  status?: number;
  resHeaders?: Record<string, string>;
  resBody?: string;
  resMime?: string;
}

const T0 = Date.parse('2026-12-01T10:00:00Z');

/** A HAR 1.2 document as a browser would export it (creator Chromium unless given). */
export function har(specs: EntrySpec[], creator = 'WebInspector'): string {
  return JSON.stringify(
    {
      log: {
        version: '1.2',
        creator: { name: creator, version: '1.0' },
        pages: [],
        entries: specs.map((s, i) => {
          const postText = s.form ? new URLSearchParams(s.form).toString() : s.body;
          const location = s.resHeaders?.location ?? s.resHeaders?.Location ?? '';
          return {
            startedDateTime: new Date(T0 + i * 1000).toISOString(),
            time: 10,
            request: {
              method: s.method ?? (postText !== undefined ? 'POST' : 'GET'),
              url: s.url,
              httpVersion: 'HTTP/1.1',
              headers: Object.entries(s.headers ?? {}).map(([name, value]) => ({ name, value })),
              queryString: [],
              cookies: [],
              headersSize: -1,
              bodySize: postText?.length ?? 0,
              ...(postText !== undefined
                ? {
                    postData: {
                      mimeType: s.form ? 'application/x-www-form-urlencoded' : (s.bodyMime ?? 'application/json'),
                      text: postText,
                    },
                  }
                : {}),
            },
            response: {
              status: s.status ?? (location ? 302 : 200),
              statusText: '',
              httpVersion: 'HTTP/1.1',
              headers: Object.entries(s.resHeaders ?? {}).map(([name, value]) => ({ name, value })),
              cookies: [],
              content: {
                size: s.resBody?.length ?? 0,
                mimeType: s.resMime ?? (s.resBody?.startsWith('{') ? 'application/json' : 'text/html'),
                ...(s.resBody !== undefined ? { text: s.resBody } : {}),
              },
              redirectURL: location,
              headersSize: -1,
              bodySize: -1,
            },
            cache: {},
            timings: { send: 0, wait: 10, receive: 0 },
          };
        }),
      },
    },
    null,
    2,
  );
}

/** An unsigned-looking JWT with these claims (the audit decodes without verifying). */
export function jwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { typ: 'JWT', alg: 'RS256', kid: 'k1' },
): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b(header)}.${b(claims)}.${Buffer.from('signature-bytes-0123456789').toString('base64url')}`;
}

export const AS = 'https://login.microsoftonline.com';
export const TENANT = '72f1c3a8-5b9e-4d27-9c61-0e8f4a2b6d13';
export const CLIENT = '6a0c9e2d-3f41-4b8a-9d57-1c2e8f7b4a90';
export const DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
export const AUTHORIZE = `${AS}/${TENANT}/oauth2/v2.0/authorize`;
export const TOKEN = `${AS}/${TENANT}/oauth2/v2.0/token`;
export const APP = 'https://app.contoso.com';

const NOW = Math.floor(T0 / 1000);

export function accessToken(extra: Record<string, unknown> = {}): string {
  return jwt({
    aud: DATABRICKS,
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 3600,
    appid: CLIENT,
    scp: 'user_impersonation',
    tid: TENANT,
    upn: 'alice@contoso.com',
    ver: '1.0',
    ...extra,
  });
}

export function idToken(extra: Record<string, unknown> = {}): string {
  return jwt({
    aud: CLIENT,
    iss: `${AS}/${TENANT}/v2.0`,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 3600,
    nonce: 'n-0S6_WzA2Mj',
    preferred_username: 'alice@contoso.com',
    tid: TENANT,
    ver: '2.0',
    ...extra,
  });
}

/** authorize URL with these parameters (client_id and redirect_uri filled in). */
export function authorizeUrl(params: Record<string, string>, base = AUTHORIZE): string {
  return `${base}?${new URLSearchParams({ client_id: CLIENT, redirect_uri: `${APP}/callback`, ...params }).toString()}`;
}

export const GOOD_STATE = 'Xy4Jm0pQe2sQ1tW7aB9cD3eF5gH7iJ1kL3mN5oP7qR9';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
