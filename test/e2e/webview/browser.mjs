// Headless Debian chromium through playwright-core, with a fresh profile per launch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.MCP_HARNESS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Returns {context, close}; close() also removes the profile directory. */
export async function launch({ width = 1400, height = 900, colorScheme = 'light' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'mh-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS.concat(['--enable-precise-memory-info']),
    viewport: { width, height },
    colorScheme,
    offline: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
