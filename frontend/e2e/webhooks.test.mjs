// The Webhooks screens (/webhooks, /webhooks/:id) against the real webhooks service, delivering
// to the test receiver (tests/support/receiver.py, E2E_RECEIVER_URL): adding an endpoint from the
// keyboard, its secret shown once, a test ping whose signature verifies, a real delivery and its
// re-send, a failing endpoint, and edit / disable / rotate / delete.
//
// The first scenario needs a stack without webhook endpoints (each scenario deletes what it made).
// Webhooks are admin-only: every scenario here is signed in as the admin.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { RECEIVER_URL, api, isFocused, look, scenario, tabTo, uniqueTag, waitForText } from './lib.mjs';

// ------------------------------------------------------------------------------ the receiver

/** What the receiver got on paths starting with `prefix`: `[{path, headers, body, at}]`, oldest first. */
async function received(prefix) {
  const response = await fetch(`${RECEIVER_URL}/_received?path=${encodeURIComponent(prefix)}`);
  assert.equal(response.status, 200, 'the receiver lists its requests');
  return response.json();
}

/** Poll the receiver until `count` requests on `prefix` match `predicate` (parsed body); those requests. */
async function waitForReceived(prefix, predicate, { count = 1, timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = (await received(prefix)).filter((request) => predicate(JSON.parse(request.body)));
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      assert.fail(`the receiver got ${found.length} of ${count} matching requests on ${prefix} in ${timeout} ms`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Standard Webhooks: `webhook-signature` holds space-separated `v1,<base64>` signatures, each an
 * HMAC-SHA256 over `id.timestamp.body` keyed with the base64-decoded part of `whsec_...`.
 */
function assertSigned(request, secret) {
  const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': header } = request.headers;
  assert.ok(id && timestamp && header, `webhook headers present: ${JSON.stringify(request.headers)}`);
  assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 300, `webhook-timestamp ${timestamp} is about now`);
  assert.match(secret, /^whsec_/);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64');
  const signatures = header.split(' ').map((part) => part.split(','));
  assert.ok(
    signatures.some(([version, signature]) => version === 'v1' && signature === expected),
    `a v1 signature made with the shown secret: expected v1,${expected}, got ${header}`,
  );
}

// ------------------------------------------------------------------------------ the API

/** A product through the catalog API, so that a product.created event goes out. */
function createProduct(tag) {
  return api('/products', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sku: `WH-${tag}`, name: `Webhook kettle ${tag}`, price: '19.90' }),
  });
}

function createEndpoint(url, events) {
  return api('/webhooks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, events }),
  });
}

/** Delete the endpoints at `url` that are left (a scenario's cleanup, whatever step it stopped at). */
async function deleteEndpoints(url) {
  const { items } = await api('/webhooks?limit=100');
  for (const endpoint of items.filter((e) => e.url === url)) await api(`/webhooks/${endpoint.id}`, { method: 'DELETE' });
}

