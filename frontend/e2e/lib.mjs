// Helpers for the dashboard's browser scenarios (e2e/*.test.mjs, run by e2e/run.mjs).
//
// A scenario gets a fresh browser context (its own localStorage) on a page that fails the
// scenario on any console error or uncaught page error; `look()` runs axe-core and takes the
// screenshots at both sizes. Playwright-core has no `expect`: wait with locators
// (`locator.waitFor()`, `waitForText()` below), then assert with node:assert.
//
// Environment (tests/e2e/test_dashboard.py sets all of it):
//   E2E_BASE_URL        the edge serving the dashboard (default http://127.0.0.1:8080, `make run`)
//   E2E_API_URL         its API routes (default $E2E_BASE_URL/api), for setting data up directly
//   E2E_RECEIVER_URL    a webhook receiver (tests/support/receiver.py): POST anything, GET /_received
//   E2E_SCREENSHOT_DIR  where the screenshots go (default ../.var/screenshots/e2e)
//   CHROMIUM_PATH       the browser (default /usr/bin/chromium, Debian's)
//   E2E_TIMEOUT_MS      how long a locator waits by default (15000)
//   E2E_USERS           {"viewer": {"email", "password"}, "editor": ..., "admin": ...}: one user per role,
//                       their passwords already permanent (signIn() below)
//   E2E_API_KEY         an admin API key: api() sends it (Authorization: Bearer)
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BASE_URL = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const API_URL = (process.env.E2E_API_URL ?? `${BASE_URL}/api`).replace(/\/$/, '');
export const RECEIVER_URL = process.env.E2E_RECEIVER_URL?.replace(/\/$/, '') ?? null;
export const SCREENSHOT_DIR = process.env.E2E_SCREENSHOT_DIR ?? resolve(here, '../../.var/screenshots/e2e');
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);
export const USERS = JSON.parse(process.env.E2E_USERS ?? '{}');
export const API_KEY = process.env.E2E_API_KEY ?? null;
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 375, height: 812 },
};

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

// ------------------------------------------------------------------------------ browser

let browserPromise = null;

/** One browser per Node process (all the files, see run.mjs), launched on first use, closed at the end. */
function browser() {
  browserPromise ??= chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return browserPromise;
}

after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

// ------------------------------------------------------------------------------ scenarios

/**
 * A browser scenario: `fn({ page, allowConsoleError })` on a fresh context at desktop size,
 * signed in as the user of role `as` ('viewer', 'editor' (the default) or 'admin'; null: signed
 * out, on no page yet).
 * Fails on any console error or page error, except messages matching a pattern passed to
 * `allowConsoleError` (say, Chromium's "Failed to load resource ... 422" for a rejected file).
 * On failure a screenshot `FAILED-<name>.png` shows where it stopped.
 */
export function scenario(name, fn, { timeout = 90_000, as = 'editor' } = {}) {
  test(name, { timeout }, async () => {
    const context = await (await browser()).newContext({
      viewport: VIEWPORTS.desktop,
      baseURL: BASE_URL,
      reducedMotion: 'reduce',
    });
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    const allowed = [];
    const problems = [];
    page.on('console', (message) => {
      if (message.type() !== 'error' || allowed.some((pattern) => pattern.test(message.text()))) return;
      const { url, lineNumber } = message.location();
      problems.push(`console error: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error}`));
    try {
      if (as) await signIn(page, as);
      await fn({ page, allowConsoleError: (pattern) => allowed.push(pattern) });
      assert.deepEqual(problems, [], `console or page errors:\n  ${problems.join('\n  ')}`);
    } catch (error) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page
        .screenshot({ path: join(SCREENSHOT_DIR, `FAILED-${slug(name)}.png`), fullPage: true })
        .catch(() => {});
      if (problems.length && !String(error.message).includes('console or page errors')) {
        error.message += `\n(also: ${problems.join('; ')})`;
      }
      throw error;
    } finally {
      await context.close();
    }
  });
}

const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// ------------------------------------------------------------------------------ looking

/**
 * Wait until the page has painted its current layout (fonts loaded, two frames) and its finite
 * animations have ended: Mantine fades modals and notifications in with CSS transitions (it does
 * not honour reducedMotion unless the theme says so), and axe measuring a half-faded modal reports
 * its text colours blended with the overlay. Endless ones (a Loader's spin) are not waited for.
 */
async function settle(page) {
  await page.evaluate(async () => {
    await document.fonts.ready;
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    await frame();
    await frame();
    for (let round = 0; round < 5; round++) {
      const running = document
        .getAnimations()
        .filter((animation) => Number.isFinite(animation.effect?.getComputedTiming().endTime ?? Infinity));
      if (running.length === 0) return;
      const ended = Promise.all(running.map((animation) => animation.finished.catch(() => {})));
      await Promise.race([ended, new Promise((done) => setTimeout(done, 2_000))]);
      await frame();
    }
  });
}

/** axe-core on the page as it is now: the violations of impact serious or critical. */
export async function axe(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations;
}

