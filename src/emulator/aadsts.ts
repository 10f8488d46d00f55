/**
 * Entra's error vocabulary, written independently of the client's parser (src/core/entra-error.ts) so a
 * bug shared by both cannot make a test pass. Messages and statuses follow docs/protocol.md
 * §3 (body shape §3.1, statuses §3.2, the AADSTS table §3.4); `{name}` placeholders are filled per request.
 */
import { randomUUID } from 'node:crypto';

export interface AadstsEntry {
  /** OAuth `error` value. */
  error: string;
  status: number;
  message: string;
  suberror?: string;
}

/** The AADSTS codes the emulator can produce (also through `POST /_emulator/faults {"kind":"aadsts"}`). */
export const AADSTS: Record<number, AadstsEntry> = {
  50011: {
    error: 'invalid_request',
    status: 400,
    message:
      "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
  },
  500113: { error: 'invalid_request', status: 400, message: 'No reply address is registered for the application.' },
  700016: {
    error: 'unauthorized_client',
    status: 400,
    message:
      "Application with identifier '{appId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
  },
  90002: {
    error: 'invalid_tenant',
    status: 400,
    message:
      "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
  },
  // error value for 900023 is [inferred] (invalid_request; docs/protocol.md §3.4).
  900023: {
    error: 'invalid_request',
    status: 400,
    message: "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.",
  },
  7000218: {
    error: 'invalid_client',
    status: 401,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  7000215: {
    error: 'invalid_client',
    status: 401,
    message:
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{appId}'.",
  },
  7000222: {
    error: 'invalid_client',
    status: 401,
    message:
      "The provided client secret keys for app '{appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
  },
  700027: {
    error: 'invalid_client',
    status: 401,
    message:
      "Client assertion contains an invalid signature. [Reason - {reason}, Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{appId}']",
  },
  700024: {
    error: 'invalid_client',
    status: 401,
    message:
      'Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .',
  },
  700025: {
    error: 'invalid_client',
    status: 401,
    message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  },
  // Not in docs/protocol.md §3.4: assertion audience / replay / claim errors, worded after Entra's style [inferred].
  700021: {
    error: 'invalid_client',
    status: 401,
    message:
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
  },
  50048: { error: 'invalid_client', status: 401, message: 'Subject mismatches Issuer claim in the client assertion.' },
  70021: {
    error: 'invalid_client',
    status: 401,
    message:
      "The audience claim in the client assertion is invalid. Expected audience: '{expected}', actual audience: '{actual}'.",
  },
  // Workload identity federation (docs/protocol.md §14): texts as Entra's public error reports quote them.
  700211: {
    error: 'invalid_client',
    status: 401,
    message:
      "No matching federated identity record found for presented assertion issuer '{iss}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
  },
  700212: {
    error: 'invalid_client',
    status: 401,
    message:
      "No matching federated identity record found for presented assertion audience '{aud}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
  },
  700213: {
    error: 'invalid_client',
    status: 401,
    message:
      "No matching federated identity record found for presented assertion subject '{sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
  },
  7002138: {
    error: 'invalid_client',
    status: 401,
    message:
      "No matching federated identity record found for presented assertion subject '{sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: https://learn.microsoft.com/entra/workload-id/workload-identity-federation.",
  },
  700023: {
    error: 'invalid_client',
    status: 401,
    message: 'Client assertion has already been used (jti replay). Create a new assertion for every request.',
  },
  50027: { error: 'invalid_client', status: 401, message: 'JWT token is invalid or malformed.' },
  70011: {
    error: 'invalid_scope',
    status: 400,
    message:
      "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.",
  },
  1002012: {
    error: 'invalid_scope',
    status: 400,
    message:
      'The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).',
  },
  900144: {
    error: 'invalid_request',
    status: 400,
    message: "The request body must contain the following parameter: '{name}'.",
  },
  90014: {
    error: 'invalid_request',
    status: 400,
    message:
      "The required field '{name}' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
  },
  9002313: {
    error: 'invalid_grant',
    status: 400,
    message: 'Invalid request. Request is malformed or invalid.',
    suberror: 'bad_token',
  },
  50126: {
    error: 'invalid_grant',
    status: 400,
    message: 'Error validating credentials due to invalid username or password.',
  },
  50034: {
    error: 'invalid_grant',
    status: 400,
    message:
      'The user account {EmailHidden} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory.',
  },
  50053: {
    error: 'unauthorized_client',
    status: 400,
    message: "You've tried to sign in too many times with an incorrect user ID or password.",
  },
  50055: {
    error: 'user_password_expired',
    status: 400,
    message: 'Password is expired.',
    suberror: 'user_password_expired',
  },
  50076: {
    error: 'interaction_required',
    status: 400,
    message:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
  },
  50079: {
    error: 'interaction_required',
    status: 400,
    message:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'.",
    suberror: 'basic_action',
  },
  53003: {
    error: 'interaction_required',
    status: 400,
    message: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    suberror: 'message_only',
  },
  65001: {
    error: 'invalid_grant',
    status: 400,
    message:
      "The user or administrator has not consented to use the application with ID '{appId}' named '{name}'. Send an interactive authorization request for this user and resource.",
    suberror: 'consent_required',
  },
  65004: { error: 'access_denied', status: 400, message: 'User declined to consent to access the app.' },
  50058: {
    error: 'login_required',
    status: 400,
    message: 'A silent sign-in request was sent but no user is signed in.',
  },
  70008: {
    error: 'invalid_grant',
    status: 400,
    message:
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  },
  54005: {
    error: 'invalid_grant',
    status: 400,
    message:
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  },
  // Message observed in a captured Entra body ("The Code_Verifier does not match the code_challenge supplied in the
  // authorization request."); docs/protocol.md §3.4 names the code 501481 with invalid_grant.
  501481: {
    error: 'invalid_grant',
    status: 400,
    message: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  },
  // Real messages carry a U+00A0 after "inactivity." (docs/protocol.md §3.4).
  700082: {
    error: 'invalid_grant',
    status: 400,
    message:
      'The refresh token has expired due to inactivity.\u00a0The token was issued on {issued} and was inactive for 90.00:00:00.',
    suberror: 'bad_token',
  },
  50173: {
    error: 'invalid_grant',
    status: 400,
    message:
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{validFrom}'.",
  },
  500011: {
    error: 'invalid_resource',
    status: 400,
    message:
      'The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.',
  },
  70016: {
    error: 'authorization_pending',
    status: 400,
    message: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  },
  70020: {
    error: 'expired_token',
    status: 400,
    message: "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  },
  // Device flow decline / unknown device_code: the `error` values are documented, the AADSTS numbers and texts
  // are not quoted anywhere [inferred]: decline reuses 65004 (user declined), an unknown code 70000 (invalid grant).
  70000: {
    error: 'bad_verification_code',
    status: 400,
    message: "The provided value for the input parameter 'device_code' is not valid.",
  },
  // Not quoted in any public source (docs/protocol.md §3.4): an unsupported code_challenge_method / response_type [inferred wording].
  501491: {
    error: 'invalid_request',
    status: 400,
    message: "The code_challenge_method '{method}' is not supported. Use 'S256' or 'plain'.",
  },
  700051: {
    error: 'unsupported_response_type',
    status: 400,
    message: "response_type '{type}' is not enabled for the application.",
  },
  700054: {
    error: 'unsupported_response_type',
    status: 400,
    message: "response_type '{type}' is not enabled for the application.",
  },
  9001023: {
    error: 'invalid_request',
    status: 400,
    message:
      "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
  },
  50059: {
    error: 'invalid_request',
    status: 400,
    message: 'No tenant-identifying information found in either the request or implied by any provided credentials.',
  },
  70003: {
    error: 'unsupported_grant_type',
    status: 400,
    message: "The app requested an unsupported grant type '{grant}'.",
  },
  7000112: { error: 'unauthorized_client', status: 400, message: "Application '{appId}'({name}) is disabled." },
  // Throttling: the real 429/503 body is not documented (docs/protocol.md §3.2); this shape is [inferred].
  50196: {
    error: 'temporarily_unavailable',
    status: 429,
    message:
      'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.',
  },
  90033: {
    error: 'temporarily_unavailable',
    status: 503,
    message: 'A transient error has occurred. Please try again.',
  },
};

/** Extra fields some codes carry (docs/protocol.md §3.1). */
const EXTRA: Record<number, Record<string, string>> = {
  50076: {
    suberror: 'basic_action',
    claims: '{"access_token":{"capolids":{"essential":true,"values":["5a4c3b2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"]}}}',
  },
  50079: {
    claims: '{"access_token":{"capolids":{"essential":true,"values":["5a4c3b2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"]}}}',
  },
  50055: { password_change_url: 'https://portal.microsoftonline.com/ChangePassword.aspx' },
};

/** `YYYY-MM-DD HH:MM:SSZ` (docs/protocol.md §3.1: space, no T, no fraction). */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** `2024-10-02T22:05:03.6755165Z` style (seven fraction digits), as in AADSTS700024 messages. */
export function dotnetTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, k: string) => params[k] ?? whole);
}

