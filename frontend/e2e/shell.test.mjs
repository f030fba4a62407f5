// The app shell (signed in as the admin, who sees every link): keyboard access to the skip link
// and the navigation, and axe-core plus
// screenshots of the routes that have no scenarios of their own yet. (A screen's scenarios go in
// a file of its own: admin, auth, import, imports, products, roles, webhooks.test.mjs.)
import assert from 'node:assert/strict';
import { VIEWPORTS, isFocused, look, scenario, tabTo } from './lib.mjs';

// Import, Imports history and Webhooks are looked at (axe, screenshots) in their own scenarios, in
// the states that matter (empty, a job done, a file rejected, a list, ...); here the rest, as they first show.
const ROUTES = [
  { path: '/no-such-page', name: 'Page not found', shot: 'route-not-found' },
];

for (const route of ROUTES) {
  scenario(`${route.path} has no serious accessibility violations at 1280 and 375 wide`, async ({ page }) => {
    await page.goto(route.path);
    await page.getByRole('heading', { level: 1, name: route.name }).waitFor();
    // Let the first data arrive (no loader left), so that axe sees the screen, not a spinner.
    await page.locator('.mantine-Loader-root').first().waitFor({ state: 'detached' });
    assert.equal(await page.title().then((title) => title.length > 0), true, 'the page has a title');
    await look(page, route.shot);
  });
}

scenario('Tab from the top reaches the skip link, which moves to the content, then the navigation', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();

  const skip = page.getByRole('link', { name: 'Skip to content' });
  await page.keyboard.press('Tab');
  assert.ok(await isFocused(skip), 'the first Tab focuses the skip link');
  assert.ok(await skip.isVisible(), 'the focused skip link is on screen');
  const box = await skip.boundingBox();
  assert.ok(box && box.y >= 0, 'the focused skip link is inside the viewport');

  await page.keyboard.press('Enter');
  assert.ok(await isFocused(page.locator('main')), 'the skip link moves the focus to the content');

  // From the top again: the navigation's links come next, in order, and follow with Enter.
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await tabTo(page, skip);
  // The header's account menu (who is signed in), then the navigation.
  await page.keyboard.press('Tab');
  assert.ok(await isFocused(page.getByRole('button', { name: /^Account: / })), 'the account menu follows the skip link');
  const passed = await tabTo(page, nav.getByRole('link', { name: 'Import', exact: true }), { limit: 3 });
  assert.deepEqual(passed, [], `only the navigation follows the account menu; passed: ${passed.join(', ')}`);
  for (const name of ['Imports history', 'Products', 'Webhooks', 'Users', 'API keys', 'Audit log']) {
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(nav.getByRole('link', { name })), `Tab reaches ${name}`);
  }
  await nav.getByRole('link', { name: 'Imports history' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/imports');
  assert.equal(await nav.getByRole('link', { name: 'Imports history' }).getAttribute('aria-current'), 'page');
}, { as: 'admin' });

scenario('on a phone the menu button opens the navigation from the keyboard', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.mobile);
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();

  await tabTo(page, page.getByRole('link', { name: 'Skip to content' }));
  const menu = page.getByRole('button', { name: 'Open navigation' });
  await page.keyboard.press('Tab');
  assert.ok(await isFocused(menu), 'after the skip link comes the menu button');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  const close = page.getByRole('button', { name: 'Close navigation' });
  assert.equal(await close.getAttribute('aria-expanded'), 'true');

  const nav = page.getByRole('navigation', { name: 'Main' });
  await tabTo(page, nav.getByRole('link', { name: 'Products' }), { limit: 4 }); // the account menu, Import, Imports history
  await look(page, 'shell-mobile-menu', { sizes: ['mobile'] });
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
  await page.getByRole('button', { name: 'Open navigation' }).waitFor(); // closed again after navigating
}, { as: 'admin' });
