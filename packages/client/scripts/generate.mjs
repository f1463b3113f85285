// `pnpm --filter @kinko/client run generate`: regenerates the committed OpenAPI snapshot
// (openapi.json, from the API's controllers — no database, no server: apps/api
// src/cli/openapi-document.ts) and the types generated from it (src/schema.d.ts, by
// openapi-typescript). The drift tests fail while either differs from what this writes.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const api = join(here, '..', '..', 'apps', 'api');
const run = (cwd, args) => execFileSync(process.execPath, args, { cwd, stdio: 'inherit' });

// The packages the API imports, built (their dist is what it loads at run time), then the
// API's sources compiled as its build does (types are checked by check-types).
const repo = join(here, '..', '..');
run(repo, [join(repo, 'node_modules', 'turbo', 'bin', 'turbo'), 'run', 'build', '--filter=@kinko/api^...', '--output-logs=errors-only']);
run(api, [createRequire(join(api, 'package.json')).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck']);
run(api, [join(api, 'dist', 'cli', 'openapi-document.js'), join(here, 'openapi.json')]);
run(here, [join(here, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), 'openapi.json', '--output', 'src/schema.d.ts']);
