/** Small helpers for the emulator's tests: form posts, JWT decoding, an auto-approved authorize leg. */
import type { Emulator } from '../../src/emulator/index.js';

export const DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function post(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Res> {
  const r = await fetch(url, { method: 'POST', body: new URLSearchParams(form), headers, redirect: 'manual' });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, text, json };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Res> {
  const r = await fetch(url, { redirect: 'manual', headers });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, text, json };
}

export function decode(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()),
  };
}

export function tokenUrl(emu: Emulator): string {
  return `${emu.info.authority}/oauth2/v2.0/token`;
}

export function authorizeUrl(emu: Emulator, params: Record<string, string>): string {
  const q = new URLSearchParams({
    client_id: emu.info.public_client_id,
    response_type: 'code',
    redirect_uri: 'http://localhost:8400/',
    scope: `${DATABRICKS_SCOPE} openid profile offline_access`,
    ...params,
  });
  return `${emu.info.authority}/oauth2/v2.0/authorize?${q}`;
}

/** Run an authorize request against an auto-approving emulator and return the redirect's parameters. */
export async function codeFor(emu: Emulator, params: Record<string, string> = {}): Promise<URLSearchParams> {
  const r = await get(authorizeUrl(emu, params));
  if (r.status !== 302) throw new Error(`authorize answered ${r.status}: ${r.text.slice(0, 300)}`);
  return new URL(r.headers.get('location')!).searchParams;
}

/** Assert-friendly view of an Entra error body. */
export function aadsts(body: Record<string, unknown>): number | undefined {
  const codes = body.error_codes as number[] | undefined;
  return codes?.[0];
}
