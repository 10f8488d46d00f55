/** Every command, one file each. Keep imports here cheap: handlers import their flows lazily. */
import type { Command } from 'commander';
import { register as authorizeUrl } from './authorize-url.js';
import { register as config } from './config.js';
import { register as doctor } from './doctor.js';
import { register as completion } from './completion.js';
import { register as databricks } from './databricks.js';
import { register as emulator } from './emulator.js';
import { register as exchange } from './exchange.js';
import { register as demo } from './demo.js';
import { register as graph } from './graph.js';
import type { CliContext } from '../context.js';
import { register as inspect } from './inspect.js';
import { register as login } from './login.js';
import { register as token } from './token.js';
import { register as auth } from './auth.js';
import { register as cache } from './cache.js';
import { register as password } from './password.js';
import { register as refresh } from './refresh.js';
import { register as clientCredentials } from './client-credentials.js';
import { register as deviceCode } from './device-code.js';
import { register as adminConsentUrl } from './admin-consent-url.js';
import { register as trace } from './trace.js';
import { register as audit } from './audit.js';
import { register as serve } from './serve.js';
import { register as exec } from './exec.js';
import { register as account } from './account.js';
import { register as whoami } from './whoami.js';

export type Register = (program: Command, ctx: CliContext) => void;

export const COMMANDS: Register[] = [
  authorizeUrl,
  exchange,
  demo,
  login,
  deviceCode,
  password,
  refresh,
  clientCredentials,
  adminConsentUrl,
  token,
  auth,
  cache,
  account,
  whoami,
  inspect,
  databricks,
  graph,
  serve,
  exec,
  emulator,
  config,
  doctor,
  completion,
  trace,
  audit,
];
