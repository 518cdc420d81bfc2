import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ConsoleWatch, launchBrowser, screenshot } from './support/browser';
import { eventually, hasCount, hasText, lacksText, textOf } from './support/eventually';
import { startStack, WORKER_TOKEN, type Stack } from './support/stack';

/**
 * The control-plane pages in Debian's Chromium against the real stack: the built workspace API
 * serving the dashboard, in remote mode through the built control plane, both on PostgreSQL, a fake
 * OpenAI-compatible provider behind it with a quota of one call per 15 s (so a second run visibly
 * waits its turn). The first account (Ada) is the instance admin; the second (Bob) is not. Every test
 * saves a screenshot and fails on a browser console error it did not provoke.
 */

interface Person {
  name: string;
  email: string;
  password: string;
}

const run = Date.now().toString(36);
const ada: Person = { name: 'Ada Lovelace', email: `ada-cp-${run}@example.com`, password: 'Correct-Horse-42' };
const bob: Person = { name: 'Bob Builder', email: `bob-cp-${run}@example.com`, password: 'Battery-Staple-77' };
const VIEWPORT = { width: 1400, height: 900 };
const QUOTA_WINDOW_SECONDS = 15;

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: ConsoleWatch;
let worker: ScriptedWorker | null = null;
const adasRuns: { id: string; title: string }[] = [];
const extraContexts: { context: BrowserContext; watch: ConsoleWatch }[] = [];

async function signUp(target: Page, person: Person): Promise<void> {
  await target.goto(`${stack.webUrl}/signup`);
  await target.getByLabel('Name').fill(person.name);
  await target.getByLabel('Email').fill(person.email);
  await target.getByLabel('Password').fill(person.password);
  await target.getByRole('button', { name: 'Sign up' }).click();
  await target.waitForURL(`${stack.webUrl}/rooms`);
}

/** Starts a run from the runs page's form; resolves on the run's own page, with its id. */
async function startRunFromTheForm(prompt: string): Promise<string> {
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.waitForURL(`${stack.webUrl}/runs`);
  await page.getByRole('button', { name: 'New run' }).click();
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop()!;
}

const main = () => page.locator('main');
const stateChip = () => page.locator('.page-header oz-run-state');

beforeAll(async () => {
  stack = await startStack({
    controlPlane: true,
    controlPlaneEnv: {
      OZ_PROVIDER_CUSTOM_MSG_LIMIT: '1',
      OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: String(QUOTA_WINDOW_SECONDS),
      OZ_QUEUE_ON_SATURATION: 'true',
      OZ_QUEUE_MAX_WAIT_SECONDS: '120',
    },
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: VIEWPORT });
  watch = new ConsoleWatch(context);
  page = await context.newPage();
});

afterEach(() => {
  expect(watch.take()).toEqual([]);
  for (const extra of extraContexts) expect(extra.watch.take()).toEqual([]);
});

afterAll(async () => {
  await worker?.close();
  await browser?.close();
  await stack?.stop();
});

