// Playwright helpers that drive the VS Code workbench the way a person does: activity bar, tree rows, the command
// palette, hovers, screenshots. Selectors are the workbench's own stable class names and aria labels.
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from './codeServer';

export const resultsDir = path.join(repoRoot, 'test-results');

const DEFAULT_TIMEOUT = 45_000;

/** Opens `url` and waits until the workbench and its extension host are up. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  // The activity bar and status bar render only after the workbench finished its layout and restored views.
  await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Shows the view container whose activity-bar entry's aria-label starts with `label` (e.g. "OKD", "Explorer").
 * Clicking an entry that is already shown would hide the side bar, so that case is left alone.
 */
export async function openViewContainer(page: Page, label: string): Promise<void> {
  const item = page.locator('.activitybar .action-item').filter({ has: page.locator(`a[aria-label^="${cssString(label)}"]`) }).first();
  await item.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  const shown = (await item.getAttribute('class'))?.split(/\s+/).includes('checked') && (await page.locator('.part.sidebar').isVisible());
  if (!shown) await item.locator('a').first().click();
  await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
}

/** The tree/list row whose label is exactly `label`. */
export function treeRow(page: Page, label: string): Locator {
  return page.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly(label) }) }).first();
}

/**
 * Expands the tree rows along `labels`, in order (each one must be visible after the previous expanded). The row is
 * looked up again on every check: a view that refreshes (the Cluster view does on every watch event) replaces its
 * row elements, so a held element handle can go stale. A click lost to such a re-render is repeated.
 */
export async function expandTreePath(page: Page, ...labels: string[]): Promise<Locator> {
  let row: Locator | undefined;
  for (const label of labels) {
    row = treeRow(page, label);
    await row.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    const deadline = Date.now() + DEFAULT_TIMEOUT;
    let clickedAt = 0;
    for (;;) {
      const expanded = await row.getAttribute('aria-expanded');
      if (expanded === 'true') break;
      if (Date.now() > deadline) throw new Error(`tree row "${label}" did not expand within ${DEFAULT_TIMEOUT} ms`);
      if (expanded === 'false' && Date.now() - clickedAt > 2_000) {
        await row.click();
        clickedAt = Date.now();
      }
      await page.waitForTimeout(100);
    }
  }
  if (!row) throw new Error('expandTreePath needs at least one label');
  return row;
}

/**
 * Runs a command from the palette by its title as shown there, e.g. "OKD: Show Log". The palette lists only
 * commands of extensions scanned so far, so right after the workbench opens it is reopened until the entry shows.
 * `asks`: the command opens a picker or input box of its own, so the quick input does not close; the caller waits
 * for it.
 */
