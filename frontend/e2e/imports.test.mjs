// The Imports history screen (/imports): finished jobs listed with their counts, new ones live.
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
  assert.equal(cells.File, filename);
  assert.equal(cells.Status, 'Completed');
  assert.deepEqual(
    [cells.Rows, cells.Inserted, cells.Updated, cells.Invalid, cells.Duplicates],
    ['4', '2', '0', '1', '1'],
  );
  await row.getByRole('link', { name: `Errors of ${filename}` }).waitFor();
  await look(page, 'imports-history');
});

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
});