test('opens a run and watches it go from queued to running to succeeded, its output streaming in, without a reload', async () => {
  watch.expect({ status: 401, path: '/api/auth/me' });
  await signUp(page, ada);
  // The admin's navigation has every control-plane page.
  for (const name of ['Runs', 'Environments', 'Schedules', 'Workers', 'Providers']) await page.locator('nav[aria-label="Main"]').getByRole('link', { name, exact: true }).waitFor();

  // A first run takes the provider's only call of the window…
  stack.llm.enqueue({ kind: 'answer', text: 'Warmed up.' });
  const first = await startRunFromTheForm('Warm up');
  adasRuns.push({ id: first, title: 'Warm up' });
  await hasText(stateChip(), 'Succeeded', 20_000);
  await hasText(page.locator('section[aria-labelledby="output-title"]'), 'Warmed up.');

  // …so the second waits its turn (queued), then runs and streams its answer.
  const pieces = ['## Release notes\n\n', '- Runs you can watch live\n', '- Environments with write-only secrets\n', '- Fewer bugs, promised\n'];
  stack.llm.enqueue({ kind: 'answer', chunks: pieces, chunkDelayMs: 1_500 });
  const second = await startRunFromTheForm('Write the release notes');
  adasRuns.push({ id: second, title: 'Write the release notes' });
  await page.evaluate(() => ((window as unknown as { ozSamePage: boolean }).ozSamePage = true));
  await hasText(stateChip(), 'Queued');
  await page.getByText('Live', { exact: true }).waitFor();
  await screenshot(page, 'run-queued');

  const output = page.locator('section[aria-labelledby="output-title"]');
  await hasText(stateChip(), 'Running', QUOTA_WINDOW_SECONDS * 1000 + 15_000);
  // Mid-stream: the first lines are there, the last is not yet.
  await hasText(output, 'Runs you can watch live', 15_000);
  expect(await textOf(output)).not.toContain('Fewer bugs');
  expect(await textOf(stateChip())).toContain('Running');
  await screenshot(page, 'run-live-streaming');

  await hasText(stateChip(), 'Succeeded', 20_000);
  await hasText(output, 'Fewer bugs, promised');
  expect(await output.locator('h2', { hasText: 'Release notes' }).count()).toBe(1);
  // The timeline saw each change as it happened, and it was the same page all along.
  const timeline = page.locator('ol.timeline');
  await hasText(timeline, 'Running');
  await hasText(timeline, 'Succeeded');
  expect(await page.evaluate(() => (window as unknown as { ozSamePage?: boolean }).ozSamePage)).toBe(true);
  await screenshot(page, 'run-succeeded');

  // The list shows both, finished, newest first.
  await page.getByRole('link', { name: 'All runs' }).click();
  const rows = page.locator('ul.runs li');
  await hasCount(rows, 2);
  await hasText(rows.first(), 'Write the release notes');
  await hasText(rows.first(), 'Succeeded');
});

