import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ConsoleWatch, launchBrowser, screenshot } from './support/browser';
import { eventually, hasCount, hasText, lacksText } from './support/eventually';
import { startStack, type Stack } from './support/stack';

/**
 * The dashboard in Debian's Chromium against the real stack (the built workspace API serving the built
 * SPA, in remote mode through the built control plane, both on PostgreSQL, with a fake
 * OpenAI-compatible provider behind). The tests run in order and build on each other:
 * one account, one agent, one room. Every test saves a screenshot under screenshots/ and fails on
 * any browser console error other than the HTTP failures it provokes on purpose.
 */

interface Person {
  name: string;
  email: string;
  password: string;
}

const run = Date.now().toString(36);
const ada: Person = { name: 'Ada Lovelace', email: `ada-${run}@example.com`, password: 'Correct-Horse-42' };
const bob: Person = { name: 'Bob Builder', email: `bob-${run}@example.com`, password: 'Battery-Staple-77' };
const VIEWPORT = { width: 1400, height: 900 };

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: ConsoleWatch;
let roomUrl = '';
const extraContexts: { context: BrowserContext; watch: ConsoleWatch }[] = [];

async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; watch: ConsoleWatch; page: Page }> {
  const created = await browser.newContext({ viewport: VIEWPORT, ...options });
  const createdWatch = new ConsoleWatch(created);
  extraContexts.push({ context: created, watch: createdWatch });
  return { context: created, watch: createdWatch, page: await created.newPage() };
}

async function signUp(target: Page, person: Person): Promise<void> {
  await target.goto(`${stack.webUrl}/signup`);
  await target.getByLabel('Name').fill(person.name);
  await target.getByLabel('Email').fill(person.email);
  await target.getByLabel('Password').fill(person.password);
  await target.getByRole('button', { name: 'Sign up' }).click();
  await target.waitForURL(`${stack.webUrl}/rooms`);
}

function column(target: Page, status: 'backlog' | 'in_progress' | 'done'): Locator {
  return target.locator(`section[aria-labelledby="column-${status}"] ul.cards`);
}

/** A pointer drag as a person does it: press, move past CDK's threshold, glide to the target, release. */
async function drag(target: Page, source: Locator, destination: Locator): Promise<void> {
  const from = await source.boundingBox();
  const to = await destination.boundingBox();
  if (!from || !to) throw new Error('drag: source or destination is not visible');
  await target.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await target.mouse.down();
  await target.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 5 });
  await target.mouse.move(to.x + to.width / 2, to.y + Math.min(to.height / 2, 40), { steps: 20 });
  await target.mouse.up();
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: VIEWPORT });
  watch = new ConsoleWatch(context);
  page = await context.newPage();
});

