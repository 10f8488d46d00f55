// @azure/msal-node (a real client) against the emulator over TLS (issue 20): the device code flow, whose polls
// use the short grant type `device_code`, and two certificate acquisitions that reuse one client assertion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, fetch as undiciFetch } from 'undici';
import { ConfidentialClientApplication, PublicClientApplication, type INetworkModule } from '@azure/msal-node';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { decode } from './helpers.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { createHttpClient } from '../../src/io/http.js';
import { passwordTokens } from '../../src/flows/password.js';

let emu: Emulator;
let network: INetworkModule;
before(async () => {
  emu = await startEmulator({ tls: true });
  // MSAL's own client uses the global fetch, which cannot be told to trust one CA; the same calls through
  // undici with the emulator's CA
  const dispatcher = new Agent({ connect: { ca: emu.tlsCaPem! } });
  const send = async (url: string, method: string, options?: { headers?: Record<string, string>; body?: string }) => {
    const r = await undiciFetch(url, {
      method,
      dispatcher,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
    });
    return {
      headers: Object.fromEntries(r.headers) as Record<string, string>,
      body: (await r.json()) as never,
      status: r.status,
    };
  };
  network = {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
});
after(() => emu.close());

const authority = () => emu.info.authority;
const knownAuthorities = () => [new URL(emu.url).host];

test('MSAL Node device code flow: polls with grant_type=device_code and gets tokens once the code is approved', async () => {
  const app = new PublicClientApplication({
    auth: { clientId: emu.info.public_client_id, authority: authority(), knownAuthorities: knownAuthorities() },
    system: { networkClient: network },
  });
  const result = await app.acquireTokenByDeviceCode({
    scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
    deviceCodeCallback: (r) => {
      assert.match(r.userCode, /^[A-Z0-9]{9}$/);
      emu.approveDeviceCode(r.userCode, 'approve');
    },
  });
  assert.ok(result);
  assert.equal(decode(result.accessToken).payload.upn, emu.info.username);
  const polls = emu.requests().filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
  assert.ok(polls.length >= 1);
  assert.ok(
    polls.every((r) => r.form?.grant_type === 'device_code'),
    JSON.stringify(polls.map((r) => r.form?.grant_type)),
  );
  assert.equal(polls.at(-1)!.status, 200);
});

test('MSAL Node with a certificate: Databricks then Graph reuse one client assertion, and both succeed', async () => {
  emu.clearRequests();
  const thumbprintSha256 = Buffer.from(emu.certificate.x5tS256, 'base64url').toString('hex').toUpperCase();
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: emu.info.certificate_client_id,
      authority: authority(),
      knownAuthorities: knownAuthorities(),
      clientCertificate: { thumbprintSha256, privateKey: emu.certificate.keyPem },
    },
    system: { networkClient: network },
  });
  const dbx = await app.acquireTokenByClientCredential({ scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'] });
  const graph = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  assert.equal(decode(dbx!.accessToken).payload.appidacr, '2');
  assert.equal(decode(graph!.accessToken).payload.appid, emu.info.certificate_client_id);
  const posts = emu.requests().filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
  assert.equal(posts.length, 2);
  assert.ok(posts[0]!.form?.client_assertion);
  assert.equal(posts[1]!.form?.client_assertion, posts[0]!.form?.client_assertion, 'MSAL reused its assertion');
  assert.deepEqual(
    posts.map((r) => r.status),
    [200, 200],
  );
});

test("MSAL Node's platform hints, field by field, are the ones entra-token sends: x-client-SKU/VER/OS/CPU, client_info=1, X-AnchorMailbox on ROPC", async () => {
  emu.clearRequests();
  const app = new PublicClientApplication({
    auth: { clientId: emu.info.public_client_id, authority: authority(), knownAuthorities: knownAuthorities() },
    system: { networkClient: network },
  });
  const r = await app.acquireTokenByUsernamePassword({
    scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
    username: emu.info.username,
    password: emu.info.password,
  });
  assert.ok(r?.accessToken);
  const msal = emu.requests().find((q) => q.path.endsWith('/oauth2/v2.0/token'))!;
  // MSAL Node: the library parameters as form fields, the OS as Node names it
  assert.equal(msal.form!['x-client-SKU'], 'msal.js.node');
  assert.equal(msal.form!['x-client-OS'], process.platform);
  assert.equal(msal.form!['x-client-CPU'], process.arch);
  assert.equal(msal.form!.client_info, '1');
  assert.equal(msal.headers['x-anchormailbox'], `UPN: ${emu.info.username}`);

  // entra-token's password grant against the same directory (a plain-http emulator: our client trusts only the
  // CAs Node was started with, and loopback http is allowed)
  const plain = await startEmulator();
  const http = createHttpClient({ env: {} });
  try {
    const ours = await passwordTokens(
      {
        authority: resolveAuthority({ authority: plain.info.authority }),
        client_id: plain.info.public_client_id,
        username: plain.info.username,
        password: plain.info.password,
        scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default'],
      },
      { http, now: Date.now },
    );
    assert.ok(ours.tokens.access_token);
  } finally {
    await http.close();
    await plain.close();
  }
  const sent = plain.requests().find((q) => q.path.endsWith('/oauth2/v2.0/token'))!;
  // MSAL also sends its telemetry (x-client-current-telemetry, x-client-last-telemetry), which entra-token does not
  const platformOf = (f: Record<string, string>) => Object.keys(f).filter((k) => /^x-client-(SKU|VER|OS|CPU)$/.test(k));
  assert.deepEqual(
    Object.keys(sent.form!).filter((k) => k.startsWith('x-client-')),
    platformOf(msal.form!),
    'the same platform parameters, in the same order',
  );
  assert.equal(sent.form!['x-client-OS'], msal.form!['x-client-OS']);
  assert.equal(sent.form!['x-client-CPU'], msal.form!['x-client-CPU']);
  assert.equal(sent.form!.client_info, msal.form!.client_info);
  // msal-common's header writes `UPN: <username>`; its form parameter (and MSAL Python) `UPN:<username>` — ours
  assert.equal(sent.headers['x-anchormailbox'], `UPN:${emu.info.username}`);
});
