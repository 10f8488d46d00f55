/** The browser stand-in: GET an authorize URL and read the redirect's Location (followed by nobody). */
import assert from 'node:assert/strict';
import { request } from 'undici';

/** GET `url`, expect the 302 an auto-approving emulator answers, and return its Location. */
export async function browse(url: string): Promise<string> {
  const res = await request(url, { method: 'GET' });
  await res.body.text();
  assert.equal(res.statusCode, 302, `authorize answered ${res.statusCode}`);
  return res.headers.location as string;
}
