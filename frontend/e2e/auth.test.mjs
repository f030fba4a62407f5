// Signing in and out (/signin), the first sign-in's forced password change, a session that ends,
// and too many failed sign-ins. Every scenario starts signed out (`as: null`) and allows the 401s
// Chromium logs for the dashboard's "who am I?" while nobody is signed in.
import assert from 'node:assert/strict';
import { API_URL, BASE_URL, api, isFocused, look, scenario, uniqueTag, user, waitForText } from './lib.mjs';

/** A fresh user through the API (the admin key): `{user, password}`, the password a temporary one. */
function newUser(role, tag = uniqueTag()) {
  return api('/users', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `new-${tag.toLowerCase()}@e2e.test`, role }),
  });
}

const signInForm = (page) => page.getByRole('form', { name: 'Sign in' });
const emailField = (page) => signInForm(page).getByLabel(/^Email/);
const passwordField = (page) => signInForm(page).getByLabel(/^Password/);

scenario('signing in: a wrong password is shown at the form, the right one signs in, signing out ends the session', async ({ page, allowConsoleError }) => {
  allowConsoleError(/status of 401/);
  const { email, password } = user('viewer');

  // Signed out, a screen sends to the sign-in page, which remembers where they were going.
  await page.goto('/products?sku=NOPE');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const url = new URL(page.url());
  assert.equal(url.pathname, '/signin');
  assert.equal(url.searchParams.get('next'), '/products?sku=NOPE');
  assert.ok(await isFocused(emailField(page)), 'the focus starts in the email field');
  await look(page, 'signin');

  // From the keyboard: email, Tab, password, Enter.
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  assert.ok(await isFocused(passwordField(page)), 'Tab goes from the email to the password');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert').filter({ hasText: 'Wrong email or password' });
  await alert.waitFor();
  assert.equal(await passwordField(page).inputValue(), '', 'the wrong password is cleared');
  assert.ok(await isFocused(passwordField(page)), 'the focus is back in the password field');
  assert.equal(new URL(page.url()).pathname, '/signin');
  await look(page, 'signin-wrong-password');

  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
  assert.equal(new URL(page.url()).search, '?sku=NOPE', 'back where they were going');

  // The header says who is signed in and with which role; its menu signs out.
  const account = page.getByRole('button', { name: `Account: ${email}, Viewer` });
  await account.click();
  const menu = page.getByRole('menu');
  await menu.getByRole('menuitem', { name: 'Change password' }).waitFor();
  await look(page, 'account-menu');
  await menu.getByRole('menuitem', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change password' }).waitFor();
  await page.getByRole('form', { name: 'Change password' }).getByLabel(/^Current password/).waitFor();
  await look(page, 'account-password');
  await account.click();
  await menu.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const me = await page.context().request.get(`${API_URL}/auth/me`);
  assert.equal(me.status(), 401, 'the session is over');
  await page.goto('/imports');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}, { as: null });

scenario('a new user chooses their own password before anything else; a session ended elsewhere shows the sign-in page with a note', async ({ page, allowConsoleError }) => {
  allowConsoleError(/status of (401|422)/);
  const { user: created, password: temporary } = await newUser('viewer');

  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await emailField(page).fill(created.email);
  await passwordField(page).fill(temporary);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // The change-password screen, and nothing else: no navigation.
  await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  await look(page, 'first-password');
  const form = page.getByRole('form', { name: 'Change password' });
  const current = form.getByLabel(/^Current password/);
  const fresh = form.getByLabel(/^New password(?!, again)/);
  const again = form.getByLabel(/^New password, again/);

  // The API's 422 at its field: a current password that is not it.
  await current.fill('not the temporary one');
  await fresh.fill('a brand new passphrase');
  await again.fill('a brand new passphrase');
  await form.getByRole('button', { name: 'Save and continue' }).click();
  await waitForText(form, 'This is not your current password.');
  const describedBy = await current.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
  );
  assert.match(describedBy, /This is not your current password\./, 'the message is the field’s description');
  await look(page, 'first-password-wrong-current');

  await current.fill(temporary);
  await form.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();
  await page.getByRole('button', { name: `Account: ${created.email}, Viewer` }).waitFor();

  // An admin resets their password elsewhere: their sessions end, and the next call says so.
  await api(`/users/${created.id}/reset-password`, { method: 'POST' });
  // The edge keeps the check's answers up to 5 s: wait (with this browser's cookie) until it refuses.
  const resetAt = Date.now();
  while ((await page.request.get('/api/products?limit=1')).status() !== 401) {
    assert.ok(Date.now() - resetAt < 6000, 'the session still works 6 s after the reset');
    await new Promise((done) => setTimeout(done, 200));
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByText('Your session has ended').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('next'), '/products');
  await look(page, 'signin-session-ended');
}, { as: null });

scenario('too many failed sign-ins lock the account for a while, and the form says how long', async ({ page, allowConsoleError }) => {
  allowConsoleError(/status of (401|429)/);
  const { user: created } = await newUser('viewer');
  // Five failures (the per-account limit), straight at the API.
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${API_URL}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: BASE_URL },
      body: JSON.stringify({ email: created.email, password: `wrong ${i}` }),
    });
    assert.equal(response.status, 401);
  }
  await page.goto('/signin');
  await emailField(page).fill(created.email);
  await passwordField(page).fill('one more guess');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Too many failed sign-ins' });
  await alert.waitFor();
  await waitForText(alert, /try again in \d+ (minutes?|seconds?)/);
  await look(page, 'signin-rate-limited');
}, { as: null });