/** Poll the endpoint until its last delivery is recorded (the receiver answers before the row is written). */
async function waitForLastDelivery(id, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const endpoint = await api(`/webhooks/${id}`);
    if (endpoint.last_delivery) return endpoint.last_delivery;
    if (Date.now() > deadline) assert.fail(`endpoint ${id} has no last delivery after ${timeout} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

// ------------------------------------------------------------------------------ the page

/** The cells of a delivery row by column header (the Actions header is visually hidden text). */
async function rowCells(table, row) {
  const headers = await table.getByRole('columnheader').allTextContents();
  const cells = await row.getByRole('cell').allTextContents();
  return Object.fromEntries(headers.map((header, i) => [header, cells[i]]));
}

const notification = (page, title) => page.locator('.mantine-Notification-root').filter({ hasText: title });

if (!RECEIVER_URL) {
  test('webhooks scenarios', { skip: 'E2E_RECEIVER_URL is not set (tests/e2e/test_dashboard.py starts a receiver)' }, () => {});
} else {
  scenario('an endpoint added from the keyboard gets its secret once, and its test ping and deliveries are signed with it', async ({ page }) => {
    const tag = uniqueTag();
    const url = `${RECEIVER_URL}/hooks/${tag}`;
    const path = `/hooks/${tag}`;
    try {
      // Empty state.
      await page.goto('/webhooks');
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'No webhook endpoints yet' }).waitFor();
      await look(page, 'webhooks-empty');

      // The form, from the keyboard: the URL field has the focus, checkboxes toggle with Space.
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const form = page.getByRole('dialog', { name: 'Add endpoint' });
      const urlInput = form.getByRole('textbox', { name: 'Endpoint URL' });
      await urlInput.waitFor();
      assert.ok(await isFocused(urlInput), 'the URL field has the focus when the form opens');
      await page.keyboard.type(url);
      for (const type of ['product.created', 'import.completed']) {
        const checkbox = form.getByRole('checkbox', { name: type, exact: true });
        await tabTo(page, checkbox);
        await page.keyboard.press('Space');
        assert.ok(await checkbox.isChecked(), `Space checks ${type}`);
      }
      assert.ok(await form.getByRole('switch', { name: 'Enabled' }).isChecked(), 'a new endpoint is enabled');
      await look(page, 'webhooks-add-form');
      await tabTo(page, form.getByRole('button', { name: 'Add endpoint' }));
      await page.keyboard.press('Enter');

      // The secret, shown once.
      const secretDialog = page.getByRole('dialog', { name: 'Endpoint added: its signing secret' });
      await secretDialog.waitFor();
      const secret = (await secretDialog.getByLabel('Signing secret').textContent()).trim();
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]{20,}$/);
      await look(page, 'webhooks-secret');
      await secretDialog.getByRole('button', { name: 'I have saved the secret' }).click();
      await secretDialog.waitFor({ state: 'detached' });
      assert.equal(await page.getByText(secret).count(), 0, 'the full secret is gone once the modal closes');

      const card = page.getByRole('article', { name: url });
      await card.waitFor();
      assert.deepEqual(await card.getByRole('list', { name: 'Events' }).getByRole('listitem').allTextContents(), [
        'product.created',
        'import.completed',
      ]);
      await card.getByText('No deliveries yet.').waitFor();
        // Send test: the inline result, and the signed ping at the receiver.
        await card.getByRole('button', { name: `Send test ${url}` }).click();
        const result = card.getByRole('alert');
        await waitForText(result, /Test ping delivered: HTTP 200 in [\d,]+ ms/);
        await look(page, 'webhooks-tested');
        const [ping] = await waitForReceived(path, (body) => body.type === 'webhook.test');
        assertSigned(ping, secret);

        // A real delivery: a product made through the catalog API reaches the receiver, signed.
        const product = await createProduct(tag);
        const [delivered] = await waitForReceived(
          path,
          (body) => body.type === 'product.created' && body.data?.product?.sku === product.sku,
        );
        assertSigned(delivered, secret);

        // Its delivery log: succeeded with 200, then re-sent by hand.
        await card.getByRole('link', { name: `Deliveries ${url}` }).click();
        await page.getByRole('heading', { level: 1, name: url }).waitFor();
        const table = page.getByRole('table');
        const row = table.getByRole('row').filter({ has: page.getByRole('button', { name: 'product.created', exact: true }) });
        await waitForText(row, /Succeeded.*HTTP 200/);
        let cells = await rowCells(table, row);
        assert.equal(cells.Status, 'Succeeded');
        assert.equal(cells.Answer, 'Succeeded: HTTP 200');
        assert.equal(cells.Attempts, '1');
        await row.getByRole('button', { name: /^Re-send product\.created delivery / }).click();
        await notification(page, 'Delivery re-sent').waitFor();
        // Pending right after the re-send, the log refreshes every 3 s until it is done.
        await waitForText(row.getByRole('cell').nth(2), '2');
        await waitForText(row, /Succeeded.*HTTP 200/);
        cells = await rowCells(table, row);
        assert.equal(cells.Attempts, '2');
        // The same webhook-id on the re-send, signed again.
        const both = await waitForReceived(path, (body) => body.type === 'product.created', { count: 2 });
        assert.equal(both[1].headers['webhook-id'], both[0].headers['webhook-id']);
        assertSigned(both[1], secret);

        await row.getByRole('button', { name: 'product.created', exact: true }).click();
        const attempts = page.locator(`#attempts-${await row.getAttribute('data-delivery-id')}`);
        await attempts.getByText('Attempt 2').waitFor();
        await look(page, 'webhooks-deliveries');
    } finally {
      await deleteEndpoints(url);
    }
  }, { as: 'admin' });

  scenario('an endpoint answering 500 shows its failed last delivery', async ({ page }) => {
    const tag = uniqueTag();
    const url = `${RECEIVER_URL}/status/500/${tag}`;
    const endpoint = await createEndpoint(url, ['product.created']);
    try {
      await createProduct(tag);
      await waitForReceived(`/status/500/${tag}`, (body) => body.type === 'product.created');
      const last = await waitForLastDelivery(endpoint.id);
      assert.equal(last.status_code, 500);

      await page.goto('/webhooks');
      const card = page.getByRole('article', { name: url });
      await card.waitFor();
      await waitForText(card, /Last delivery\s*Failed: HTTP 500/);
      await card.getByText(/Every attempt has failed since/).waitFor();
      await look(page, 'webhooks-failing');
    } finally {
      await deleteEndpoints(url);
    }
  }, { as: 'admin' });

  scenario('an endpoint is edited, disabled, its secret rotated, and deleted after a confirmation', async ({ page }) => {
    const tag = uniqueTag();
    const url = `${RECEIVER_URL}/hooks/edit-${tag}`;
    const created = await createEndpoint(url, ['product.updated']);
    try {
      await page.goto('/webhooks');
      const card = page.getByRole('article', { name: url });
      await card.waitFor();
      const events = card.getByRole('list', { name: 'Events' });

      // Edit: one more event type.
      await card.getByRole('button', { name: `Edit ${url}` }).click();
      const form = page.getByRole('dialog', { name: 'Edit endpoint' });
      await form.getByRole('checkbox', { name: 'product.deleted', exact: true }).check();
      await look(page, 'webhooks-edit-form');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await notification(page, 'Endpoint saved').waitFor();
      await form.waitFor({ state: 'detached' });
      await events.getByText('product.deleted', { exact: true }).waitFor();
      assert.deepEqual(await events.getByRole('listitem').allTextContents(), ['product.updated', 'product.deleted']);

      // Disable with the switch (from the keyboard: the input itself is visually hidden).
      const enabled = card.getByRole('switch', { name: `Enabled: ${url}` });
      assert.ok(await enabled.isChecked());
      await enabled.focus();
      await page.keyboard.press('Space');
      await notification(page, 'Endpoint disabled').waitFor();
      await page.waitForFunction((name) => {
        const input = document.querySelector(`input[role="switch"][aria-label="${name}"]`);
        return input && !input.checked && !input.disabled;
      }, `Enabled: ${url}`);
      assert.equal((await api(`/webhooks/${created.id}`)).enabled, false);
      await look(page, 'webhooks-disabled');

      // Rotate: a confirmation, then the new secret once; focus back on the button.
      const rotate = card.getByRole('button', { name: `Rotate secret ${url}` });
      await rotate.click();
      const confirmRotate = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
      await confirmRotate.getByRole('button', { name: 'Rotate secret', exact: true }).click();
      const secretDialog = page.getByRole('dialog', { name: 'New signing secret' });
      await secretDialog.waitFor();
      const secret = (await secretDialog.getByLabel('Signing secret').textContent()).trim();
      assert.match(secret, /^whsec_/);
      assert.notEqual(secret, created.secret, 'a new secret');
      await secretDialog.getByText(/The previous secret keeps signing too/).waitFor();
      await look(page, 'webhooks-rotated');
      await secretDialog.getByRole('button', { name: 'I have saved the secret' }).click();
      await secretDialog.waitFor({ state: 'detached' });
      await page.waitForFunction(
        (name) => document.activeElement?.getAttribute('aria-label') === name,
        `Rotate secret ${url}`,
      );
      assert.equal((await api(`/webhooks/${created.id}`)).secret.slice(-4), secret.slice(-4), 'the API masks the new secret');

      // Delete: Cancel keeps it, the confirmation removes it.
      await card.getByRole('button', { name: `Delete ${url}` }).click();
      const confirmDelete = page.getByRole('dialog', { name: 'Delete this endpoint?' });
      await confirmDelete.getByRole('button', { name: 'Cancel' }).click();
      await confirmDelete.waitFor({ state: 'detached' });
      await card.getByRole('button', { name: `Delete ${url}` }).click();
      await confirmDelete.getByRole('button', { name: 'Delete endpoint' }).click();
      await notification(page, 'Endpoint deleted').waitFor();
      await card.waitFor({ state: 'detached' });
      await page.getByRole('heading', { level: 2, name: 'No webhook endpoints yet' }).waitFor();
      await assert.rejects(api(`/webhooks/${created.id}`), /HTTP 404/);
    } finally {
      await deleteEndpoints(url);
    }
  }, { as: 'admin' });
}
