// Take one screenshot of the built dashboard (npm run build first), with the API faked at the
// network boundary so that the Import screen shows a job in progress. Not a test: a way to look.
//   node scripts/screenshot.mjs [path=/] [width=1280] [out=../.var/screenshots/import.png]
// Uses Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) through playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const [path = '/', width = '1280', out = resolve(here, '../../.var/screenshots/import.png')] = process.argv.slice(2);
const port = 4179;
const jobId = '0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10';

const snapshot = {
  job_id: jobId, filename: 'catalog-2026-11.csv', size_bytes: 91_000_000, retry_of: null, status: 'importing',
  stage: 'importing', terminal: false, rows_total: 500_000, rows_read: 500_000, rows_processed: 180_000,
  rows_to_import: 482_311, inserted: 150_000, updated: 30_000, unchanged: 0, invalid: 37, duplicates: 17_652,
  batches_total: 97, batches_sent: 97, batches_done: 36, bytes_read: 91_000_000, bytes_total: 91_000_000,
  percent: 37.3, rate: 21_540, eta_seconds: 14, cancel_requested: false, error: null,
  created_at: '2026-11-23T10:00:00Z', started_at: '2026-11-23T10:00:01Z', updated_at: '2026-11-23T10:00:40Z',
  finished_at: null,
};

const server = spawn(process.execPath, [resolve(here, '../node_modules/vite/bin/vite.js'), 'preview', '--port', String(port), '--strictPort'], {
  cwd: resolve(here, '..'),
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => String(d).includes(String(port)) && ok());
  server.on('exit', (code) => fail(new Error(`vite preview exited (${code})`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  // Signed in (the dashboard asks who first, and shows the sign-in page to nobody).
  await page.route('**/api/auth/me', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ kind: 'user', id: '1', name: 'ops@example.com', role: 'editor', must_change_password: false, session_expires_at: null }),
    }),
  );
  await page.route('**/api/progress/imports/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/event-stream', body: `event: snapshot\nid: 1-0\ndata: ${JSON.stringify(snapshot)}\n\n` }),
  );
  await page.route('**/api/progress/imports?**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/event-stream', body: `event: snapshot\nid: 1-0\ndata: ${JSON.stringify({ jobs: [snapshot] })}\n\n` }),
  );
  await page.route('**/api/imports?**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [], total: 0, limit: 20, offset: 0 }) }),
  );
  await page.addInitScript(([id]) => {
    localStorage.setItem('product-importer.active-imports', JSON.stringify([{ id, filename: 'catalog-2026-11.csv', addedAt: new Date().toISOString() }]));
  }, [jobId]);
  await page.goto(`http://127.0.0.1:${port}${path}`);
  await page.waitForSelector('main h1');
  await page.waitForTimeout(800);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot: ${out}`);
  if (errors.length) console.log(`console errors:\n  ${errors.join('\n  ')}`);
} finally {
  await browser.close();
  server.kill();
}
