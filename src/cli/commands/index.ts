/** Every command, one file each. Keep imports here cheap: handlers import their flows lazily. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export type Register = (program: Command, ctx: CliContext) => void;

export const COMMANDS: Register[] = [];
