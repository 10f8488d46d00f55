/**
 * `entra-token demo` (`npm run demo`): the documented flow end to end against the embedded emulator,
 * step by step: authorize URL, sign-in, redirect, token request, token, its claims, the Databricks call.
 * Secrets are shown redacted, as in every trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handler } from '../command.js';
import { out } from '../context.js';
import { WorkspaceClient } from '../../apis/databricks.js';
import { resolveAuthority } from '../../core/authority.js';
import { verdict } from '../../core/claims.js';
import { decodeJwtUnverified } from '../../core/jwt.js';
import { isSecretName, redactBody, redactSecret } from '../../core/redact.js';
import { startEmulator } from '../../emulator/index.js';
import { exchangeCode, startAuthorization } from '../../flows/auth-code.js';
import { createHttpClient } from '../../io/http.js';
import { FilePendingStore } from '../../io/pending.js';
import { Trace } from '../../io/trace.js';
import { AZURE_DATABRICKS_SCOPE, OIDC_SCOPES } from '../../core/clouds.js';

export const run: Handler = async (ctx) => {
  const line = (s = '') => out(ctx, s);
  const head = (n: number, title: string) =>
    line(`\n── Step ${n}: ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);
  const emu = await startEmulator({ autoApprove: true });
  const dir = mkdtempSync(join(tmpdir(), 'entra-token-demo-'));
  const http = createHttpClient({ env: {} });
  try {
    line('entra-token demo: the Azure Databricks documentation\'s "get a user token by hand" flow, against the');
    line(`embedded emulator of Entra ID (${emu.info.url}) and a Databricks workspace (${emu.info.workspace_url}).`);
    line(`Tenant ${emu.info.tenant_id}, public client app ${emu.info.public_client_id}, user ${emu.info.username}.`);

    const authority = resolveAuthority({ authority: emu.info.authority });
    const pending = new FilePendingStore(join(dir, 'pending'));
    const trace = new Trace(ctx.now);

    head(1, 'Build the authorize URL (entra-token authorize-url)');
    const started = await startAuthorization(
      {
        authority,
        client_id: emu.info.public_client_id,
        redirect_uri: 'http://localhost',
        scopes: [AZURE_DATABRICKS_SCOPE, ...OIDC_SCOPES],
      },
      { pending, now: ctx.now, trace },
    );
    line(started.url);
    line(
      '  state: 256 random bits · PKCE: code_challenge = BASE64URL(SHA256(code_verifier)), S256 · nonce for the id token',
    );

    head(2, "Sign in (a browser; here the emulator's auto-approve)");
    const res = await http.send({ method: 'GET', url: started.url, headers: {}, idempotent: true });
    const redirect = res.headers.location ?? '';
    line(`GET authorize → ${res.status} Found, signed in as ${emu.info.username}`);

    head(3, 'The redirect the browser lands on (copy it from the address bar)');
    line(
      redirect.replace(/([?&#]code=)([^&]+)/, (_m, p: string, v: string) => p + redactSecret(decodeURIComponent(v))),
    );

    head(4, "Exchange the code (entra-token exchange '<redirect>')");
    const result = await exchangeCode({ input: { redirect, via: 'demo' }, pending }, { http, now: ctx.now, trace });
    line(`POST ${result.request.url}`);
    line('Content-Type: application/x-www-form-urlencoded');
    for (const [k, v] of result.request.form ?? []) line(`  ${k}=${isSecretName(k) ? redactSecret(v) : v}`);
    line(`→ HTTP ${result.response.status}`);
    line(JSON.stringify(JSON.parse(redactBody(result.response.body, 'application/json')), null, 2));
    line('  state verified against the pending sign-in · id token nonce, aud and tenant checked');

    head(5, 'The access token: who, what for, until when (entra-token inspect)');
    const at = decodeJwtUnverified(result.tokens.access_token);
    line(verdict(at.header, at.claims, ctx.now()));
    for (const k of ['aud', 'iss', 'ver', 'scp', 'upn', 'tid', 'appid']) {
      if (at.claims[k] !== undefined) line(`  ${k.padEnd(6)} ${JSON.stringify(at.claims[k])}`);
    }

    head(6, 'Call Databricks: GET /api/2.1/clusters/list (entra-token databricks clusters list)');
    const ws = new WorkspaceClient({
      host: String(emu.info.workspace_url),
      token: result.tokens.access_token,
      send: (r, o) => http.send(r, o),
    });
    const clusters = await ws.listClusters({ apiVersion: '2.1' }); // the command's default (every page)
    line(`Authorization: Bearer ${redactSecret(result.tokens.access_token)}`);
    line(`→ ${clusters.length} clusters`);
    for (const c of clusters) {
      line(
        `  ${String(c.cluster_id).padEnd(22)} ${String(c.cluster_name ?? '').padEnd(20)} ${String(c.state ?? '').padEnd(11)} ${String(c.spark_version ?? '')}`,
      );
    }
    line(
      '\nDone. Every secret above is shown as prefix…[length hmac:mark] (a keyed mark: equal values match within one run, a guess cannot be tested); run any command with --trace to see the whole wire.',
    );
  } finally {
    await http.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
