/** `entra-token databricks api METHOD PATH [--data JSON|@file]`: any workspace API, its JSON answer printed. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Handler } from '../command.js';
import type { ApiOptions } from '../commands/databricks.js';
import { err, out } from '../context.js';
import { withRuntime } from '../runtime.js';
import { workspaceClient } from '../workspace.js';
import { withClaimsChallenge } from '../../flows/claims-challenge.js';
import { badInput, usageError } from '../../core/errors.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const run: Handler<ApiOptions> = async (ctx, { flags: opts, global, args }) => {
  const methodInput = args[0]!;
  const path = args[1]!;
  const method = methodInput.toUpperCase() as (typeof METHODS)[number];
  if (!METHODS.includes(method))
    throw usageError(`unsupported method ${JSON.stringify(methodInput)}: use ${METHODS.join(', ')}`);
  let data: unknown;
  if (opts.data !== undefined) {
    let text = opts.data;
    if (text.startsWith('@')) {
      try {
        text = await readFile(resolve(ctx.cwd, text.slice(1)), 'utf8');
      } catch (e) {
        throw badInput(`cannot read ${text.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    try {
      data = JSON.parse(text);
    } catch {
      throw badInput(
        '--data is not JSON',
        'pass a JSON object, e.g. --data \'{"cluster_id":"0103-141523-abcd1234"}\', or --data @file.json',
      );
    }
  }
  await withRuntime(ctx, global, async (rt) => {
    // a claims challenge (CAE): one new token with its claims, one more call (a 401 means nothing was done)
    const answer = await withClaimsChallenge(
      (claims) => workspaceClient(ctx, opts, rt, claims),
      (client) => client.call(method, path, data),
      { resource: 'Azure Databricks', trace: rt.trace, notify: (line) => err(ctx, line) },
    );
    out(ctx, JSON.stringify(answer, null, 2));
  });
};
