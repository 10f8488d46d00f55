/** `entra-token inspect [TOKEN|-]`: decode and explain a token; --verify checks it (body in inspect-output.ts). */
import type { Handler } from '../command.js';
import { runInspect, type InspectCliOptions } from '../inspect-output.js';

export const run: Handler<InspectCliOptions> = async (ctx, { flags, args }) => {
  await runInspect(ctx, args[0], flags);
};
