/**
 * `entra-token completion SHELL`: the completion script, generated from the program itself. The bundled bin
 * has each shell's script rendered at build time (scripts/build-entry.mjs, from the same program), so it
 * prints it without building the program.
 */
import type { Handler } from '../command.js';
import { completionScript } from '../completion.js';
import { usageError } from '../../core/errors.js';

/** Set by scripts/build-entry.mjs: each shell's script, as JSON. */
declare const __COMPLETION_JSON__: string | undefined;

export const run: Handler = async (ctx, { args, program }) => {
  const shell = args[0] as 'bash' | 'zsh' | 'fish';
  const prerendered =
    typeof __COMPLETION_JSON__ === 'string'
      ? (JSON.parse(__COMPLETION_JSON__) as Record<string, string>)[shell]
      : undefined;
  if (prerendered !== undefined) {
    ctx.stdout.write(prerendered);
    return;
  }
  if (!program) throw usageError('completion needs the program to describe');
  ctx.stdout.write(completionScript(program, shell));
};
