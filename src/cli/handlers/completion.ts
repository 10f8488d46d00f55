/** `entra-token completion SHELL`: the completion script, generated from the program itself. */
import type { Handler } from '../command.js';
import { completionScript } from '../completion.js';
import { usageError } from '../../core/errors.js';

export const run: Handler = async (ctx, { args, program }) => {
  if (!program) throw usageError('completion needs the program to describe');
  ctx.stdout.write(completionScript(program, args[0] as 'bash' | 'zsh' | 'fish'));
};
