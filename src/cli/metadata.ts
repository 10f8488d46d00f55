/**
 * What `serve` and `exec` share: the workspace the server is bound to (host, resource id), where its
 * tokens come from (the credential chain, as for `token` and `databricks`), the first token fetched
 * before anything is announced (fail fast, with the sign-in hint; an interactive sign-in only then),
 * and the loopback server itself (docs/protocol.md §12).
 */
import { err, type CliContext } from './context.js';
import type { Runtime } from './runtime.js';
import { chainDeps, chainOptions, type CredentialFlags } from './credential.js';
import {
  AZURE_DATABRICKS_APP_ID,
  checkWorkspaceToken,
  normalizeWorkspaceHost,
  resolveResourceId,
} from '../apis/databricks.js';
import { challengeOfResponse } from '../core/claims-challenge.js';
import { EntraTokenError, usageError } from '../core/errors.js';
import { shellQuote } from '../core/sign-in-hint.js';
import { metadataEnv, stillServable, type ServedToken } from '../core/metadata-service.js';
import { getChainToken } from '../flows/credential.js';
import { createTokenKeeper, type AcquireToken } from '../flows/metadata-token.js';
import { startMetadataServer, type MetadataServer } from '../io/metadata-server.js';

export interface MetadataFlags extends CredentialFlags {
  host?: string;
  resourceId?: string;
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  port?: string;
}

export interface RunningMetadataService {
  server: MetadataServer;
  /** DATABRICKS_HOST, DATABRICKS_AUTH_TYPE, DATABRICKS_METADATA_SERVICE_URL (+ DATABRICKS_AZURE_RESOURCE_ID). */
  env: Record<string, string>;
}

const DATABRICKS_SCOPE = `${AZURE_DATABRICKS_APP_ID}/.default`;
/** Refusals logged (stderr and trace) before they are only counted. */
const MAX_LOGGED_REFUSALS = 100;

/**
 * The credential chain as the server's token source. The first call may sign in interactively (the
 * user is at the terminal); renewals never do. A token given as is (--token-stdin, ENTRA_TOKEN_ACCESS_TOKEN)
 * is served until it expires: stdin is read once.
 */
async function chainSource(
  ctx: CliContext,
  rt: Runtime,
  flags: MetadataFlags,
  command: string,
): Promise<{ acquire: AcquireToken; capabilities: readonly string[] }> {
  const [first, deps] = await Promise.all([chainOptions(ctx, flags), chainDeps(ctx, rt, command)]);
  const later = {
    ...first,
    interaction: { ...first.interaction, refused: 'a running metadata service never signs in interactively' },
  };
  let calls = 0;
  let given: ServedToken | undefined;
  const acquire: AcquireToken = async (claims) => {
    if (given && claims !== undefined)
      throw new EntraTokenError(
        'EINTERACTION_REQUIRED',
        'the workspace asked for a new token with claims, and the token given to the metadata service cannot carry them',
        {
          hint: `restart with a token acquired with --claims ${shellQuote(claims)}, or let the server use the token cache`,
        },
      );
    if (given) {
      if (!stillServable(given.expires_at, ctx.now()))
        throw new EntraTokenError(
          'EINTERACTION_REQUIRED',
          'the access token given to the metadata service has expired',
          {
            hint: 'restart with a new token, or sign in once and let the server use the token cache',
          },
        );
      return given;
    }
    const t = await getChainToken(calls++ === 0 ? first : later, deps, [DATABRICKS_SCOPE], { claims });
    // refuse what Databricks would refuse on every call (a token for another audience, already expired)
    checkWorkspaceToken(t.access_token, { nowMs: ctx.now() });
    const served: ServedToken = { access_token: t.access_token, expires_at: t.expires_at, renew_at: t.refresh_after };
    if (t.from === 'given') given = served;
    return served;
  };
  return { acquire, capabilities: first.clientCapabilities ?? [] };
}

/**
 * With CP1 declared, tokens are long-lived CAE tokens the workspace may revoke at any time, and a Databricks tool
 * cannot pass the 401 back: the server asks the workspace itself (`GET /api/2.0/preview/scim/v2/Me`, what the
 * SDKs' `currentUser.me()` reads) whether it still accepts a token before handing it out (docs/protocol.md §15).
 */
function workspaceCheck(
  ctx: CliContext,
  rt: Runtime,
  host: string,
  resourceId: string | undefined,
): (t: ServedToken) => Promise<string | undefined> {
  return async (t) => {
    const headers: Record<string, string> = { authorization: `Bearer ${t.access_token}`, accept: 'application/json' };
    if (resourceId) headers['x-databricks-azure-workspace-resource-id'] = resourceId;
    const res = await rt.http.send(
      { method: 'GET', url: `${host}/api/2.0/preview/scim/v2/Me`, headers, idempotent: true },
      { signal: ctx.signal, trace: rt.trace },
    );
    return challengeOfResponse(res)?.claims;
  };
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535)
    throw usageError(`--port must be a port number (1-65535), got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Start the metadata server for one workspace: resolve the host and resource id, get a first token
 * (so a missing sign-in fails here, with its hint, not in the client), then listen on 127.0.0.1.
 * Each request is a note in the trace; refusals are also one line on stderr.
 */
export async function startMetadataService(
  ctx: CliContext,
  rt: Runtime,
  flags: MetadataFlags,
  command: 'entra-token serve' | 'entra-token exec',
): Promise<RunningMetadataService> {
  const hostInput = flags.host ?? ctx.env.DATABRICKS_HOST;
  if (!hostInput)
    throw usageError(
      'no workspace host',
      'pass --host https://adb-<id>.<n>.azuredatabricks.net or set DATABRICKS_HOST',
    );
  const host = normalizeWorkspaceHost(hostInput);
  const resourceId = resolveResourceId(flags, ctx.env);
  const port = parsePort(flags.port);
  const source = await chainSource(ctx, rt, flags, command);
  const keeper = createTokenKeeper({
    acquire: source.acquire,
    ...(source.capabilities.includes('CP1') ? { check: workspaceCheck(ctx, rt, host, resourceId) } : {}),
    challenged: () =>
      err(ctx, 'entra-token: the workspace answered with a claims challenge: getting a new token with its claims'),
    now: ctx.now,
    warn: (line) => err(ctx, `entra-token: warning: ${line}`),
    renewed: (t: ServedToken) =>
      rt.trace.note(`metadata service: token ready, expires ${new Date(t.expires_at).toISOString()}`),
  });
  rt.trace.step('Get the first token');
  await keeper.token();
  rt.trace.step('Serve tokens on loopback');
  let server: MetadataServer;
  let refused = 0;
  try {
    server = await startMetadataServer({
      host,
      resourceId,
      token: () => keeper.token(),
      ...(port ? { port } : {}),
      onRequest: (line, status) => {
        if (status === 200 || status === 503) {
          rt.trace.note(line);
          return;
        }
        // a client looping on a refusal must not fill the terminal or the trace held in memory
        refused++;
        if (refused <= MAX_LOGGED_REFUSALS) {
          rt.trace.note(line);
          err(ctx, `entra-token: refused: ${line}`);
        } else if (refused === MAX_LOGGED_REFUSALS + 1) {
          err(ctx, `entra-token: more than ${MAX_LOGGED_REFUSALS} requests refused; further refusals are only counted`);
        }
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw usageError(`port ${port} on 127.0.0.1 is in use`, 'leave --port out for a free one');
    throw e;
  }
  return { server, env: metadataEnv(server.session, server.url) };
}
