/**
 * Every handler, by its file name: the bundled bin's commander-free dispatch (dispatch-fast.ts) loads the one a
 * run asks for from here. Each commands/NAME.ts still names its own handler with `handle()`; the build
 * (scripts/build-entry.mjs) checks that each command's loader and its entry here load the same module, and
 * test/cli/argv-spec.test.ts that every command has one.
 */
import type { Handler } from './command.js';

export const HANDLERS: Record<string, () => Promise<{ run: Handler<never> }>> = {
  'account-use': () => import('./handlers/account-use.js'),
  'admin-consent-url': () => import('./handlers/admin-consent-url.js'),
  audit: () => import('./handlers/audit.js'),
  'auth-describe': () => import('./handlers/auth-describe.js'),
  'authorize-url': () => import('./handlers/authorize-url.js'),
  'cache-clear': () => import('./handlers/cache-clear.js'),
  'cache-list': () => import('./handlers/cache-list.js'),
  'client-credentials': () => import('./handlers/client-credentials.js'),
  completion: () => import('./handlers/completion.js'),
  'config-show': () => import('./handlers/config-show.js'),
  'databricks-api': () => import('./handlers/databricks-api.js'),
  'databricks-clusters-list': () => import('./handlers/databricks-clusters-list.js'),
  demo: () => import('./handlers/demo.js'),
  'device-code': () => import('./handlers/device-code.js'),
  doctor: () => import('./handlers/doctor.js'),
  emulator: () => import('./handlers/emulator.js'),
  exchange: () => import('./handlers/exchange.js'),
  exec: () => import('./handlers/exec.js'),
  'graph-users-list': () => import('./handlers/graph-users-list.js'),
  inspect: () => import('./handlers/inspect.js'),
  login: () => import('./handlers/login.js'),
  password: () => import('./handlers/password.js'),
  refresh: () => import('./handlers/refresh.js'),
  serve: () => import('./handlers/serve.js'),
  token: () => import('./handlers/token.js'),
  'trace-show': () => import('./handlers/trace-show.js'),
  whoami: () => import('./handlers/whoami.js'),
};
