// Fail when src/api/*.d.ts is not what `npm run gen:api` makes from openapi/*.json
// (someone changed the JSON, or edited the generated file by hand). Needs no Python.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const documents = ['upload', 'catalog', 'webhooks', 'accounts'].map((name) => [`openapi/${name}.json`, `src/api/${name}.d.ts`]);
const tmp = mkdtempSync(join(tmpdir(), 'api-types-'));
const cli = join(root, 'node_modules/openapi-typescript/bin/cli.js');
let stale = 0;
try {
  for (const [json, dts] of documents) {
    const out = join(tmp, 'out.d.ts');
    execFileSync(process.execPath, [cli, join(root, json), '-o', out], { stdio: 'ignore' });
    if (readFileSync(out, 'utf8') !== readFileSync(join(root, dts), 'utf8')) {
      console.error(`${dts} is not generated from ${json}: run \`npm run gen:api\` in frontend/ and commit the result.`);
      stale += 1;
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (stale) process.exit(1);
console.log('API types are current.');
