import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = join(__dirname, '../../screenshots');

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
export function launchBrowser(): Promise<Browser> {
  const executablePath = process.env['OZ_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}: install Debian's (apt-get install -y chromium) or set OZ_E2E_CHROMIUM`);
  }
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** An HTTP error a test causes on purpose (Chrome reports every failed request as a console error). */
export interface ExpectedFailure {
  status: number;
  /** Part of the request's path, e.g. `/api/auth/me`. */
  path: string;
}

/**
 * Records every console error and uncaught exception of the pages of a context. The only ones
 * forgiven are "Failed to load resource" reports of requests the test expects to fail.
 */
export class ConsoleWatch {
  readonly errors: string[] = [];
  private readonly expected: ExpectedFailure[] = [];

  constructor(context: BrowserContext) {
    const watchPage = (page: Page) => {
      page.on('console', (message) => this.onConsole(message));
      page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
    };
    context.pages().forEach(watchPage);
    context.on('page', watchPage);
  }

  /** The errors so far, forgetting them (each test checks its own). */
  take(): string[] {
    return this.errors.splice(0);
  }

  expect(failure: ExpectedFailure): void {
    this.expected.push(failure);
  }

  private onConsole(message: ConsoleMessage): void {
    if (message.type() !== 'error') return;
    const text = message.text();
    const url = message.location().url ?? '';
    const status = /status of (\d{3})/.exec(text)?.[1];
    const forgiven =
      text.startsWith('Failed to load resource') &&
      this.expected.some((e) => String(e.status) === status && url.includes(e.path));
    if (!forgiven) this.errors.push(`${text}${url ? ` (${url})` : ''}`);
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
