/** The environment a test gives the program: state and cache under `dir`, never the user's own folders. */
import { join } from 'node:path';

export type IsolatedEnv = {
  ENTRA_TOKEN_STATE_DIR: string;
  ENTRA_TOKEN_CACHE_DIR: string;
  XDG_STATE_HOME: string;
};

export function isolatedEnv<E extends Record<string, string>>(dir: string, extra?: E): IsolatedEnv & E {
  return {
    ENTRA_TOKEN_STATE_DIR: join(dir, 'state'),
    ENTRA_TOKEN_CACHE_DIR: join(dir, 'cache'),
    XDG_STATE_HOME: join(dir, 'xdg'),
    ...(extra as E),
  };
}
