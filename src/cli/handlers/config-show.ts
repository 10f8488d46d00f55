/** `entra-token config show`: each effective setting and its source (body in config-show.ts). */
import type { Handler } from '../command.js';
import type { ConfigShowFlags } from '../commands/config.js';
import { configShow } from '../config-show.js';

export const run: Handler<ConfigShowFlags> = async (ctx, { global }) => {
  configShow(ctx, global as ConfigShowFlags & { httpTimeout?: string });
};
