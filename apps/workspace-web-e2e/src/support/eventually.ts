import type { Locator } from 'playwright-core';

/**
 * Retries `check` (Jest expectations inside) until it passes or `timeoutMs` runs out, then throws its
 * last failure: the page updates on its own, so assertions wait for it like a person would.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export const textOf = async (locator: Locator): Promise<string> => ((await locator.count()) ? await locator.innerText() : '');

export function hasText(locator: Locator, text: string, timeoutMs?: number): Promise<void> {
  return eventually(async () => expect(await textOf(locator)).toContain(text), timeoutMs);
}

export function lacksText(locator: Locator, text: string, timeoutMs?: number): Promise<void> {
  return eventually(async () => expect(await textOf(locator)).not.toContain(text), timeoutMs);
}

export function hasCount(locator: Locator, count: number, timeoutMs?: number): Promise<void> {
  return eventually(async () => expect(await locator.count()).toBe(count), timeoutMs);
}