export async function runCommand(page: Page, title: string, timeoutMs = DEFAULT_TIMEOUT, options: { asks?: boolean } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    await input.fill(`>${title}`);
    try {
      // Enter before the list has filtered would run whatever was listed first.
      await entry.waitFor({ state: 'visible', timeout: 2_000 });
      break;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the palette after ${timeoutMs} ms`, { cause: error });
    }
  }
  // A click on that entry, not Enter: Enter runs the highlighted entry, which fuzzy matching may rank first
  // (typing "OKD: Restore Operator" also lists "OKD: Restore All Operators", recently used first).
  await entry.click();
  if (!options.asks) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: DEFAULT_TIMEOUT });
}

/**
 * Clicks `target` until `ran` sees its action begin, as a user whose click did nothing clicks again. This workbench
 * drops clicks that only a test is quick enough to make: a context menu ignores its items' mouseup until a 100 ms
 * timer from its opening has fired (menu.ts `runOnceToEnableMouseUp`; a loaded machine fires it late), and a tree
 * row's inline action that a refresh re-renders between mousedown and mouseup gets no click. `before` runs ahead of
 * each click (hovering the row that shows the action).
 */
export async function clickUntilItRuns(
  page: Page,
  target: Locator,
  what: string,
  ran: () => Promise<boolean>,
  options: { before?: () => Promise<void>; attempts?: number } = {},
): Promise<void> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1 && (await ran())) return;
    await options.before?.();
    // Gone since the last check because the action ran: `ran` says so below.
    await target.click({ timeout: 30_000 }).catch((err: unknown) => {
      if (attempt === attempts) throw err;
    });
    try {
      await until(page, what, ran, 5_000);
      return;
    } catch {
      // Nothing happened: click again.
    }
  }
  throw new Error(`nothing happened after ${attempts} clicks: waited for ${what}`);
}

/** Whether side bar pane `paneTitle` shows its progress bar running, or a quick pick asks something. */
export async function busyOrAsked(page: Page, paneTitle: string): Promise<boolean> {
  if (await page.locator('.quick-input-widget').isVisible()) return true;
  return (await pane(page, paneTitle).locator('.monaco-progress-container.active').count()) > 0;
}

/** Right-clicks `row` and runs `title` (the whole label, or a pattern) from its context menu. */
export async function contextAction(page: Page, row: Locator, title: string | RegExp): Promise<void> {
  await row.click({ button: 'right' });
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-item').filter({ has: page.locator('.action-label', { hasText: typeof title === 'string' ? exactly(title) : title }) }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  // The menu closes as its item's action starts.
  await clickUntilItRuns(page, item, `the context menu to close on ${String(title)}`, async () => !(await menu.isVisible()));
}

/** Hovers `row` and clicks its inline action `title` until `ran` sees the action begin. */
export async function inlineAction(page: Page, row: Locator, title: string, what: string, ran: () => Promise<boolean>): Promise<void> {
  const action = row.locator(`.actions .action-label[aria-label="${cssString(title)}"]`);
  await clickUntilItRuns(page, action, what, ran, {
    before: async () => {
      await row.hover();
      await action.waitFor({ state: 'visible', timeout: 30_000 });
    },
  });
}

/** Opens a workspace file in an editor through quick open (Ctrl+P). */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await input.fill(relativePath);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await input.press('Enter');
  await page.locator('.editor-group-container .monaco-editor').first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
}

/**
 * Moves the mouse over the text at 1-based `line`/`column` of the active editor and returns the hover's text.
 * The cursor is placed there with "Go to Line/Column" and its on-screen box tells where to point. The wait is for
 * the hover a user would get: a language server that is still starting (tsserver takes tens of seconds on a loaded
 * 2-core machine) answers with nothing until it is up, so the default deadline is generous.
 */
export async function hoverAt(page: Page, line: number, column: number, timeoutMs = 120_000): Promise<string> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await input.fill(`:${line}:${column}`);
  await input.press('Enter');
  const cursor = page.locator('.monaco-editor.focused .cursors-layer .cursor').first();
  await cursor.waitFor({ state: 'attached', timeout: DEFAULT_TIMEOUT });
  const box = await cursor.boundingBox();
  if (!box) throw new Error(`no cursor on screen after going to ${line}:${column}`);
  // Point just right of the cursor, i.e. at the character that starts at `column`. A language server that is
  // still starting answers the first hover with nothing, so the mouse leaves and comes back until it answers.
  const hover = page.locator('.monaco-hover-content:visible').first();
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    await page.mouse.move(box.x + 4 + (attempt % 2), box.y + box.height / 2, { steps: 2 });
    try {
      await hover.waitFor({ state: 'visible', timeout: 2_000 });
      // The widget says "Loading..." until the providers answer.
      const settled = Date.now() + 5_000;
      let text = (await hover.innerText()).trim();
      while (/^Loading/.test(text) && Date.now() < settled) {
        await page.waitForTimeout(100);
        text = (await hover.innerText().catch(() => '')).trim();
      }
      if (text && !/^Loading/.test(text)) return text;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no hover at ${line}:${column} after ${timeoutMs} ms`, { cause: error });
    }
    await page.mouse.move(box.x + 4, box.y + box.height * 8);
    await page.waitForTimeout(300);
  }
}

/**
 * Waits until `check` holds, checking again after every 100 ms of page time: for what a user would see that no
 * single selector expresses (a row's text changing, one of two outcomes).
 */
export async function until(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

/** Texts of the notification toasts currently shown. */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

/**
 * The messages in the notification center (open it first with "Notifications: Show Notifications"). After a quick
 * pick or a modal, this workbench files new notifications, progress included, in the center without a toast.
 */
export async function centerNotifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-center .notification-list-item-message').allInnerTexts();
}

/** Saves a PNG of the whole page under test-results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Runs `scenario`; when it fails, saves a screenshot named `<name>-failure` and says where in the test's output. */
export async function withScreenshotOnFailure(t: TestContext, page: Page | undefined, name: string, scenario: () => Promise<void>): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    if (page) t.diagnostic(`failure screenshot: ${await screenshot(page, `${name}-failure`)}`);
    throw error;
  }
}

/** The side bar pane whose header says `title` (Releases, Cluster). */
export function pane(page: Page, title: string): Locator {
  return page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: title }) });
}

/** Opens or folds the side bar pane `title` and waits until it shows so. */
export async function setPaneExpanded(page: Page, title: string, expanded: boolean): Promise<void> {
  const header = page.locator('.part.sidebar .pane-header', { hasText: title });
  await header.waitFor({ state: 'visible', timeout: 45_000 });
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  await until(page, `the ${title} pane to be ${expanded ? 'expanded' : 'collapsed'}`, async () => (await header.getAttribute('aria-expanded')) === String(expanded));
}
