// The Products screen (/products): filters, sort and pages kept in the URL; create and edit in
// the modal with the API's errors at their fields; a product's history; delete one; delete all.
// Signed in as the editor, except deleting all (the admin's); the viewer's view is in roles.test.mjs.
//
// The stack is shared by every file: the scenarios make their own products (SKUs with a
// uniqueTag()) and filter by them. Deleting the whole catalog comes last, and only where the
// environment says the catalog is a throwaway one (E2E_ALLOW_DELETE_ALL=1, which
// tests/e2e/test_dashboard.py sets): `npm run e2e` against `make run` must not empty a
// developer's catalog. Without it the confirmation is checked and then cancelled.
import assert from 'node:assert/strict';
import {
  API_URL,
  TIMEOUT,
  api,
  authHeaders,
  csv,
  isFocused,
  look,
  scenario,
  tabTo,
  uniqueTag,
  uploadCsv,
  waitForJob,
  user,
  waitForText,
} from './lib.mjs';

const DELETE_ALL = process.env.E2E_ALLOW_DELETE_ALL === '1';
const SEED_ROWS = 30;
const pad = (i) => String(i).padStart(2, '0');

/**
 * 30 imported products, `P-<tag>-01` … `-30`, made once for the file: every third one
 * inactive, every seventh one a "Ceramic mug" (7, 14, 21, 28; of those only 21 is inactive).
 */
let seeded = null;
function seed() {
  seeded ??= (async () => {
    const tag = uniqueTag();
    const rows = [['sku', 'name', 'description', 'price', 'active']];
    for (let i = 1; i <= SEED_ROWS; i++) {
      rows.push([
        `P-${tag}-${pad(i)}`,
        `Product ${i}`,
        i % 7 === 0 ? `Ceramic mug, batch ${tag}` : `Steel part, batch ${tag}`,
        `${i}.50`,
        i % 3 === 0 ? 'false' : 'true',
      ]);
    }
    const job = await waitForJob((await uploadCsv(`e2e-products-${tag}.csv`, csv(rows))).id);
    assert.equal(job.status, 'completed');
    assert.equal(job.inserted, SEED_ROWS, `the seed import inserted ${job.inserted} products`);
    return { tag, job, sku: (i) => `P-${tag}-${pad(i)}` };
  })();
  return seeded;
}

/** Poll `read()` until `check(value)` holds; fails with the last value (no fixed sleeps). */
async function until(page, read, check, what, { timeout = TIMEOUT } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`waited ${timeout} ms for ${what}; last seen: ${JSON.stringify(value)}`);
    await page.waitForTimeout(100); // a polling interval, not a sleep for the app
  }
}

/**
 * The SKUs of the table's rows (desktop), or null while the list is not settled: loading, or
 * not yet rendered for the URL's filters. The URL changes before React renders the navigation
 * (a transition), and the rows of a new filter can equal the old ones; the export link is
 * rendered from the same state as the rows, with the filters in its query.
 */
function tableSkus(page) {
  return page.evaluate(() => {
    const region = document.querySelector('[role="region"][aria-label="Products table"]');
    if (!region || region.getAttribute('aria-busy') !== 'false') return null;
    const status = document.querySelector('[role="status"][aria-label="Products found"]');
    if (!status || status.querySelector('.mantine-Loader-root')) return null;
    const exported = [...document.querySelectorAll('a[href*="/products/export.csv"]')].at(0);
    if (exported) {
      const shown = new URL(exported.href).searchParams;
      const wanted = new URL(location.href).searchParams;
      if (['sku', 'name', 'description', 'active'].some((key) => shown.get(key) !== wanted.get(key))) return null;
    }
    return [...region.querySelectorAll('tbody tr[data-product-id] td:first-child')].map((td) => td.textContent);
  });
}

/** Wait until the table shows exactly `expected` (SKUs in order). */
function expectSkus(page, expected) {
  return until(page, () => tableSkus(page), (skus) => JSON.stringify(skus) === JSON.stringify(expected), `the rows ${expected.join(', ')}`);
}

/** The URL's query as an object. */
function query(page) {
  return Object.fromEntries(new URL(page.url()).searchParams);
}

/** The texts an input is described by (Mantine ties the description and the error to it). */
function describedBy(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );
}