function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`)
        .join('\n');
      return `  [${v.impact}] ${v.id} (${v.viewport}): ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/**
 * Screenshots of the page as it is now at 1280x900 and 375x812 (`<name>-desktop.png`,
 * `<name>-mobile.png`, full page), with axe-core run at each size; fails on any serious or
 * critical violation (listed). Lesser ones are written to `<name>-axe.json` to look at.
 * `sizes`: only some of VIEWPORTS (say `['mobile']` while a phone-only menu is open).
 * Leaves the page at the size it had.
 */
export async function look(page, name, { checkA11y = true, sizes = Object.keys(VIEWPORTS) } = {}) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize();
  const found = [];
  for (const label of sizes) {
    await page.setViewportSize(VIEWPORTS[label]);
    await settle(page);
    if (checkA11y) found.push(...(await axe(page)).map((v) => ({ ...v, viewport: label })));
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true, animations: 'disabled' });
  }
  if (before) await page.setViewportSize(before);
  await settle(page);
  const minor = found.filter((v) => !BLOCKING_IMPACTS.has(v.impact));
  if (minor.length) {
    writeFileSync(
      join(SCREENSHOT_DIR, `${name}-axe.json`),
      JSON.stringify(minor.map(({ id, impact, help, viewport, nodes }) => ({ id, impact, help, viewport, targets: nodes.map((n) => n.target) })), null, 2),
    );
  }
  const blocking = found.filter((v) => BLOCKING_IMPACTS.has(v.impact));
  assert.equal(blocking.length, 0, `axe: serious or critical violations on ${name}:\n${describeViolations(blocking)}`);
}

// ------------------------------------------------------------------------------ waiting

/** Wait until `locator`'s text matches `pattern` (a string: contains), up to `timeout` ms. */
export async function waitForText(locator, pattern, { timeout = TIMEOUT } = {}) {
  const matches = (text) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  const deadline = Date.now() + timeout;
  let text = '';
  for (;;) {
    text = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) })) ?? '';
    if (matches(text)) return text;
    if (Date.now() > deadline) assert.fail(`waited ${timeout} ms for ${pattern}; the text is: ${text}`);
    await locator.page().waitForTimeout(100); // a polling interval, not a sleep for the app
  }
}

/** Whether `locator` is the focused element. */
export function isFocused(locator) {
  return locator.evaluate((element) => element === document.activeElement);
}

/** Press Tab until `locator` has the focus (at most `limit` times); fails naming what got it. */
export async function tabTo(page, locator, { limit = 10 } = {}) {
  const seen = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(locator)) return seen;
    seen.push(await page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` : 'nothing';
    }));
  }
  assert.fail(`${limit} presses of Tab did not reach ${locator}; the focus went to: ${seen.join(', ')}`);
}

// ------------------------------------------------------------------------------ API and data

/** A short tag, unique enough to tell this run's data from any other's. */
export function uniqueTag() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
}

/** CSV text from rows of cells (quoted when needed), CRLF line ends. */
export function csv(rows) {
  const cell = (value) => (/[",\r\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A file for `locator.setInputFiles`. */
export function csvFile(name, text) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

// ------------------------------------------------------------------------------ who

/** `{email, password}` of the test user of `role` (E2E_USERS). */
export function user(role) {
  const found = USERS[role];
  if (!found) throw new Error(`no ${role} user in E2E_USERS (tests/e2e/test_dashboard.py makes one per role)`);
  return found;
}

/**
 * Sign the page's browser context in as the user of `role`, through the API (the session cookie
 * lands in the context's cookie jar); the sign-in form itself is auth.test.mjs's business. The
 * Origin is the one a browser would send from the dashboard.
 */
export async function signIn(page, role) {
  const { email, password } = user(role);
  const response = await page.context().request.post(`${API_URL}/auth/login`, {
    data: { email, password },
    headers: { Origin: BASE_URL },
  });
  assert.equal(response.status(), 200, `signing in as ${email}: HTTP ${response.status()} ${await response.text()}`);
}

/** The Authorization header of the admin API key (E2E_API_KEY), for calls outside api(). */
export function authHeaders() {
  return API_KEY ? { Authorization: `Bearer ${API_KEY}` } : {};
}

/** fetch on the API (E2E_API_URL) with the admin API key; JSON answer, or throws with the status and body. */
export async function api(path, init = {}) {
  const response = await fetch(`${API_URL}${path}`, { ...init, headers: { ...authHeaders(), ...(init.headers ?? {}) } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** POST /imports with a CSV; the job as answered (202). */
export function uploadCsv(filename, text) {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/csv' }), filename);
  return api('/imports', { method: 'POST', body: form });
}

/** Poll GET /imports/{id} until the job ends (or reaches one of `statuses`). */
export async function waitForJob(jobId, { statuses = ['completed', 'failed', 'cancelled'], timeout = 60_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const job = await api(`/imports/${jobId}`);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) assert.fail(`job ${jobId} still ${job.status} after ${timeout} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
