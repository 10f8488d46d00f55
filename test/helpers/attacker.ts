/**
 * Another local user, for attacker tests: commands run under a uid that is not ours through `setpriv`
 * (util-linux). Tests that need one skip, with the reason, when setpriv is missing or we are not root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const ATTACKER_UID = 4242;

/** Why attacker tests cannot run here, or undefined when they can. */
export function attackerUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'needs root to switch to another uid with setpriv';
  const r = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'setpriv (util-linux) is not installed';
  return undefined;
}

const PRIV = ['--reuid', String(ATTACKER_UID), '--regid', String(ATTACKER_UID), '--clear-groups', '--'];

/** Run a command as the attacker and wait for it. */
export function asAttacker(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [...PRIV, command, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Start a long-running command as the attacker. */
export function spawnAsAttacker(command: string, args: string[]): ChildProcess {
  return spawn('setpriv', [...PRIV, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
