// The Imports history screen (/imports): finished jobs listed with their counts and who started
// them, new ones live. Signed in as the viewer: reading the history is everyone's.
import assert from 'node:assert/strict';
import { csv, look, scenario, uniqueTag, uploadCsv, waitForJob, waitForText } from './lib.mjs';

/** The cells of a history row by column header, `{File: ..., Status: ..., Inserted: ...}`. */
async function rowCells(table, row) {
  const headers = await table.getByRole('columnheader').allTextContents();
  const cells = await row.getByRole('cell').allTextContents();
  return Object.fromEntries(headers.map((header, i) => [header, cells[i]]));
}

function sampleCsv(tag) {
  return csv([
    ['sku', 'name', 'price'],
    [`HIST-${tag}-1`, 'Oak chair', '89.00'],
    [`HIST-${tag}-2`, 'Oak table', '349.00'],
    [`hist-${tag}-2`, 'Oak table, bigger', '399.00'],
    [`HIST-${tag}-3`, '', '1.00'],
  ]);
}

scenario('the history lists a finished import with status completed and its counts', async ({ page }) => {
  const tag = uniqueTag();
  const filename = `e2e-history-${tag}.csv`;
  const job = await waitForJob((await uploadCsv(filename, sampleCsv(tag))).id);
  assert.equal(job.status, 'completed');

  await page.goto('/imports');
  await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
  const table = page.getByRole('table');
  const row = table.getByRole('row').filter({ hasText: filename });
  await row.waitFor();
  const cells = await rowCells(table, row);
  assert.equal(cells.File, `${filename}by key ${job.created_by.slice(4)}`); // the name, and who started it below it
  assert.equal(cells.Status, 'Completed');
  assert.deepEqual(
    [cells.Rows, cells.Inserted, cells.Updated, cells.Invalid, cells.Duplicates],
    ['4', '2', '0', '1', '1'],
  );
  await row.getByRole('link', { name: `Errors of ${filename}` }).waitFor();
  // Started through the API with the admin key (api()): the key, by the display rule.
  assert.ok(job.created_by.startsWith('key:'), job.created_by);
  assert.equal(await row.locator('[data-started-by]').textContent(), `by key ${job.created_by.slice(4)}`);
  await look(page, 'imports-history');
}, { as: 'viewer' });

scenario('an import started elsewhere appears in the open history and completes live', async ({ page }) => {
  await page.goto('/imports');
  await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
  await page.getByText('Updates live.').waitFor();

  const tag = uniqueTag();
  const filename = `e2e-live-${tag}.csv`;
  await uploadCsv(filename, sampleCsv(tag));

  const row = page.getByRole('table').getByRole('row').filter({ hasText: filename });
  await row.waitFor();
  await waitForText(row, 'Completed', { timeout: 60_000 });
}, { as: 'viewer' });
