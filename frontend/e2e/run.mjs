// Run the dashboard's browser scenarios (e2e/*.test.mjs) with Node's test runner.
//   node e2e/run.mjs [name ...]     only the files whose name contains one of these words
// Against a running stack: E2E_BASE_URL (default http://127.0.0.1:8080, what `make run` serves).
// tests/e2e/test_dashboard.py starts a stack of its own and runs this; see lib.mjs for the env.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
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

// One file at a time: each has a browser of its own, and the machine runs the whole stack too.
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
