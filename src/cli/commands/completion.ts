/** `entra-token completion bash|zsh|fish`: a completion script generated from the program itself. */
import { Argument, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { handle } from '../command.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('completion')
    .description('print a shell completion script, generated from the commands and options of this version')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      '\nExamples (install):\n' +
        '  entra-token completion bash > ~/.local/share/bash-completion/completions/entra-token\n' +
        '  entra-token completion zsh > "${fpath[1]}/_entra-token"   # then: autoload -U compinit && compinit\n' +
        '  entra-token completion fish > ~/.config/fish/completions/entra-token.fish',
    );
  handle(cmd, ctx, () => import('../handlers/completion.js'));
}