afterEach(() => {
  // No console errors in any page of any context, besides the failures each test expected.
  expect(watch.take()).toEqual([]);
  for (const extra of extraContexts) expect(extra.watch.take()).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('signs up through the form, with the server\'s reasons shown beside the fields, and lands on the first-run page', async () => {
  // Signed out, the app asks who is signed in (401) and goes to the login page.
  watch.expect({ status: 401, path: '/api/auth/me' });
  watch.expect({ status: 400, path: '/api/auth/signup' });
  await page.goto(`${stack.webUrl}/rooms`);
  await page.waitForURL(/\/login\?next=%2Frooms/);
  await page.getByRole('link', { name: 'Create an account' }).click();

  await page.getByLabel('Name').fill(ada.name);
  await page.getByLabel('Email').fill(ada.email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await hasText(page.locator('#signup-password-error'), '12');

  await page.getByLabel('Password').fill(ada.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(`${stack.webUrl}/rooms`);
  await page.getByRole('heading', { name: 'Welcome! Three steps to your first agent reply' }).waitFor();
  await hasText(page.locator('nav[aria-label="Main"]'), ada.name);
  await screenshot(page, 'signup-first-run');
});

test('creates an agent and a room with it', async () => {
  await page.getByRole('link', { name: 'Create an agent' }).click();
  await page.waitForURL(`${stack.webUrl}/agents/new`);
  await page.getByLabel('Name', { exact: true }).fill('Rex');
  await page.getByLabel('Harness').selectOption('custom');
  await page.getByLabel('System prompt').fill('You plan product launches. Answer in short Markdown.');
  await page.getByLabel('Skills').fill('planning\nwriting');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  expect(await page.getByLabel('Skills').inputValue()).toBe('planning\nwriting');

  await page.getByRole('button', { name: 'New room' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('launch-plan');
  await dialog.getByLabel('Description').fill('Everything about the spring launch.');
  await dialog.getByRole('checkbox').check();
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/rooms\/[0-9a-f-]{36}/);
  roomUrl = page.url().split('?')[0];
  await page.getByRole('heading', { name: 'launch-plan' }).waitFor();
  await page.getByText('Live', { exact: true }).waitFor();
  await hasText(page.locator('nav[aria-label="Main"]'), 'launch-plan');
  await screenshot(page, 'room-created');
});

test('@mentions the agent with the autocomplete and watches its reply stream in', async () => {
  const pieces = ['## Launch plan\n\n', '1. Freeze the scope ', 'on **Monday**\n', '2. Write the post\n', '3. Ship it on ', 'Thursday.'];
  stack.llm.enqueue({ kind: 'answer', chunks: pieces, chunkDelayMs: 500 });
  const composer = page.getByRole('combobox', { name: 'Message' });
  await composer.click();
  await composer.pressSequentially('@Re');
  const picker = page.getByRole('listbox', { name: 'Agents to mention' });
  await hasCount(picker.getByRole('option'), 1);
  await hasText(picker.getByRole('option'), 'Rex');
  await composer.press('Tab');
  expect(await composer.inputValue()).toBe('@Rex ');
  await composer.pressSequentially('plan the launch');
  await composer.press('Enter');
  await eventually(async () => expect(await composer.inputValue()).toBe(''));

  await hasText(page.locator('article[aria-label^="Ada Lovelace"]'), 'plan the launch');
  const reply = page.locator('article[aria-label^="Rex"]');
  // Mid-stream: the first pieces are there, the end is not, and the reply says it is being written.
  await hasText(reply, 'Freeze the scope');
  await reply.getByText('writing', { exact: true }).waitFor();
  await page.getByText('Rex is replying…').waitFor();
  expect(await reply.innerText()).not.toContain('Thursday');
  await screenshot(page, 'room-reply-streaming');

  await hasText(reply, 'Ship it on Thursday.', 15_000);
  expect(await reply.locator('h2').innerText()).toBe('Launch plan');
  await hasCount(reply.getByText('writing', { exact: true }), 0);
  await hasCount(page.getByText('Rex is replying…'), 0);
  expect(stack.llm.requests.at(-1)?.prompt).toContain('plan the launch');
  await screenshot(page, 'room-reply-done');
});

test('drags a task across columns and a second browser sees it move live; the keyboard moves cards too', async () => {
  const backlog = page.locator('section[aria-labelledby="column-backlog"]');
  await backlog.getByRole('button', { name: '+ Add a task' }).click();
  for (const title of ['Write the launch post', 'Ship it']) {
    await backlog.getByLabel('New task in Backlog').fill(title);
    await backlog.getByLabel('New task in Backlog').press('Enter');
    await hasText(column(page, 'backlog'), title);
  }

  // The same person in a second browser window (same session), watching the room.
  const second = await newContext({ storageState: await context.storageState() });
  await second.page.goto(roomUrl);
  await hasCount(column(second.page, 'backlog').locator('li.task-card'), 2);

  await drag(page, column(page, 'backlog').locator('li.task-card', { hasText: 'Write the launch post' }), column(page, 'in_progress'));
  await hasText(column(page, 'in_progress'), 'Write the launch post');
  await hasText(column(second.page, 'in_progress'), 'Write the launch post', 5_000);
  await lacksText(column(second.page, 'backlog'), 'Write the launch post');

  // Keyboard: focus a card, Alt+→ twice moves it to Done.
  const ship = column(page, 'backlog').locator('li.task-card', { hasText: 'Ship it' });
  await ship.focus();
  await page.keyboard.press('Alt+ArrowRight');
  await hasText(column(page, 'in_progress'), 'Ship it');
  await page.keyboard.press('Alt+ArrowRight');
  await hasText(column(page, 'done'), 'Ship it');
  await hasText(column(second.page, 'done'), 'Ship it', 5_000);
  await hasCount(page.getByRole('status').filter({ hasText: 'Moved “Ship it” to Done' }), 1);
  await screenshot(second.page, 'board-live');
});

test('stops a reply in progress; the text so far stays, marked as stopped', async () => {
  stack.llm.enqueue({ kind: 'answer', chunks: ['A long essay begins. ', 'It goes on ', 'and on ', 'and on ', 'and on.'], chunkDelayMs: 1_500 });
  const composer = page.getByRole('combobox', { name: 'Message' });
  await composer.fill('@Rex write a long essay');
  await composer.press('Enter');
  const reply = page.locator('article[aria-label^="Rex"]').last();
  await hasText(reply, 'A long essay begins.');
  await reply.getByRole('button', { name: 'Stop' }).click();
  await reply.getByText('stopped', { exact: true }).waitFor();
  expect(await reply.innerText()).toContain('A long essay begins.');
  expect(await reply.innerText()).not.toContain('and on.');
  await hasCount(page.getByText('Rex is replying…'), 0);
  await screenshot(page, 'reply-stopped');
});

test('scrolls back through history a page at a time, keeping the reader\'s place', async () => {
  // 120 messages, posted through the API with the same session (no mentions: no agent replies).
  const api = context.request;
  const created = await api.post(`${stack.webUrl}/api/rooms`, { data: { name: 'history' } });
  expect(created.status()).toBe(201);
  const historyRoom = (await created.json()) as { id: string };
  for (let i = 1; i <= 120; i++) {
    const posted = await api.post(`${stack.webUrl}/api/rooms/${historyRoom.id}/messages`, { data: { content: `message ${i}` } });
    expect(posted.ok()).toBe(true);
  }
  await page.goto(`${stack.webUrl}/rooms/${historyRoom.id}`);
  const scroller = page.getByRole('region', { name: 'Messages' });
  const bubble = (n: number) => page.locator('oz-message', { has: page.getByText(`message ${n}`, { exact: true }) });
  // The newest page (71–120), read from the bottom.
  await bubble(120).waitFor();
  await hasCount(bubble(70), 0);

  // Scroll to the top and note where message 71 is, in the same tick (before the older page can arrive).
  const topOf = (n: number, scrollToTop: boolean) =>
    scroller.evaluate(
      (el, args) => {
        if (args.scrollToTop) el.scrollTop = 0;
        const bubbleEl = [...el.querySelectorAll('oz-message')].find((m) => m.textContent?.trim().endsWith(`message ${args.n}`));
        return bubbleEl ? bubbleEl.getBoundingClientRect().top : null;
      },
      { n, scrollToTop },
    );
  const y0 = await topOf(71, true);
  expect(y0).not.toBeNull();
  await bubble(70).waitFor();
  await hasCount(bubble(21), 1);
  // The older page went in above: message 71 has not moved on screen.
  await page.waitForTimeout(200);
  const y1 = await topOf(71, false);
  expect(Math.abs((y1 ?? 0) - (y0 ?? 0))).toBeLessThan(4);
  expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(500);

  await scroller.evaluate((el) => (el.scrollTop = 0));
  await bubble(1).waitFor();
  await page.getByText('This is the start of the room.').waitFor();
  await screenshot(page, 'history-paged');
});

test('another user gets nothing at /rooms/:id of a room that is not theirs', async () => {
  const other = await newContext();
  other.watch.expect({ status: 401, path: '/api/auth/me' });
  other.watch.expect({ status: 404, path: '/api/rooms/' });
  other.watch.expect({ status: 404, path: '/api/events' });
  const answers: { url: string; status: number; body: string }[] = [];
  other.page.on('response', (response) => {
    // Bob's own channel (/api/events/me) is his and stays open; every answer about A's room must be a 404.
    if (response.url().includes('/api/rooms/') || response.url().includes('/api/events?')) {
      void response.text().then(
        (body) => answers.push({ url: response.url(), status: response.status(), body }),
        () => answers.push({ url: response.url(), status: response.status(), body: '' }),
      );
    }
  });
  await signUp(other.page, bob);
  await other.page.goto(roomUrl);
  await other.page.getByRole('heading', { name: 'This room does not exist' }).waitFor();
  expect(await other.page.locator('main').innerText()).not.toContain('launch-plan');
  expect(await other.page.locator('main').innerText()).not.toContain('plan the launch');
  expect(await other.page.locator('nav[aria-label="Main"]').innerText()).not.toContain('launch-plan');
  await eventually(() => expect(answers.length).toBeGreaterThan(0));
  for (const answer of answers) {
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('launch-plan');
  }
  await screenshot(other.page, 'foreign-room');
});