async function waitFocused(page, locator, what) {
  await until(page, () => isFocused(locator), Boolean, `the focus on ${what}`);
}

/**
 * Type into a filter and wait until it is in the URL (written 300 ms after the last keystroke):
 * a click before that would navigate from the URL without it.
 */
async function filterBy(page, label, value) {
  await page.getByRole('search', { name: 'Filter products' }).getByRole('textbox', { name: label }).fill(value);
  await until(page, () => query(page)[label.toLowerCase()], (v) => v === value, `the ${label} filter in the URL`);
}

function notification(page, title) {
  return page.getByRole('alert').filter({ hasText: title });
}

scenario('the list filters by SKU, description and status, sorts by SKU and pages, all kept in the URL', async ({ page }) => {
  const { tag, sku } = await seed();
  const all = Array.from({ length: SEED_ROWS }, (_, i) => sku(i + 1));
  const status = page.getByRole('status', { name: 'Products found' });
  const filters = page.getByRole('search', { name: 'Filter products' });

  await page.goto('/products');
  await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();

  // SKU "contains", without regard to case: exactly the seeded products.
  await filterBy(page, 'SKU', tag.toLowerCase());
  const rows = await until(page, () => tableSkus(page), (skus) => skus?.length === SEED_ROWS && skus.every((s) => s.includes(tag)), `${SEED_ROWS} rows of ${tag}`);
  assert.deepEqual([...rows].sort(), all);
  assert.match(await waitForText(status, `${SEED_ROWS} products`), new RegExp(`^${SEED_ROWS} products$`));
  await look(page, 'products-list');

  // Description "contains" (the SKU filter cleared by its button), then with the status filter.
  await filters.getByRole('button', { name: 'Clear the SKU filter' }).click();
  await filterBy(page, 'Description', `ceramic MUG, batch ${tag}`);
  await expectSkus(page, [sku(28), sku(21), sku(14), sku(7)]);
  await waitForText(status, /^4 products$/);
  assert.equal(query(page).sku, undefined);
  await filters.getByLabel('Status').selectOption({ label: 'Inactive only' });
  await expectSkus(page, [sku(21)]);
  await waitForText(status, /^1 product$/);
  assert.equal(query(page).active, 'false');
  const row = page.locator('tbody tr[data-product-id]');
  assert.match(await row.textContent(), /Inactive/);

  // Nothing matches: its own state, with a way out.
  await filterBy(page, 'Description', `no such thing ${tag}`);
  const noMatch = page.getByText('No products match these filters');
  await noMatch.waitFor();
  await waitForText(status, /^0 products$/);
  await look(page, 'products-no-match');
  await page.getByRole('main').getByRole('button', { name: 'Clear filters' }).last().click();
  await noMatch.waitFor({ state: 'detached' });
  assert.deepEqual(query(page), {});
  assert.equal(await filters.getByRole('textbox', { name: 'Description' }).inputValue(), '');

  // Sort by SKU: the column header's button, ascending then descending.
  await filterBy(page, 'SKU', tag);
  await until(page, () => tableSkus(page), (skus) => skus?.length === SEED_ROWS && skus.every((s) => s.includes(tag)), `${SEED_ROWS} rows of ${tag}`);
  const skuHeader = page.getByRole('columnheader', { name: 'SKU' });
  await skuHeader.getByRole('button', { name: 'SKU' }).click();
  await expectSkus(page, all);
  assert.equal(await skuHeader.getAttribute('aria-sort'), 'ascending');
  await skuHeader.getByRole('button', { name: 'SKU' }).click();
  await expectSkus(page, [...all].reverse());
  assert.equal(await skuHeader.getAttribute('aria-sort'), 'descending');
  assert.deepEqual(query(page), { sku: tag, sort: 'sku' }); // descending is the default order
  await skuHeader.getByRole('button', { name: 'SKU' }).click();
  await expectSkus(page, all);

  // Ten a page: page 2 shows the next ten; the URL holds it all, and a reload shows the same.
  await page.getByLabel('Rows per page').selectOption('10');
  await expectSkus(page, all.slice(0, 10));
  await waitForText(status, new RegExp(`^${SEED_ROWS} products\\s*· page 1 of 3$`));
  await page.getByRole('button', { name: 'Page 2' }).click();
  await expectSkus(page, all.slice(10, 20));
  await waitForText(status, 'page 2 of 3');
  assert.deepEqual(query(page), { sku: tag, sort: 'sku', order: 'asc', page: '2', limit: '10' });
  await page.reload();
  await expectSkus(page, all.slice(10, 20));
  await waitForText(status, 'page 2 of 3');
  assert.equal(await filters.getByRole('textbox', { name: 'SKU' }).inputValue(), tag);
  assert.equal(await page.getByLabel('Rows per page').inputValue(), '10');
  assert.equal(await page.getByRole('columnheader', { name: 'SKU' }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('button', { name: 'Next page' }).click();
  await expectSkus(page, all.slice(20, 30));
});

scenario('a product is created from the keyboard; the API’s errors show at their fields until fixed', async ({ page, allowConsoleError }) => {
  // Chromium logs every HTTP error answer; the 422 and the 409 are the point here.
  allowConsoleError(/status of 4(09|22)/);
  const { sku } = await seed();
  const newSku = `N-${uniqueTag()}`;

  await page.goto(`/products?sku=${newSku}`);
  await page.getByText('No products match these filters').waitFor();

  // Tab to "New product", open it with Enter: the focus starts in SKU.
  await tabTo(page, page.getByRole('button', { name: 'New product' }), { limit: 15 });
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'New product' });
  await dialog.waitFor();
  const skuInput = dialog.getByLabel('SKU');
  const priceInput = dialog.getByLabel('Price');
  await waitFocused(page, skuInput, 'SKU');

  // An existing SKU in other letters, and a price with 5 decimals (the API's rule, not checked here).
  await page.keyboard.type(sku(5).toLowerCase());
  await page.keyboard.press('Tab');
  await page.keyboard.type('Teapot');
  await page.keyboard.press('Tab'); // description
  await page.keyboard.press('Tab');
  assert.ok(await isFocused(priceInput), 'Tab goes SKU, Name, Description, Price');
  await page.keyboard.type('12.34567');
  await page.keyboard.press('Enter');

  // 422: the price, with the API's words; the focus moves there.
  await until(page, () => priceInput.getAttribute('aria-invalid'), (v) => v === 'true', 'the price marked invalid');
  assert.match(await describedBy(priceInput), /decimal/i);
  await waitFocused(page, priceInput, 'Price');
  await notification(page, 'Could not create the product').waitFor();

  // Fixed; then 409: the SKU exists (without regard to case), said at the SKU.
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('12.5');
  await page.keyboard.press('Enter');
  await until(page, () => skuInput.getAttribute('aria-invalid'), (v) => v === 'true', 'the SKU marked invalid');
  assert.match(await describedBy(skuInput), /exists/i);
  assert.equal(await priceInput.getAttribute('aria-invalid'), 'false');
  await waitFocused(page, skuInput, 'SKU');
  await look(page, 'products-create-error');

  await skuInput.focus(); // look() resized the page: the focus is not the point there
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(newSku);
  await page.keyboard.press('Enter');
  await waitForText(notification(page, 'Product created'), `${newSku} · Teapot`);
  await dialog.waitFor({ state: 'detached' });
  await expectSkus(page, [newSku]);
  const created = await api(`/products?sku=${newSku}`);
  assert.deepEqual(created.items.map((p) => [p.sku, p.name, Number(p.price)]), [[newSku, 'Teapot', 12.5]]);
});

