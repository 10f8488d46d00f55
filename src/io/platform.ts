/** This process's platform, as every request describes it (docs/protocol.md §2.9). No network code here. */
import { ENTRA_TOKEN_VERSION, type PlatformInfo } from '../core/platform.js';

export const PLATFORM: PlatformInfo = {
  version: ENTRA_TOKEN_VERSION,
  os: process.platform,
  cpu: process.arch,
  node: process.versions.node,
};
