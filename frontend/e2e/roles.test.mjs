// What each role sees: the viewer reads (no import, no edits, no webhooks, no admin screens),
// the editor imports and edits but does not delete everything, the admin has the Admin screens.
// A refused control stays on screen, disabled (aria-disabled, so that it keeps the focus), with
// the reason as its description and in a tooltip.
import assert from 'node:assert/strict';
import { api, look, scenario, uniqueTag } from './lib.mjs';

/** A product of its own (the catalog may have been emptied by products.test.mjs). */
function createProduct() {
  const sku = `R-${uniqueTag()}`;
  return api('/products', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sku, name: 'Role check kettle', price: '9.90' }),
  });
}

/** The texts `locator` is described by (aria-describedby). */
function description(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

/** A refused control: in the page, focusable, aria-disabled, described by `reason`. */
async function assertRefused(locator, reason) {
  assert.equal(await locator.getAttribute('aria-disabled'), 'true', `${locator} is aria-disabled`);
  // Not `disabled` (Playwright's isDisabled() counts aria-disabled too): it keeps the keyboard focus.
  assert.equal(await locator.evaluate((el) => el.disabled), false, `${locator} stays focusable`);
  assert.equal(await description(locator), reason);
}

async function navLinks(page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
}

scenario('a viewer reads everything but cannot import, change products or see webhooks and admin screens', async ({ page }) => {
  const product = await createProduct();

  await page.goto('/');
  await page.getByRole('heading', { name: "You can't import files" }).waitFor();
  await page.getByText("Viewers can't import. Ask an admin for the editor role.").waitFor();
  assert.equal(await page.getByLabel('CSV file to import').count(), 0, 'no file input');
  assert.deepEqual(await navLinks(page), ['Import', 'Imports history', 'Products']);
  await look(page, 'roles-viewer-import');

  await page.goto(`/products?sku=${product.sku}`);
  await page.locator(`tbody tr[data-product-id="${product.id}"]`).waitFor();
  await page.getByText('Read only').waitFor();
  const changeReason = "Viewers can't create, edit or delete products. Ask an admin for the editor role.";
  await assertRefused(page.getByRole('button', { name: 'New product' }), changeReason);
  await assertRefused(page.getByRole('button', { name: `Delete ${product.sku}` }), changeReason);
  await assertRefused(page.getByRole('button', { name: 'Delete all…' }), "Viewers can't delete every product. Only admins can.");
  await assertRefused(page.getByRole('button', { name: /Export .* as CSV/ }), "Viewers can't export the catalog. Ask an admin for the editor role.");
  // The keyboard reaches a refused control, and its tooltip says why; activating it does nothing.
  const edit = page.getByRole('button', { name: `Edit ${product.sku}` });
  await assertRefused(edit, changeReason);
  await edit.focus();
  await page.getByRole('tooltip').filter({ hasText: changeReason }).waitFor();
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('dialog').count(), 0, 'no edit dialog');
  await look(page, 'roles-viewer-products');

  // A screen for admins, opened by its address: a clear "admins only", no error.
  await page.goto('/webhooks');
  await page.getByRole('heading', { name: 'Admins only' }).waitFor();
  await page.getByText("Viewers can't see or manage webhooks. Only admins can.").waitFor();
  await look(page, 'roles-viewer-webhooks');
  await page.goto('/admin/users');
  await page.getByRole('heading', { name: 'Admins only' }).waitFor();
}, { as: 'viewer' });

scenario('an editor can import and edit, and is told why deleting every product is not theirs', async ({ page }) => {
  const product = await createProduct();

  await page.goto('/');
  await page.getByLabel('CSV file to import').waitFor({ state: 'attached' });
  assert.deepEqual(await navLinks(page), ['Import', 'Imports history', 'Products']);

  await page.goto(`/products?sku=${product.sku}`);
  await page.locator(`tbody tr[data-product-id="${product.id}"]`).waitFor();
  assert.equal(await page.getByText('Read only').count(), 0);
  assert.equal(await page.getByRole('button', { name: `Edit ${product.sku}` }).getAttribute('aria-disabled'), null);
  await page.getByRole('link', { name: /Export .* as CSV/ }).waitFor();
  const deleteAll = page.getByRole('button', { name: 'Delete all…' });
  const reason = "Editors can't delete every product. Only admins can.";
  await assertRefused(deleteAll, reason);
  await deleteAll.hover();
  await page.getByRole('tooltip').filter({ hasText: reason }).waitFor();
  await deleteAll.click({ force: true }); // Playwright waits for an aria-disabled button to be enabled
  assert.equal(await page.getByRole('dialog', { name: 'Delete all products?' }).count(), 0, 'no confirmation opens');
  await look(page, 'roles-editor-products');
}, { as: 'editor' });

scenario('an admin has the Admin screens and may delete everything', async ({ page }) => {
  await createProduct();
  await page.goto('/products');
  await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
  assert.deepEqual(await navLinks(page), ['Import', 'Imports history', 'Products', 'Webhooks', 'Users', 'API keys', 'Audit log']);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('group', { name: 'Admin' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete all…' }).getAttribute('aria-disabled'), null);
}, { as: 'admin' });
