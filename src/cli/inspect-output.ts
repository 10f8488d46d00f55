/** The `inspect` handler and its two output formats (human text, JSON). */
import { out, err, readStdin, type CliContext } from './context.js';
import { EntraTokenError, usageError } from '../core/errors.js';
import { decodeJwtUnverified, tokensFromInput } from '../core/jwt.js';
import { throwIfUnverified, CLOCK_SKEW_SECONDS } from '../core/verify.js';
import { inspectToken, type InspectReport } from '../flows/inspect.js';
import type { ClaimExplanation } from '../core/claims.js';
import type { HttpClient } from '../io/http.js';
import { forTerminal } from '../core/terminal-text.js';
import { warnSecretOnArgv } from './secrets.js';
import { systemTimeZone } from '../io/time-zone.js';

export interface InspectCliOptions {
  verify?: boolean;
  audience?: string;
  cloud: 'public' | 'usgov' | 'china';
  authority?: string;
  issuer?: string;
  jwks?: string;
  expect?: 'databricks' | 'graph';
  tenant?: string;
  nonce?: string;
  strict?: boolean;
  clockSkew?: string;
  output: 'text' | 'json';
}

/** Read the input, inspect each token in it, print, then fail on verification problems or (--strict) warnings. */
export async function runInspect(ctx: CliContext, arg: string | undefined, o: InspectCliOptions): Promise<void> {
  if (o.authority && o.cloud !== 'public') throw usageError('give either --cloud or --authority, not both');
  if (o.issuer && (o.authority || o.cloud !== 'public'))
    throw usageError(`give either --issuer or ${o.authority ? '--authority' : '--cloud'}, not both`);
  if (o.issuer && o.tenant)
    throw usageError(
      '--tenant cannot be combined with --issuer: the issuer decides the tenant',
      'drop --tenant; --verify checks the issuer itself',
    );
  if ((o.audience || o.jwks) && !o.verify) throw usageError(`${o.audience ? '--audience' : '--jwks'} needs --verify`);
  const skew = o.clockSkew === undefined ? CLOCK_SKEW_SECONDS : Number(o.clockSkew);
  if (!Number.isInteger(skew) || skew < 0 || skew > 3600)
    throw usageError(`--clock-skew ${o.clockSkew} is not a whole number of seconds from 0 to 3600`);
  let input: string;
  if (arg !== undefined && arg !== '-') input = arg;
  else {
    if (arg === undefined && ctx.stdin.isTTY)
      throw usageError(
        'no token given',
        'pass a token as the argument, or pipe one: entra-token token | entra-token inspect -',
      );
    input = await readStdin(ctx);
  }
  const tokens = tokensFromInput(input);
  // (garbage that decodes as no token is no secret: it gets its EBAD_INPUT alone)
  if (arg !== undefined && arg !== '-' && tokens.some((t) => decodes(t.token)))
    warnSecretOnArgv(ctx, 'the token', 'pipe it instead: entra-token token | entra-token inspect (or inspect < file)');
  const now = ctx.now();
  const reports: InspectReport[] = [];
  // keys are fetched with this run's environment (proxy settings, ENTRA_TOKEN_TIMEOUT), not the process's
  let http: HttpClient | undefined;
  if (o.verify && !o.jwks) {
    const timeoutMs = ctx.env.ENTRA_TOKEN_TIMEOUT ? Math.round(Number(ctx.env.ENTRA_TOKEN_TIMEOUT) * 1000) : undefined;
    // the HTTP stack (undici) only for --verify: decoding alone needs no network
    const { createHttpClient } = await import('../io/http.js');
    http = createHttpClient({ env: ctx.env, ...(timeoutMs && Number.isFinite(timeoutMs) ? { timeoutMs } : {}) });
  }
  const send = http ? http.send.bind(http) : undefined;
  let provider: { issuer: string; jwks_uri: string | undefined } | undefined;
  if (o.issuer && o.verify) {
    // any OpenID provider: its own issuer and jwks_uri, from its discovery document
    // (options.ts, loaded only here: decoding alone needs none of it)
    const { discoverAuthority } = await import('./options.js');
    const a = await discoverAuthority(o.issuer, ctx);
    provider = { issuer: a.issuer!, jwks_uri: a.metadata?.jwks_uri };
  }
  try {
    for (const t of tokens) {
      reports.push(
        await inspectToken(t.token, t.source, {
          now,
          timeZone: ctx.env.TZ || systemTimeZone(),
          verify: o.verify,
          audience: o.audience,
          cloud: o.cloud,
          authority: o.authority,
          provider,
          jwksFile: o.jwks,
          clockSkewSeconds: skew,
          expect: o.expect,
          tenant: o.tenant,
          nonce: o.nonce,
          signal: ctx.signal,
          send,
        }),
      );
    }
  } finally {
    await http?.close();
  }
  if (o.output === 'json') {
    const json =
      reports.length === 1 ? toJson(reports[0]!) : Object.fromEntries(reports.map((r) => [r.source, toJson(r)]));
    out(ctx, JSON.stringify(json, null, 2));
    for (const r of reports)
      for (const w of r.warnings)
        err(
          ctx,
          forTerminal(`entra-token: warning: ${reports.length > 1 ? `${r.source}: ` : ''}${w.message}`, {
            oneLine: true,
          }),
        );
  } else {
    out(ctx, reports.map((r) => renderText(r, reports.length > 1, skew)).join('\n'));
  }
  for (const r of reports) throwIfUnverified(r.verification);
  const warnings = reports.flatMap((r) => r.warnings);
  if (o.strict && warnings.length > 0) {
    throw new EntraTokenError(
      'ECLAIM',
      `${warnings.length} warning${warnings.length > 1 ? 's' : ''} with --strict: ${warnings[0]!.message}`,
      {
        detail: { warnings: warnings.map((w) => w.code) },
      },
    );
  }
}

