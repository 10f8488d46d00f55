/**
 * Real headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser build), each launch with a fresh user-data directory.
 * Without Chromium, local runs skip with the reason; with CI=true the tests fail instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or undefined when they can (throws under CI=true). */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} not found (apt-get install -y chromium); skipping the real-browser tests`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  return reason;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launch Chromium with a fresh profile; `close()` removes the profile. */
export async function launchChromium(): Promise<Chromium> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'entra-token-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 640 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Skip (locally) or fail (CI) when Chromium is missing; returns true when the test should go on. */
export function needChromium(t: TestContext): boolean {
  const missing = chromiumMissing();
  if (missing) {
    t.skip(missing);
    console.log(`# SKIP browser test: ${missing}`);
    return false;
  }
  return true;
}
