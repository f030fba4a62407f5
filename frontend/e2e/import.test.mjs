// The Import screen (/): upload through the file input, follow the job, a rejected file.
import assert from 'node:assert/strict';
import { csv, csvFile, look, scenario, uniqueTag, waitForText } from './lib.mjs';

/** The counts of a job card, `{Inserted: '3', Updated: '0', ...}`, from its description list. */
function counts(card) {
  return card.locator('dl').evaluate((dl) =>
    Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
  );
}

scenario('a CSV uploaded through the file input imports, with its invalid and duplicate rows counted', async ({ page }) => {
  const tag = uniqueTag();
  const filename = `e2e-import-${tag}.csv`;
  const text = csv([
    ['sku', 'name', 'description', 'price'],
    [`E2E-${tag}-1`, 'Steel kettle', '1.7 l', '39.90'],
    [`E2E-${tag}-2`, 'Toaster', 'two slots', '24.50'],
    [`E2E-${tag}-3`, 'Desk lamp', '', ''],
    [`e2e-${tag}-1`, 'Steel kettle v2', 'the same SKU in other letters: a duplicate, the later row wins', '34.90'],
    [`E2E-${tag}-4`, '', 'no name: invalid', '5.00'],
    ['', 'No SKU', 'no sku: invalid', '6.00'],
  ]);

  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();
  await look(page, 'import-empty');

  await page.getByLabel('CSV file to import').setInputFiles(csvFile(filename, text));

  const card = page.getByRole('article', { name: filename });
  await card.waitFor();
  await card.getByText('Completed', { exact: true }).waitFor({ timeout: 60_000 });
  const progress = card.getByRole('progressbar', { name: `${filename} progress` });
  assert.equal(await progress.getAttribute('aria-valuenow'), '100');
  // The totals come with the terminal snapshot; wait for them rather than for a moment.
  await waitForText(card.locator('dl'), /Inserted\s*3/);
  assert.deepEqual(await counts(card), { Inserted: '3', Updated: '0', Invalid: '2', Duplicates: '1' });
  await card.getByRole('link', { name: 'Download error report (2 rows)' }).waitFor();
  await waitForText(card.getByRole('status'), `${filename}: Completed.`);
  await look(page, 'import-completed');

  // The job is remembered in this browser: still shown after a reload.
  await page.reload();
  await page.getByRole('article', { name: filename }).getByText('Completed', { exact: true }).waitFor();
});

scenario('a file without the sku column is rejected, and the message names the column', async ({ page, allowConsoleError }) => {
  // Chromium logs every HTTP error answer to the console; this one is the point of the scenario.
  allowConsoleError(/status of 422/);
  const filename = `e2e-no-sku-${uniqueTag()}.csv`;

  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Import products' }).waitFor();
  await page.getByLabel('CSV file to import').setInputFiles(
    csvFile(filename, csv([['name', 'description'], ['Kettle', 'no sku column']])),
  );

  const alert = page.getByRole('alert').filter({ hasText: 'Required columns are missing' });
  await alert.waitFor();
  await waitForText(alert, /sku/);
  const missing = alert.getByRole('list', { name: 'Missing columns' });
  assert.equal((await missing.getByRole('listitem').allTextContents()).join('|'), 'Missing column sku');
  assert.equal(await page.getByRole('article', { name: filename }).count(), 0, 'a rejected file starts no job');
  await look(page, 'import-rejected');

  await alert.getByRole('button', { name: 'Dismiss error' }).click();
  await alert.waitFor({ state: 'detached' });
});
