// The Admin screens (/admin/users, /admin/api-keys, /admin/audit), signed in as the admin: a user
// added (the generated password shown once), the last admin refused a demotion, a user disabled
// and enabled, a password reset; an API key created (shown once), used, revoked; the audit log
// listing those actions, filtered by kind.
import assert from 'node:assert/strict';
import { API_URL, BASE_URL, look, scenario, uniqueTag, user, waitForText } from './lib.mjs';

// A user's or key's table row at 1280 px, its card at 375 px.
const row = (page, attribute, value) => page.locator(`[${attribute}="${value}"]`);

/** The secret of the shown-once dialog `name`; then closes it and checks it is gone from the page. */
async function takeShownOnce(page, name, shot) {
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  await dialog.getByText("Copy it now: it won't be shown again").waitFor();
  await dialog.getByRole('button', { name: 'Copy' }).waitFor();
  const secret = (await dialog.getByTestId('shown-once-value').textContent()).trim();
  assert.ok(secret.length >= 20, `a whole secret is shown: ${secret}`);
  if (shot) await look(page, shot);
  await dialog.getByRole('button', { name: 'I have copied it' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByText(secret).count(), 0, 'the secret is not on the page any more');
  return secret;
}

function signInStatus(email, password) {
  return fetch(`${API_URL}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: BASE_URL },
    body: JSON.stringify({ email, password }),
  }).then((response) => response.status);
}

scenario('an admin adds a user, whose password is shown once; the last admin cannot demote themselves', async ({ page, allowConsoleError }) => {
  allowConsoleError(/status of 409/);
  const email = `added-${uniqueTag().toLowerCase()}@e2e.test`;
  const admin = user('admin');

  await page.goto('/admin/users');
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await row(page, 'data-user', admin.email).waitFor();
  await look(page, 'admin-users');

  await page.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByRole('dialog', { name: 'Add a user' });
  await form.getByLabel(/^Email/).fill(email);
  await form.getByLabel('Role').selectOption('editor');
  await look(page, 'admin-user-form');
  await form.getByRole('button', { name: 'Add user' }).click();
  const password = await takeShownOnce(page, 'User added: their temporary password', 'admin-user-password');
  assert.equal(await signInStatus(email, password), 200, 'the shown password signs in');

  const added = row(page, 'data-user', email);
  await added.waitFor();
  await added.getByText('Temporary password').waitFor();
  assert.equal(await added.getByRole('combobox', { name: `Role of ${email}` }).inputValue(), 'editor');

  // The only admin demoting themselves: 409 last_admin, shown at the top; the role stays.
  const mine = row(page, 'data-user', admin.email).getByRole('combobox', { name: `Role of ${admin.email}` });
  await mine.selectOption('viewer');
  const alert = page.getByRole('alert').filter({ hasText: `Could not change the role of ${admin.email}` });
  await waitForText(alert, 'last active admin');
  await waitForText(mine.locator('option:checked'), 'Admin');
  assert.equal(await page.getByText('Role changed').count(), 0, 'no success shown for a refused change');
  await look(page, 'admin-users-last-admin');
}, { as: 'admin' });

scenario('an admin disables and enables a user after confirming, and resets a password (shown once)', async ({ page }) => {
  const email = `toggled-${uniqueTag().toLowerCase()}@e2e.test`;
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByRole('dialog', { name: 'Add a user' });
  await form.getByLabel(/^Email/).fill(email);
  await form.getByRole('button', { name: 'Add user' }).click();
  await takeShownOnce(page, 'User added: their temporary password');
  const target = row(page, 'data-user', email);
  await target.waitFor();

  await target.getByRole('button', { name: `Disable… ${email}` }).click();
  const ask = page.getByRole('dialog', { name: 'Disable this user?' });
  await waitForText(ask, `${email} is signed out everywhere`);
  await look(page, 'admin-user-disable');
  await ask.getByRole('button', { name: 'Disable user' }).click();
  await ask.waitFor({ state: 'detached' });
  await target.getByText('Disabled', { exact: true }).waitFor();
  await target.getByRole('button', { name: `Enable… ${email}` }).click();
  await page.getByRole('dialog', { name: 'Enable this user?' }).getByRole('button', { name: 'Enable user' }).click();
  await target.getByText('Active', { exact: true }).waitFor();

  await target.getByRole('button', { name: `Reset password… of ${email}` }).click();
  await page.getByRole('dialog', { name: 'Reset this password?' }).getByRole('button', { name: 'Reset password' }).click();
  const password = await takeShownOnce(page, 'Password reset: their temporary password');
  assert.equal(await signInStatus(email, password), 200, 'the new password signs in');
}, { as: 'admin' });

scenario('an admin creates an API key (shown once), revokes it, and the audit log lists what was done', async ({ page }) => {
  const name = `e2e-key-${uniqueTag().toLowerCase()}`;
  const email = `audited-${uniqueTag().toLowerCase()}@e2e.test`;
  const admin = user('admin');

  // A user to find in the log as well.
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'Add user' }).click();
  const userForm = page.getByRole('dialog', { name: 'Add a user' });
  await userForm.getByLabel(/^Email/).fill(email);
  await userForm.getByRole('button', { name: 'Add user' }).click();
  await takeShownOnce(page, 'User added: their temporary password');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
  await page.getByRole('button', { name: 'Create key' }).click();
  const form = page.getByRole('dialog', { name: 'Create an API key' });
  await form.getByLabel(/^Name/).fill(name);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByRole('button', { name: 'Create key' }).click();
  const key = await takeShownOnce(page, 'API key created', 'admin-api-key-shown');

  const withKey = () => fetch(`${API_URL}/products?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal((await withKey()).status, 200, 'the shown key works');
  const listed = row(page, 'data-key', name);
  await listed.waitFor();
  await waitForText(listed, 'Viewer');
  await waitForText(listed, `by ${admin.email}`);
  await waitForText(listed, 'Live');
  const prefix = (await listed.locator('code').textContent()).replace(/…$/, '');
  assert.ok(key.startsWith(prefix), `the listed prefix ${prefix} is the key's start`);
  await look(page, 'admin-api-keys');

  await listed.getByRole('button', { name: `Revoke… ${name}` }).click();
  const ask = page.getByRole('dialog', { name: 'Revoke this API key?' });
  await waitForText(ask, name);
  await ask.getByRole('button', { name: 'Revoke key' }).click();
  await ask.waitFor({ state: 'detached' });
  await waitForText(listed, 'Revoked');
  await waitForText(listed, `by ${admin.email}`);
  assert.equal(await listed.getByRole('button', { name: /Revoke/ }).count(), 0, 'a revoked key has nothing left to do');
  await look(page, 'admin-api-key-revoked');
  // Top right, it would cover the next screen's title in its screenshots.
  const revokedNote = page.locator('.mantine-Notification-root').filter({ hasText: 'API key revoked' });
  await revokedNote.getByRole('button', { name: 'Dismiss notification' }).click();
  await revokedNote.waitFor({ state: 'detached' });
  // The edge keeps the check's answers up to 5 s: the revoked key is refused within that.
  const revokedAt = Date.now();
  let status = (await withKey()).status;
  while (status !== 401 && Date.now() - revokedAt < 6000) {
    await new Promise((done) => setTimeout(done, 200));
    status = (await withKey()).status;
  }
  assert.equal(status, 401, 'the revoked key is refused within seconds');

  // The log, newest first: the revoke, the key, the user; by the admin.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  const rows = page.locator('[data-action]'); // table rows here, cards at 375 px
  await rows.first().waitFor();
  const actions = await rows.evaluateAll((els) => els.map((el) => ({ action: el.dataset.action, text: el.textContent })));
  const find = (action, target) => actions.findIndex((a) => a.action === action && a.text.includes(target));
  const revoked = find('api_key.revoked', name);
  const created = find('api_key.created', name);
  const added = find('user.created', email);
  assert.ok(revoked >= 0 && created > revoked && added > created, `newest first: ${JSON.stringify(actions.slice(0, 6))}`);
  assert.ok(actions[revoked].text.includes(admin.email), 'the actor is named by their email');
  await look(page, 'admin-audit');

  // By kind: API keys only.
  await page.getByLabel('Show').selectOption('api_key');
  await page.waitForURL(/kind=api_key/);
  // The filtered page replaces the whole list: wait for it, not for the old rows to go.
  const deadline = Date.now() + 15_000;
  let kinds = [];
  while (Date.now() < deadline) {
    kinds = await page.locator('[data-action]').evaluateAll((els) => els.map((el) => el.dataset.action));
    if (kinds.length >= 2 && kinds.every((action) => action.startsWith('api_key.'))) break;
    await page.waitForTimeout(100); // a polling interval, not a sleep for the app
  }
  assert.ok(kinds.length >= 2 && kinds.every((action) => action.startsWith('api_key.')), kinds.join(', '));
  await look(page, 'admin-audit-api-keys');
}, { as: 'admin' });