scenario('editing an imported product saves the change, and its history shows who edited it and who imported the row', async ({ page }) => {
  const { tag, job, sku } = await seed();
  const target = sku(2);
  const newName = `Product 2, renamed ${tag}`;

  await page.goto(`/products?sku=${target}`);
  await expectSkus(page, [target]);
  await page.getByRole('button', { name: `Edit ${target}` }).click();
  const dialog = page.getByRole('dialog', { name: `Edit ${target}` });
  const name = dialog.getByLabel('Name');
  await until(page, () => name.inputValue().catch(() => ''), (v) => v === 'Product 2', 'the form filled from the product');
  await name.fill(newName);
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  const saved = notification(page, 'Product saved');
  await waitForText(saved, `${target} · ${newName}`);
  await dialog.waitFor({ state: 'detached' });
  // Top right, it would cover the drawer's title and close button for its few seconds.
  await saved.getByRole('button', { name: 'Dismiss notification' }).click();
  await saved.waitFor({ state: 'detached' });
  await waitForText(page.locator('tbody tr[data-product-id]'), newName);

  await page.getByRole('button', { name: `History of ${target}` }).click();
  const drawer = page.getByRole('dialog', { name: `History of ${target}` });
  const changes = drawer.getByRole('list', { name: `Changes of ${target}` });
  await changes.waitFor();
  const entries = changes.locator(':scope > li');
  await until(page, () => entries.count(), (n) => n === 2, 'two history entries');
  const [updated, created] = await entries.allTextContents();
  assert.match(updated, /^Updated/);
  // The edit by the signed-in editor; the row by whoever started the seed import (the API key).
  assert.match(updated, new RegExp(`by\\s*${user('editor').email.replace(/\./g, '\\.')}`));
  // The arrow is for the eyes, "changed to" for screen readers.
  assert.ok(updated.replace(/\s+/g, ' ').includes(`Name: Product 2 → changed to ${newName}`), updated);
  assert.match(created, /^Created/);
  assert.match(created, new RegExp(`by\\s*key ${job.created_by.replace(/^key:/, '')}\\s*via\\s*Import ${job.id.slice(0, 8)}, row 3`));
  const importLink = entries.nth(1).getByRole('link', { name: `Import ${job.id.slice(0, 8)}, row 3` });
  assert.equal(await importLink.getAttribute('href'), `/imports#job-${job.id}`);
  await look(page, 'products-history');

  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
});

