// Run the dashboard's browser scenarios (e2e/*.test.mjs) with Node's test runner.
//   node e2e/run.mjs [word ...]     only the files whose name contains one of these words
// Against a running stack: E2E_BASE_URL (default http://127.0.0.1:8080, what `make run` serves).
// tests/e2e/test_dashboard.py starts a stack of its own and runs this; see lib.mjs for the env.
//
// All the files run in one Node process, one after the other, so that they share one browser
// (each scenario still gets a fresh context): launching Chromium per file cost seconds each.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--files') {
  // The child: the test files register their scenarios, which node:test then runs in order.
  for (const file of process.argv.slice(3)) await import(pathToFileURL(file).href);
} else {
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((name) => name.endsWith('.test.mjs'))
    .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
    .sort()
    .map((name) => join(here, name));
  if (files.length === 0) {
    console.error(`no e2e/*.test.mjs matches ${only.join(', ')}`);
    process.exit(1);
  }
  const child = spawn(process.execPath, ['--test-reporter=spec', fileURLToPath(import.meta.url), '--files', ...files], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