export interface ErrorContext {
  now: number;
  /** The client's `client-request-id` header, echoed as correlation_id. */
  correlationId?: string;
  traceId?: string;
}

export interface EntraError {
  status: number;
  body: Record<string, unknown>;
  traceId: string;
}

/** Build Entra's JSON error body for an AADSTS code (docs/protocol.md §3.1; single-space separators, 2024+ style). */
export function entraError(
  code: number,
  params: Record<string, string>,
  ctx: ErrorContext,
  override?: Partial<AadstsEntry>,
): EntraError {
  const entry = {
    ...(AADSTS[code] ?? { error: 'invalid_request', status: 400, message: 'Unknown error.' }),
    ...override,
  };
  const traceId = ctx.traceId ?? randomUUID();
  const correlationId =
    ctx.correlationId && /^[0-9a-f-]{36}$/i.test(ctx.correlationId) ? ctx.correlationId : randomUUID();
  const ts = entraTimestamp(ctx.now);
  const body: Record<string, unknown> = {
    error: entry.error,
    error_description: `AADSTS${code}: ${fill(entry.message, params)} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  if (entry.suberror) body.suberror = entry.suberror;
  Object.assign(body, EXTRA[code] ?? {});
  return { status: entry.status, body, traceId };
}

/**
 * Encode a query the way Entra's redirects do (docs/protocol.md §1.3): `+` for spaces, lowercase percent escapes,
 * `\r\n` as `%0d%0a`, and `:`/`/`/`?`/`=` escaped.
 */
export function entraQueryEncode(params: Array<[string, string]>): string {
  const enc = (s: string): string =>
    encodeURIComponent(s)
      .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
      .replace(/%20/g, '+')
      .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/** The `error_description` of an error redirect: `\r\n` separated, as observed on the front channel. */
export function redirectErrorDescription(code: number, params: Record<string, string>, ctx: ErrorContext): string {
  const entry = AADSTS[code]!;
  const traceId = ctx.traceId ?? randomUUID();
  const corr = ctx.correlationId ?? randomUUID();
  return `AADSTS${code}: ${fill(entry.message, params)}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${entraTimestamp(ctx.now)}`;
}