scenario('deleting one product asks first, then it is gone (the API answers 404)', async ({ page }) => {
  const target = `D-${uniqueTag()}`;
  const product = await api('/products', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sku: target, name: 'To be deleted', price: '1.00' }),
  });

  await page.goto(`/products?sku=${target}`);
  await expectSkus(page, [target]);
  await page.getByRole('button', { name: `Delete ${target}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this product?' });
  await waitForText(dialog, `${target} · To be deleted`);
  await dialog.getByRole('button', { name: 'Delete product' }).click();
  await waitForText(notification(page, 'Product deleted'), target);
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('No products match these filters').waitFor();

  const response = await fetch(`${API_URL}/products/${product.id}`, { headers: authHeaders() });
  assert.equal(response.status, 404);
});

// Last in the file (and files run in alphabetical order, see run.mjs): this empties the catalog.
scenario('deleting all products needs DELETE typed; then the catalog is empty', async ({ page }) => {
  await seed(); // at least the seeded products are there
  const total = (await api('/products?limit=1')).total;
  assert.ok(total >= SEED_ROWS, `the catalog holds ${total} products`);
  const before = total.toLocaleString('en-US'); // as the page writes counts ("1,234")

  await page.goto('/products');
  await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
  await page.getByRole('button', { name: 'Delete all…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete all products?' });
  const confirm = dialog.getByRole('button', { name: `Delete ${before} products` });
  await confirm.waitFor();
  const warning = await dialog.textContent();
  assert.match(warning, /This cannot be undone/);
  assert.match(warning, new RegExp(`${before} products\\s*will be deleted`));
  assert.ok(await confirm.isDisabled(), 'disabled before anything is typed');
  const word = dialog.getByLabel('Type DELETE to confirm');
  assert.ok(await isFocused(word), 'the focus starts in the confirmation field');
  await look(page, 'products-bulk-delete');

  await word.fill('delete');
  assert.ok(await confirm.isDisabled(), 'disabled with the word in other letters');
  await word.fill('DELET');
  assert.ok(await confirm.isDisabled(), 'disabled with part of the word');
  await word.fill('DELETE');
  await until(page, () => confirm.isEnabled(), Boolean, 'the confirm button enabled');

  if (!DELETE_ALL) {
    // Not a throwaway catalog (E2E_ALLOW_DELETE_ALL unset): stop short of deleting it.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    return;
  }
  await confirm.click();
  await waitForText(notification(page, 'Catalog emptied'), `${before} products deleted.`);
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('No products yet').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete all…' }).count(), 0, 'nothing left to delete');
  assert.equal((await api('/products?limit=1')).total, 0);
  await look(page, 'products-empty');
}, { as: 'admin' });
