/**
 * What `serve` and `exec` share: the workspace the server is bound to (host, resource id), where its
 * tokens come from (a token given on stdin or in $ENTRA_TOKEN_ACCESS_TOKEN, else the token cache with
 * silent refresh), the first token fetched before anything is announced (fail fast, with the sign-in
 * hint), and the loopback server itself (docs/protocol.md §12).
 */
import { err, readStdin, type CliContext } from './context.js';
import type { Runtime } from './runtime.js';
import { tokenFromInput } from './token-input.js';
import { tokenQuery } from './token-fast.js';
import { openStore } from './cache-store.js';
import {
  AZURE_DATABRICKS_APP_ID,
  checkWorkspaceToken,
  isPersonalAccessToken,
  normalizeWorkspaceHost,
  resolveResourceId,
} from '../apis/databricks.js';
import { EntraTokenError, badInput, usageError } from '../core/errors.js';
import { decodeJwtUnverified } from '../core/jwt.js';
import { metadataEnv, stillServable, type ServedToken } from '../core/metadata-service.js';
import { acquireTokenSilent } from '../flows/silent.js';
import { createTokenKeeper, type AcquireToken } from '../flows/metadata-token.js';
import { startMetadataServer, type MetadataServer } from '../io/metadata-server.js';

export interface MetadataFlags {
  host?: string;
  resourceId?: string;
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  tokenStdin?: boolean;
  account?: string;
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
/** A token without an expiry we can read (a personal access token) is re-announced for this long. */
const OPAQUE_TOKEN_MS = 60 * 60_000;

/** A fixed token (stdin or environment): served while it lasts, never renewed. */
function staticSource(token: string, now: () => number, origin: string): AcquireToken {
  let expiresAt: number | undefined;
  if (!isPersonalAccessToken(token)) {
    // refuse at start what Databricks would refuse on every call (wrong audience, expired)
    checkWorkspaceToken(token, { nowMs: now() });
    const exp = decodeJwtUnverified(token).claims.exp;
    if (typeof exp === 'number') expiresAt = exp * 1000;
  }
  return async () => {
    const at = expiresAt ?? now() + OPAQUE_TOKEN_MS;
    if (!stillServable(at, now()))
      throw new EntraTokenError('EINTERACTION_REQUIRED', `the access token from ${origin} has expired`, {
        hint: 'restart with a new token, or sign in once and let the server use the token cache',
      });
    return { access_token: token, expires_at: at };
  };
}

/** The token cache, refreshed silently under its lock (as `entra-token token`). */
function cacheSource(ctx: CliContext, rt: Runtime, account: string | undefined): AcquireToken {
  const query = tokenQuery({ scope: [DATABRICKS_SCOPE], ...(account ? { account } : {}) }, ctx.env);
  const store = openStore(ctx);
  return async (minValidMs) => {
    const r = await acquireTokenSilent(
      query,
      { store, http: () => rt.http, now: ctx.now, trace: rt.trace, signal: ctx.signal },
      minValidMs,
    );
    return { access_token: r.token.access_token, expires_at: r.token.expires_at };
  };
}

async function tokenSource(ctx: CliContext, rt: Runtime, flags: MetadataFlags): Promise<AcquireToken> {
  if (flags.tokenStdin) {
    const raw = tokenFromInput(await readStdin(ctx), 'access_token');
    if (/\s/.test(raw)) throw badInput('the access token contains whitespace', 'pass exactly one token');
    return staticSource(raw, ctx.now, 'standard input');
  }
  const fromEnv = ctx.env.ENTRA_TOKEN_ACCESS_TOKEN?.trim();
  if (fromEnv) return staticSource(fromEnv, ctx.now, '$ENTRA_TOKEN_ACCESS_TOKEN');
  return cacheSource(ctx, rt, flags.account);
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
  const source = await tokenSource(ctx, rt, flags);
  const keeper = createTokenKeeper({
    acquire: source,
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
