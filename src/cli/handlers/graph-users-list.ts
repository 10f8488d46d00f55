/** `entra-token graph users list`: the directory's users through Microsoft Graph, as a table or JSON. */
import type { Handler } from '../command.js';
import type { UsersListOptions } from '../commands/graph.js';
import type { CliContext } from '../context.js';
import { err, out } from '../context.js';
import { chainToken } from '../credential.js';
import { withRuntime, type Runtime } from '../runtime.js';
import { renderTable } from '../table.js';
import { listUsers } from '../../apis/graph.js';
import { withClaimsChallenge } from '../../flows/claims-challenge.js';
import { EntraTokenError, usageError } from '../../core/errors.js';
import { decodeJwtUnverified } from '../../core/jwt.js';

const GRAPH_AUDIENCES = [
  '00000003-0000-0000-c000-000000000000',
  'https://graph.microsoft.com',
  'https://graph.microsoft.com/',
];

function positive(v: string | undefined, max?: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || (max !== undefined && n > max)) return Number.NaN;
  return n;
}

export const run: Handler<UsersListOptions> = async (ctx, { flags: opts, global }) => {
  // --top is the number of users listed (as users of Graph's $top expect of a CLI); --page-size is Graph's $top
  const [limitFlag, limitValue] = opts.top !== undefined ? ['--top', opts.top] : ['--max', opts.max];
  const max = positive(limitValue);
  if (Number.isNaN(max)) throw usageError(`${limitFlag} must be a positive integer, got ${JSON.stringify(limitValue)}`);
  const pageSize = positive(opts.pageSize, 999);
  if (Number.isNaN(pageSize))
    throw usageError(`--page-size must be an integer from 1 to 999, got ${JSON.stringify(opts.pageSize)}`);
  const top = pageSize ?? (max !== undefined && max <= 999 ? max : undefined);
  await withRuntime(ctx, global, async (rt) => {
    // a claims challenge from Graph (CAE, Conditional Access): one new token with its claims, one more call
    await withClaimsChallenge(
      (claims) => chainToken(ctx, rt, opts, ['https://graph.microsoft.com/.default'], undefined, claims),
      // hints link to the authority the token came from (the cached or new sign-in's), unless --authority names another
      (t) =>
        listWith(ctx, { ...opts, authority: opts.authority ?? t.account?.authority }, rt, t.access_token, top, max),
      { resource: 'Microsoft Graph', trace: rt.trace, notify: (line) => err(ctx, line) },
    );
  });
};

async function listWith(
  ctx: CliContext,
  opts: UsersListOptions,
  rt: Runtime,
  token: string,
  top: number | undefined,
  max: number | undefined,
): Promise<void> {
  if (opts.skipTokenChecks) {
    err(ctx, 'entra-token: warning: --skip-token-checks: sending the token without checking its audience or lifetime');
  } else {
    const { claims } = decodeJwtUnverified(token);
    if (!GRAPH_AUDIENCES.includes(String(claims.aud))) {
      throw new EntraTokenError(
        'ECLAIM',
        `the token's audience is ${JSON.stringify(claims.aud)}, not Microsoft Graph`,
        {
          hint: 'request a token with scope https://graph.microsoft.com/.default',
          detail: { claim: 'aud', expected: GRAPH_AUDIENCES[0], actual: claims.aud },
        },
      );
    }
    if (typeof claims.exp === 'number' && claims.exp <= Math.floor(ctx.now() / 1000)) {
      throw new EntraTokenError('ECLAIM', `the token expired ${Math.floor(ctx.now() / 1000) - claims.exp} s ago`, {
        hint: 'get a new access token',
        detail: { claim: 'exp', expected: '> now', actual: claims.exp },
      });
    }
  }

  rt.trace.step('Call Microsoft Graph');
  {
    const users = await listUsers({
      token,
      send: (req, o) => rt.http.send(req, { signal: ctx.signal, trace: rt.trace, ...o }),
      graphUrl: opts.graphUrl ?? ctx.env.ENTRA_TOKEN_GRAPH_URL,
      ...(top === undefined ? {} : { top }),
      ...(max === undefined ? {} : { max }),
      ...(opts.authority === undefined ? {} : { authority: opts.authority }),
    });
    if (opts.output === 'json') {
      out(ctx, JSON.stringify(users, null, 2));
      return;
    }
    if (users.length === 0) {
      err(ctx, 'no users');
      return;
    }
    ctx.stdout.write(
      renderTable(users, [
        { header: 'ID', value: (u) => u.id },
        { header: 'DISPLAY NAME', value: (u) => u.displayName, max: 32 },
        { header: 'USER PRINCIPAL NAME', value: (u) => u.userPrincipalName },
        { header: 'MAIL', value: (u) => u.mail },
        { header: 'JOB TITLE', value: (u) => u.jobTitle, max: 32 },
      ]),
    );
  }
}
