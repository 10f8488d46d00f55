/**
 * `entra-token completion SHELL`: the completion script, generated from the program itself. The bundled bin
 * has each shell's script rendered at build time (scripts/build-entry.mjs, from the same program), so it
 * prints it without building the program.
 */
import type { Handler } from '../command.js';
import { completionScript } from '../completion.js';
import { usageError } from '../../core/errors.js';

/** Set by scripts/build-entry.mjs: each shell's script (a string each: only the one asked for is used). */
declare const __COMPLETION_BASH__: string | undefined;
declare const __COMPLETION_ZSH__: string | undefined;
declare const __COMPLETION_FISH__: string | undefined;

export const run: Handler = async (ctx, { args, program }) => {
  const shell = args[0] as 'bash' | 'zsh' | 'fish';
  const prerendered =
    typeof __COMPLETION_BASH__ !== 'string'
      ? undefined
      : shell === 'bash'
        ? __COMPLETION_BASH__
        : shell === 'zsh'
          ? __COMPLETION_ZSH__
          : __COMPLETION_FISH__;
  if (prerendered !== undefined) {
    ctx.stdout.write(prerendered);
    return;
  }
  if (!program) throw usageError('completion needs the program to describe');
  ctx.stdout.write(completionScript(program, shell));
};