test('creates, edits and deletes an environment; its secret is never shown again, nor sent back', async () => {
  const secret = `npm_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const bodies: string[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/api/cp/environments')) void response.text().then((body) => bodies.push(body), () => undefined);
  });
  await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Environments', exact: true }).click();
  await page.getByRole('heading', { name: 'No environments yet' }).waitFor();
  await page.getByRole('link', { name: 'Create an environment' }).click();
  await page.waitForURL(`${stack.webUrl}/environments/new`);
  await page.getByLabel('Name', { exact: true }).fill('node-22');
  await page.getByLabel('Docker image').fill('node:22');
  await page.getByLabel('Setup commands').fill('npm ci');
  await page.getByRole('button', { name: '+ Add a secret' }).click();
  await page.getByLabel('Name of secret 1').fill('NPM_TOKEN');
  await page.getByLabel('Value of NPM_TOKEN').fill(secret);
  await page.getByRole('button', { name: 'Create environment' }).click();
  await page.waitForURL(/\/environments\/[0-9a-f-]{36}$/);
  await page.getByText('node-22 was saved.').waitFor();

  // Saved: the secret's name is there, its value is not (an empty field that keeps it).
  const value = page.getByLabel('Value of NPM_TOKEN');
  await eventually(async () => expect(await page.getByLabel('Name of secret 1').inputValue()).toBe('NPM_TOKEN'));
  expect(await value.inputValue()).toBe('');
  expect(await value.getAttribute('placeholder')).toBe('•••••••• (unchanged)');
  await screenshot(page, 'environment-secrets-redacted');

  await page.getByLabel('Name', { exact: true }).fill('node-22-lts');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('node-22-lts was saved.').waitFor();
  await page.getByRole('link', { name: 'All environments' }).click();
  const list = page.locator('main');
  await hasText(list, 'node-22-lts');
  await hasText(list, '1 secrets');

  await page.getByRole('link', { name: /node-22-lts/ }).click();
  await page.getByRole('button', { name: 'Delete environment' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete environment' }).click();
  await page.waitForURL(`${stack.webUrl}/environments`);
  await page.getByRole('heading', { name: 'No environments yet' }).waitFor();

  await eventually(() => expect(bodies.length).toBeGreaterThan(3));
  for (const body of bodies) expect(body).not.toContain(secret);
  expect(bodies.some((body) => body.includes('"NPM_TOKEN":"<redacted>"'))).toBe(true);
  expect(await textOf(main())).not.toContain(secret);
});

test('shows the admin the workers as they connect, with what each runs, and the providers\' quota use', async () => {
  await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Workers', exact: true }).click();
  await page.getByRole('heading', { name: 'No worker is connected' }).waitFor();
  worker = await connectScriptedWorker(stack.controlPlaneUrl!, WORKER_TOKEN, 'build-1');
  // No reload: the admin's channel says when presence changes.
  await page.getByRole('heading', { name: 'build-1' }).waitFor({ timeout: 15_000 });
  await hasText(main(), 'Idle: no task running.');
  await screenshot(page, 'workers-live');

  await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Providers', exact: true }).click();
  await page.getByRole('heading', { name: 'custom' }).waitFor();
  await hasText(main(), `of 1 calls in the last ${QUOTA_WINDOW_SECONDS} s`);
  await page.getByRole('heading', { name: 'Quota use' }).waitFor();
  await screenshot(page, 'providers');
});

test('another user sees no workers or providers, and none of the admin\'s runs', async () => {
  const created = await browser.newContext({ viewport: VIEWPORT });
  const other = { context: created, watch: new ConsoleWatch(created), page: await created.newPage() };
  extraContexts.push(other);
  other.watch.expect({ status: 401, path: '/api/auth/me' });
  other.watch.expect({ status: 404, path: '/api/cp/runs/' });
  const cpAnswers: { url: string; status: number }[] = [];
  other.page.on('response', (response) => {
    if (response.url().includes('/api/cp/')) cpAnswers.push({ url: response.url(), status: response.status() });
  });
  await signUp(other.page, bob);
  const nav = other.page.locator('nav[aria-label="Main"]');
  await nav.getByRole('link', { name: 'Runs', exact: true }).waitFor();
  await hasCount(nav.getByRole('link', { name: 'Workers', exact: true }), 0);
  await hasCount(nav.getByRole('link', { name: 'Providers', exact: true }), 0);

  for (const [path, what] of [['/workers', 'workers'], ['/providers', 'providers']] as const) {
    await other.page.goto(`${stack.webUrl}${path}`);
    await other.page.getByRole('heading', { name: `Only the instance admin sees ${what}` }).waitFor();
    await lacksText(other.page.locator('main'), 'build-1');
    await lacksText(other.page.locator('main'), 'custom');
  }

  await other.page.goto(`${stack.webUrl}/runs`);
  await other.page.getByRole('heading', { name: 'No runs yet' }).waitFor();
  for (const { title } of adasRuns) expect(await textOf(other.page.locator('main'))).not.toContain(title);
  await screenshot(other.page, 'non-admin-runs');

  await other.page.goto(`${stack.webUrl}/runs/${adasRuns[1].id}`);
  await other.page.getByRole('heading', { name: 'This run does not exist' }).waitFor();
  expect(await textOf(other.page.locator('main'))).not.toContain('Release notes');

  // The pages never asked for the admin views, and the admin's run was a plain 404.
  expect(cpAnswers.filter((a) => a.url.includes('/api/cp/workers') || a.url.includes('/api/cp/providers'))).toEqual([]);
  expect(cpAnswers.filter((a) => a.url.includes(adasRuns[1].id)).map((a) => a.status)).toEqual([404]);
});
