/**
 * Where secrets come from: a no-echo prompt on a terminal, standard input, a file, or the environment.
 * Never argv by default: other local users can read a process's arguments (ps, /proc/PID/cmdline).
 * Secrets are returned to the caller and never written anywhere.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EntraTokenError, badInput, usageError } from '../core/errors.js';
import type { CliContext } from './context.js';
import { err, readStdin } from './context.js';

/** Standard input, without the one line ending a shell or `echo` adds. */
export async function secretFromStdin(ctx: CliContext, what: string): Promise<string> {
  if (ctx.stdin.isTTY) {
    throw usageError(
      `--${what}-stdin reads the ${what.replace(/-/g, ' ')} from a pipe, but standard input is a terminal`,
      `pipe it: printf %s "$SECRET" | entra-token … --${what}-stdin`,
    );
  }
  const text = (await readStdin(ctx, 64 * 1024)).replace(/\r?\n$/, '');
  if (!text) throw badInput(`standard input is empty: no ${what.replace(/-/g, ' ')} was given`);
  return text;
}

/** A secret file: the first line (trailing newline removed); warns when others may read it. */
export async function secretFromFile(ctx: CliContext, file: string, what: string): Promise<string> {
  const path = resolve(ctx.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badInput(
      `cannot read the ${what} file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error')}`,
    );
  }
  try {
    const st = await stat(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      err(
        ctx,
        `entra-token: warning: ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 ${file}`,
      );
    }
  } catch {
    /* the read succeeded; the mode check is advisory */
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret.trim()) throw badInput(`the ${what} file ${file} is empty`);
  if (secret.includes('\n'))
    throw badInput(`the ${what} file ${file} has more than one line`, 'put only the secret value in the file');
  return secret;
}

type RawStdin = CliContext['stdin'] & { setRawMode?: (raw: boolean) => unknown };

/**
 * Ask for a secret on the terminal without echo: raw mode, Backspace edits, Enter ends, Ctrl-C (or the
 * context's abort signal) cancels with ECANCELLED, Ctrl-D on an empty line cancels too.
 */
export function promptHidden(ctx: CliContext, prompt: string): Promise<string> {
  const stdin = ctx.stdin as RawStdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(usageError('no terminal to ask for the secret on'));
  }
  ctx.stderr.write(prompt);
  return new Promise<string>((resolvePromise, reject) => {
    let value = '';
    const finish = (error?: EntraTokenError) => {
      stdin.removeListener('data', onData);
      ctx.signal.removeEventListener('abort', onAbort);
      try {
        stdin.setRawMode!(false);
      } catch {
        /* the terminal is gone */
      }
      stdin.pause();
      ctx.stderr.write('\n');
      if (error) reject(error);
      else resolvePromise(value);
    };
    const cancel = () => new EntraTokenError('ECANCELLED', 'cancelled at the password prompt; nothing was sent');
    const onAbort = () => finish(cancel());
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\u0003') return finish(cancel());
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0004') {
          if (value === '') return finish(cancel());
          return finish();
        }
        if (ch === '\u007f' || ch === '\b') {
          value = [...value].slice(0, -1).join('');
          continue;
        }
        if (ch === '\u0015') {
          value = ''; // Ctrl-U clears the line
          continue;
        }
        if (ch < ' ') continue; // other control characters (arrow-key escapes) are ignored
        value += ch;
      }
    };
    if (ctx.signal.aborted) return finish(cancel());
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    stdin.setRawMode!(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
