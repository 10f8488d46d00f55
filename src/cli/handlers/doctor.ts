/** `entra-token doctor`: run the checks of doctor.ts against this machine and print them. */
import { withFlags } from '../param-flags.js';
import type { Handler } from '../command.js';
import type { DoctorFlags } from '../commands/doctor.js';
import { EntraTokenError, usageError, type ErrorCode } from '../../core/errors.js';
import { discoveryUrl } from '../../core/discovery.js';
import { cacheDir, stateDir } from '../../io/paths.js';
import { out, type CliContext } from '../context.js';
import { runChecks, systemProbes, type Check, type Probes } from '../doctor.js';
import { authorityFromSettings, endpointSource, httpTimeoutMs, resolveSettings } from '../options.js';

export const run: Handler<DoctorFlags> = async (ctx, { flags, global }) => {
  await doctor(ctx, { ...global, ...flags });
};

/** Tests replace the probes here. */
export let probeOverride: ((p: Probes) => Probes) | undefined;
export function setProbeOverride(f: ((p: Probes) => Probes) | undefined): void {
  probeOverride = f;
}

export function renderChecks(checks: Check[]): string {
  const label = { ok: 'ok     ', warning: 'warning', failure: 'FAILURE' } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  return (
    checks
      .map(
        (c) =>
          `${label[c.status]}  ${c.name.padEnd(width)}  ${c.message}${c.fix && c.status !== 'ok' ? `\n${' '.repeat(11 + width)}fix: ${c.fix}` : ''}`,
      )
      .join('\n') + '\n'
  );
}

export async function doctor(
  ctx: CliContext,
  flags: { port?: string; skipNetwork?: boolean; output: 'text' | 'json'; httpTimeout?: string; [k: string]: unknown },
): Promise<void> {
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65_535)
      throw usageError(`--port must be a port number between 1 and 65535 (got ${flags.port})`);
  }
  let probeUrl: string | undefined;
  let configProblem: { message: string; code: ErrorCode } | undefined;
  try {
    const { config } = resolveSettings(flags, ctx);
    const ep = endpointSource(config.settings);
    if (ep?.kind === 'issuer') probeUrl = discoveryUrl(ep.setting.value);
    else {
      // no tenant is needed to check the host: organizations has a discovery document too
      if (!config.settings.tenant && ep?.kind !== 'authority')
        config.settings.tenant = { value: 'organizations', source: { kind: 'default' } };
      probeUrl = authorityFromSettings(config, {
        cloud: typeof flags.cloud === 'string' ? flags.cloud : undefined,
      }).discoveryV2;
    }
  } catch (e) {
    if (!(e instanceof EntraTokenError)) throw e;
    configProblem = { message: withFlags(e.message), code: e.code };
  }
  let probes = await systemProbes(ctx.env, ctx.now, ctx.signal, httpTimeoutMs(flags.httpTimeout, ctx.env));
  if (probeOverride) probes = probeOverride(probes);
  const checks = await runChecks(probes, {
    probeUrl,
    configProblem,
    port,
    stateDir: stateDir(ctx.env),
    cacheDir: cacheDir(ctx.env),
    skipNetwork: Boolean(flags.skipNetwork),
  });
  if (flags.output === 'json') out(ctx, JSON.stringify({ checks }, null, 2));
  else ctx.stdout.write(renderChecks(checks));
  const failures = checks.filter((c) => c.status === 'failure');
  if (failures.length) {
    throw new EntraTokenError(
      failures[0]!.code ?? 'ENETWORK',
      `doctor found ${failures.length} failure${failures.length === 1 ? '' : 's'}: ${failures.map((f) => f.name).join(', ')}`,
    );
  }
}
