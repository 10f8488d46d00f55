/**
 * What each AADSTS code means and what to do about it (docs/protocol.md §3.4). A hint may compute values from
 * the context of the request: the redirect URI sent, the admin-consent URL, the command to sign in again.
 */
import { AZURE_DATABRICKS_SCOPE } from './clouds.js';
import { adminConsentUrl } from './admin-consent.js';

export interface HintContext {
  clientId?: string | undefined;
  tenant?: string | undefined;
  /** `{origin}/{tenant}` of the authority used. */
  authorityUrl?: string | undefined;
  redirectUri?: string | undefined;
  scopes?: string[] | undefined;
  /** A command line that signs in again, e.g. `entra-token login --tenant … --client-id …`. */
  signInCommand?: string | undefined;
  /** The grant that was refused, when the hint depends on it (`password` cannot do MFA). */
  grant?: 'password' | 'refresh_token' | undefined;
  /** `oidc` for a provider other than Entra: no AADSTS table, provider-neutral words. Default `entra`. */
  provider?: 'entra' | 'oidc' | undefined;
}

export interface AadstsInfo {
  /** Short name, as Microsoft's error table names it. */
  name: string;
  /** What went wrong, in plain words. */
  meaning: string;
  hint: (ctx: HintContext) => string;
  /** The user must sign in again interactively (maps to EINTERACTION_REQUIRED). */
  interaction?: boolean;
}

const signIn = (c: HintContext) =>
  c.signInCommand
    ? `sign in again: ${c.signInCommand}`
    : 'sign in again (entra-token login, or authorize-url then exchange)';

export { adminConsentUrl };

