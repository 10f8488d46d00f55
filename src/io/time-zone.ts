/**
 * The system's time zone by name, as the runtime finds it when TZ is not set: the target of the
 * /etc/localtime link (…/zoneinfo/Europe/Paris). Lets `inspect` say "UTC" without loading Intl's time-zone
 * data (core/claims.ts formatTime); undefined where there is no such link (Windows, a copied file).
 */
import { readlinkSync } from 'node:fs';

export function systemTimeZone(): string | undefined {
  try {
    return /\/zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
  } catch {
    return undefined;
  }
}