const byClaim = (list: ClaimExplanation[]): Record<string, string> =>
  Object.fromEntries(list.map((e) => [e.claim, e.meaning]));

/** The JSON shape: {header, claims, explanations, verdict, verification: {verified, kid, issuer, problems[]}, …}. */
export function toJson(r: InspectReport): Record<string, unknown> {
  return {
    source: r.source,
    kind: r.kind,
    verdict: r.verdict,
    header: r.header,
    claims: r.claims,
    header_explanations: byClaim(r.headerExplanations),
    explanations: byClaim(r.explanations),
    warnings: r.warnings,
    verification: {
      requested: r.verification.requested,
      verified: r.verification.verified,
      kid: r.verification.kid ?? null,
      issuer: r.verification.issuer ?? null,
      keys_from: r.verification.keysFrom ?? null,
      problems: r.verification.problems,
    },
  };
}

/** A claim value on one line, every control and bidi character shown escaped (a forged token draws nothing). */
function show(v: unknown): string {
  return forTerminal(typeof v === 'string' ? v : JSON.stringify(v), { oneLine: true });
}

function section(title: string, list: ClaimExplanation[]): string[] {
  const width = Math.min(20, Math.max(...list.map((e) => e.claim.length), 3) + 2);
  return [
    title,
    ...list.flatMap((e) => [
      `  ${e.claim.padEnd(width)}${show(e.value)}`,
      `  ${' '.repeat(width)}${e.known ? e.meaning : '(unknown claim: not in the catalogue)'}`,
    ]),
  ];
}

/** Human text: verdict, verification status, header, claims, warnings. */
export function renderText(r: InspectReport, withSource: boolean, skew: number): string {
  const lines: string[] = [];
  if (withSource) lines.push(`== ${r.source} ==`);
  lines.push(r.verdict);
  const v = r.verification;
  if (!v.requested) lines.push('NOT VERIFIED: decoded only (signature, issuer and lifetime not checked; add --verify)');
  else if (v.verified)
    lines.push(
      `VERIFIED: signature by key ${v.kid ?? '(no kid)'} from ${v.keysFrom}, issuer ${v.issuer}, lifetime (clock skew ${skew} s)`,
    );
  else lines.push(`NOT VERIFIED: ${v.problems[0]!.message}`);
  lines.push('', ...section('Header', r.headerExplanations), '', ...section('Claims', r.explanations));
  if (v.requested && v.problems.length > 0) {
    lines.push('', 'Verification problems', ...v.problems.map((p) => `  ${p.code} ${p.reason}: ${p.message}`));
  }
  if (r.warnings.length > 0) lines.push('', 'Warnings', ...r.warnings.map((w) => `  ! ${w.message}`));
  // messages quote claim values too: each line is made safe on its own, so none can fake another
  return lines.map((l) => forTerminal(l, { oneLine: true })).join('\n');
}

function decodes(token: string): boolean {
  try {
    decodeJwtUnverified(token);
    return true;
  } catch {
    return false;
  }
}