export const AADSTS: Readonly<Record<number, AadstsInfo>> = {
  50011: {
    name: 'InvalidReplyTo',
    meaning: 'the redirect URI does not match one registered for the application',
    hint: (c) =>
      `register exactly ${c.redirectUri ? `'${c.redirectUri}'` : 'the redirect URI you send'} (scheme, host, port, path, trailing slash) under "Mobile and desktop applications", and send the identical redirect_uri to the token endpoint`,
  },
  500113: {
    name: 'NoReplyAddress',
    meaning: 'the application has no redirect URI registered',
    hint: () => 'add a platform to the app registration: "Mobile and desktop applications" with http://localhost',
  },
  700016: {
    name: 'UnauthorizedClient_DoesNotMatchRequest',
    meaning: 'the application was not found in the tenant',
    hint: (c) =>
      `check \`client_id\`${c.clientId ? ` (${c.clientId})` : ''} is the Application (client) ID, not the object ID, and that \`tenant\`${c.tenant ? ` (${c.tenant})` : ''} and the cloud are right`,
  },
  90002: {
    name: 'InvalidTenantName',
    meaning: 'the tenant was not found',
    hint: (c) =>
      `check the tenant id or domain${c.tenant ? ` '${c.tenant}'` : ''} and the cloud (\`cloud\` usgov / china for sovereign tenants)`,
  },
  900023: {
    name: 'InvalidTenantIdentifier',
    meaning: 'the tenant segment of the URL is malformed',
    hint: () =>
      'give `tenant` as a GUID or a verified domain, and `authority` as https://host/{tenant} with nothing after it',
  },
  90038: {
    name: 'NationalCloudTenantRedirection',
    meaning: 'the tenant lives in another (national) cloud',
    hint: () => 'use `cloud` usgov or `cloud` china (or the right `authority`)',
  },
  7000218: {
    name: 'InvalidClientPublicClientWithCredential',
    meaning: 'the application is confidential but no secret or certificate was sent',
    hint: () =>
      'send a client secret or certificate (client-credentials), or enable "Allow public client flows" on the app registration for device code / password / native sign-in',
  },
  7000215: {
    name: 'InvalidClientSecretProvided',
    meaning: 'the client secret is wrong',
    hint: () => "use the secret's Value, not its Secret ID; check it was not cut or re-encoded (+ / ~)",
  },
  7000222: {
    name: 'InvalidClientSecretExpiredKeysProvided',
    meaning: 'the client secret has expired',
    hint: () => 'create a new client secret for the app (or switch to a certificate: `certificate`)',
  },
  700027: {
    name: 'Client assertion failed signature validation',
    meaning: 'the client assertion signature did not verify (the key was not found)',
    hint: () =>
      "upload the certificate to the app registration and sign with its private key; x5t#S256 (or x5t with `rs256`) must be that certificate's thumbprint",
  },
  700024: {
    name: 'ClientAssertionNotWithinValidTimeRange',
    meaning: 'the client assertion is outside its valid time range',
    hint: () => 'check the system clock (entra-token doctor); a new assertion is made for every request',
  },
  700025: {
    name: 'InvalidClientPublicClientWithCredential',
    meaning: 'the client is public, so it must not send a secret or assertion',
    hint: () => 'drop the client secret / certificate for this public client',
  },
  50048: {
    name: 'SubjectMismatchesIssuer',
    meaning: 'the client assertion sub does not equal its iss',
    hint: () => 'iss and sub of the assertion must both be the client id',
  },
  70011: {
    name: 'InvalidScope',
    meaning: 'the scope is not valid',
    hint: () => `use ${AZURE_DATABRICKS_SCOPE} for Azure Databricks; one resource per token request`,
  },
  1002012: {
    name: 'InvalidScope (client credentials)',
    meaning: 'client credential flows need a scope ending in /.default',
    hint: () =>
      'append /.default to the resource (e.g. https://graph.microsoft.com/.default) and do not double-encode it',
  },
  90014: {
    name: 'MissingRequiredField',
    meaning: 'a required parameter is missing',
    hint: () => 'send a form-urlencoded body with every required parameter (not JSON, not the query string)',
  },
  900144: {
    name: 'MissingRequiredField',
    meaning: 'a required parameter is missing',
    hint: () => 'send a form-urlencoded body with every required parameter (not JSON, not the query string)',
  },
  9002313: {
    name: 'InvalidRequest',
    meaning: 'the code or refresh token is malformed',
    hint: (c) => `the code or token was mangled (truncated, re-encoded) or belongs to another endpoint; ${signIn(c)}`,
    interaction: true,
  },
  50126: {
    name: 'InvalidUserNameOrPassword',
    meaning: 'the username or password is wrong',
    hint: () => 'check the credentials; federated (ADFS) users cannot use the password grant: use login or device-code',
  },
  50034: {
    name: 'UserAccountNotFound',
    meaning: 'the user does not exist in the tenant',
    hint: (c) => `check the username and the tenant${c.tenant ? ` (${c.tenant})` : ''}; guests must be invited first`,
  },
  50053: {
    name: 'IdsLocked',
    meaning: 'the account is locked after too many failed sign-ins',
    hint: () => 'wait for the lockout to end, then sign in interactively',
  },
  50055: {
    name: 'InvalidPasswordExpiredPassword',
    meaning: 'the password has expired',
    hint: () =>
      'change the password interactively (https://portal.microsoftonline.com/ChangePassword.aspx), then try again',
    interaction: true,
  },
  50076: {
    name: 'UserStrongAuthClientAuthNRequired',
    meaning: 'multi-factor authentication is required',
    hint: (c) =>
      c.grant === 'password'
        ? `the password grant cannot do MFA: use entra-token login or entra-token device-code${c.signInCommand ? ` (${c.signInCommand})` : ''}`
        : `complete multi-factor authentication in a browser: ${c.signInCommand ?? 'entra-token login (or entra-token device-code)'}`,
    interaction: true,
  },
  50079: {
    name: 'UserStrongAuthEnrollmentRequired',
    meaning: 'the user must enroll in multi-factor authentication',
    hint: () => 'enroll in MFA in a browser, then use entra-token login or device-code',
    interaction: true,
  },
  53003: {
    name: 'BlockedByConditionalAccess',
    meaning: 'a Conditional Access policy blocked the token',
    hint: () =>
      'look up the sign-in in the Entra sign-in logs; the policy may require a compliant device or block this flow',
  },
  65001: {
    name: 'DelegationDoesNotExist',
    meaning: 'the user or an administrator has not consented to the application',
    hint: (c) => {
      const url = adminConsentUrl(c);
      return `sign in interactively with \`prompt\` consent${url ? `, or have an administrator grant consent: ${url}` : ', or have an administrator grant consent (entra-token admin-consent-url)'}`;
    },
    interaction: true,
  },
  65004: {
    name: 'UserDeclinedConsent',
    meaning: 'the user declined to consent to the application',
    hint: () => 'sign in again and accept the consent prompt, or ask an administrator to consent for the tenant',
  },
  50058: {
    name: 'UserInformationNotProvided',
    meaning: 'a silent sign-in was requested but no user is signed in',
    hint: (c) => `drop \`prompt\` none; ${signIn(c)}`,
    interaction: true,
  },
  70008: {
    name: 'ExpiredOrRevokedGrant',
    meaning: 'the authorization code or refresh token has expired',
    hint: (c) => `codes live about 10 minutes: ${signIn(c)}`,
    interaction: true,
  },
  54005: {
    name: 'OAuth2 Authorization code was already redeemed',
    meaning: 'the authorization code was already redeemed',
    hint: (c) =>
      `a code can be redeemed only once (a double paste or a retry?); use the tokens from the first redemption, or ${signIn(c)}`,
  },
  501481: {
    name: 'InvalidCodeChallenge',
    meaning: 'the code_verifier does not match the code_challenge of the authorization request',
    hint: (c) => `the code belongs to another sign-in than the pending one; ${signIn(c)}`,
  },
  700082: {
    name: 'ExpiredOrRevokedGrantInactiveToken',
    meaning: 'the refresh token expired after 90 days of inactivity',
    hint: signIn,
    interaction: true,
  },
  700081: {
    name: 'ExpiredOrRevokedGrantMaxLifetime',
    meaning: 'the refresh token reached its maximum lifetime',
    hint: signIn,
    interaction: true,
  },
  700084: {
    name: 'SpaRefreshTokenExpired',
    meaning: 'the single-page-app refresh token reached its fixed 24 h lifetime',
    hint: signIn,
    interaction: true,
  },
  50173: {
    name: 'FreshTokenNeeded',
    meaning: 'the grant was revoked (a password change or reset)',
    hint: signIn,
    interaction: true,
  },
  70043: {
    name: 'BadTokenDueToSignInFrequency',
    meaning: 'Conditional Access sign-in frequency requires a fresh sign-in',
    hint: signIn,
    interaction: true,
  },
  50105: {
    name: 'EntitlementGrantsNotFound',
    meaning: 'the user is not assigned to the application',
    hint: () => 'an administrator must assign the user (or a group) to the enterprise application',
  },
  500011: {
    name: 'InvalidResourceServicePrincipalNotFound',
    meaning: 'the resource was not found in the tenant',
    hint: () =>
      `check the scope (${AZURE_DATABRICKS_SCOPE} for Azure Databricks); the AzureDatabricks service principal may be missing in this tenant`,
  },
  650057: {
    name: 'InvalidResource',
    meaning: "the resource is not in the application's requested permissions",
    hint: () => 'add "AzureDatabricks → user_impersonation" under the app registration\'s API permissions',
  },
  70016: {
    name: 'AuthorizationPending',
    meaning: 'the user has not finished the device code sign-in yet',
    hint: () => 'keep polling',
  },
  70020: {
    name: 'DeviceCodeExpired',
    meaning: 'the device code expired before the sign-in finished',
    hint: () => 'start a new device code sign-in: entra-token device-code',
    interaction: true,
  },
  70019: {
    name: 'CodeExpired',
    meaning: 'the verification code expired',
    hint: () => 'start a new device code sign-in: entra-token device-code',
    interaction: true,
  },
  50059: {
    name: 'MissingTenantRealmAndNoUserInformationProvided',
    meaning: 'no tenant could be identified',
    hint: () => 'use a tenant-specific authority (`tenant` <tenant id>) for client credentials',
  },
  9001023: {
    name: 'GrantTypeNotSupportedOverCommonOrConsumers',
    meaning: 'this grant is not supported over /common or /consumers',
    hint: () => 'use `tenant` organizations or your tenant id',
  },
  50196: {
    name: 'LoopDetected',
    meaning: 'a client loop was detected',
    hint: () => 'reuse cached tokens (entra-token token) instead of requesting new ones in a loop',
  },
  50020: {
    name: 'UserUnauthorized',
    meaning: 'the user account is from an identity provider that does not exist in the tenant',
    hint: () => 'sign in with an account of this tenant, or invite the user as a guest',
  },
  700054: {
    name: 'InvalidResponseTypeIdToken',
    meaning: 'the id_token response type is not enabled for the application',
    hint: () => 'use response_type=code (the default of entra-token)',
  },
};

/** Information for an AADSTS code, if known. */
export function aadstsInfo(code: number | undefined): AadstsInfo | undefined {
  return code === undefined ? undefined : AADSTS[code];
}
