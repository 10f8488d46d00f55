/** `entra-token graph users list`: list the directory's users through Microsoft Graph with an access token. */
import { Option, type Command } from 'commander';
import { out, err, type CliContext } from '../context.js';

interface UsersListOptions {
  top?: string;
  max?: string;
  output: 'table' | 'json';
  graphUrl?: string;
  authority?: string;
  tokenStdin?: boolean;
  account?: string;
  skipTokenChecks?: boolean;
}

const GRAPH_AUDIENCES = [
  '00000003-0000-0000-c000-000000000000',
  'https://graph.microsoft.com',
  'https://graph.microsoft.com/',
];

export function register(program: Command, ctx: CliContext): void {
  const graph = program
    .command('graph')
    .description('call Microsoft Graph with an Entra access token')
    .addHelpText(
      'after',
      '\nThe token comes from --token-stdin, $ENTRA_TOKEN_ACCESS_TOKEN, or the token cache (scope\nhttps://graph.microsoft.com/.default, refreshed silently). An app-only token needs the\nUser.Read.All application permission (scope https://graph.microsoft.com/.default).\nExit codes: 0 ok, 2 usage, 7 token claim check failed, 9 Graph refused the call.',
    );
  const users = graph.command('users').description('users API');
  users
    .command('list')
    .description('list users (GET /v1.0/users, following @odata.nextLink on the same host)')
    .option('--top <n>', 'page size sent as $top (1-999); every page is fetched')
    .option('--max <n>', 'stop after this many users')
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--graph-url <url>', 'Graph base URL (default: $ENTRA_TOKEN_GRAPH_URL or https://graph.microsoft.com)')
    .option(
      '--authority <url>',
      'authority for the admin-consent link in hints, e.g. https://login.microsoftonline.com/<tenant>',
    )
    .option('--token-stdin', 'read the access token (or a token response JSON) from standard input')
    .option('--account <name>', 'which cached sign-in to use when several match (username or object id)')
    .option('--skip-token-checks', 'send the token even if its audience or lifetime look wrong')
    .action(async (opts: UsersListOptions, command: Command) => {
      await usersList(ctx, opts, command);
    });
}

function positive(name: string, v: string | undefined, max?: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || (max !== undefined && n > max)) return Number.NaN;
  return n;
}

async function usersList(ctx: CliContext, opts: UsersListOptions, command: Command): Promise<void> {
  const { EntraTokenError, usageError } = await import('../../core/errors.js');
  const top = positive('--top', opts.top, 999);
  if (Number.isNaN(top)) throw usageError(`--top must be an integer from 1 to 999, got ${JSON.stringify(opts.top)}`);
  const max = positive('--max', opts.max);
  if (Number.isNaN(max)) throw usageError(`--max must be a positive integer, got ${JSON.stringify(opts.max)}`);
  const { createRuntime } = await import('../runtime.js');
  const { resolveAccessToken } = await import('../access-token.js');
  const rt = await createRuntime(ctx, command);
  try {
    await listWith(
      ctx,
      opts,
      rt,
      await resolveAccessToken(ctx, rt, {
        tokenStdin: opts.tokenStdin,
        account: opts.account,
        scope: 'https://graph.microsoft.com/.default',
      }),
      top,
      max,
    );
  } finally {
    await rt.finish();
  }
}

async function listWith(
  ctx: CliContext,
  opts: UsersListOptions,
  rt: import('../runtime.js').Runtime,
  token: string,
  top: number | undefined,
  max: number | undefined,
): Promise<void> {
  const { EntraTokenError } = await import('../../core/errors.js');

  if (opts.skipTokenChecks) {
    err(ctx, 'warning: --skip-token-checks: sending the token without checking its audience or lifetime');
  } else {
    const { decodeJwtUnverified } = await import('../../core/jwt.js');
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

  const { listUsers } = await import('../../apis/graph.js');
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
    const { renderTable } = await import('../table.js');
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
