/** Put real emulator tokens (password grant) into a token cache directory, with a chosen expiry. */
import { FileTokenStore, putTokens } from '../../../src/io/token-cache.js';
import type { Emulator } from '../../../src/emulator/index.js';

export const DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

export interface Seeded {
  access_token: string;
  refresh_token: string;
}

/** Sign alice in with ROPC against the emulator and cache the answer as if it expires at `expiresAt`. */
export async function seedCache(dir: string, emu: Emulator, expiresAt: number): Promise<Seeded> {
  const i = emu.info;
  const res = await fetch(`${i.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: i.public_client_id,
      grant_type: 'password',
      username: i.username,
      password: i.password,
      scope: `${DATABRICKS_SCOPE} openid profile offline_access`,
      client_info: '1',
    }),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`seed: ${res.status} ${JSON.stringify(body)}`);
  const idClaims = JSON.parse(Buffer.from(body.id_token!.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    string
  >;
  await new FileTokenStore(dir).update((d) => {
    putTokens(d, {
      authority: i.authority,
      client_id: i.public_client_id,
      scopes: [DATABRICKS_SCOPE, 'openid', 'profile', 'offline_access'],
      tokens: {
        token_type: body.token_type!,
        access_token: body.access_token!,
        expires_on: new Date(expiresAt).toISOString(),
        scope: body.scope,
        refresh_token: body.refresh_token,
        client_info: body.client_info,
      },
      idToken: {
        oid: idClaims.oid,
        tid: idClaims.tid,
        preferred_username: idClaims.preferred_username,
        name: idClaims.name,
      },
      now: Date.now(),
    });
  });
  return { access_token: body.access_token!, refresh_token: body.refresh_token! };
}

/** Refresh-token grants the emulator received. */
export function refreshRequests(emu: Emulator): number {
  return emu.requests().filter((r) => r.form?.grant_type === 'refresh_token').length;
}
