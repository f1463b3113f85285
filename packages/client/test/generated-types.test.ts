import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

// CI drift check (issue 15 §2): the committed types are exactly what openapi-typescript makes
// of the committed document. apps/api/test/client/openapi-snapshot.test.ts checks that the
// document is what the API serves. Both are rewritten by `pnpm --filter @kinko/client run generate`.
const root = join(__dirname, '..');

describe('generated types', () => {
  it('src/schema.d.ts is what openapi-typescript generates from openapi.json (run `pnpm --filter @kinko/client run generate`)', () => {
    const generated = execFileSync(process.execPath, [join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), 'openapi.json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const committed = readFileSync(join(root, 'src', 'schema.d.ts'), 'utf8');
    expect(generated.length).toBeGreaterThan(10_000);
    // A line diff names the first difference instead of printing both files.
    const a = committed.split('\n');
    const b = generated.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    expect({ firstDifferentLine: first === -1 && a.length === b.length ? null : first + 1, committed: a[first], generated: b[first] }).toEqual({ firstDifferentLine: null, committed: undefined, generated: undefined });
  });

  it('openapi.json is an OpenAPI document with the tenant and user routes the helpers use', () => {
    const doc = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/v2/tenant/users', '/api/v2/tenant/users/{userId}/tokens', '/api/v2/connect/{bankId}', '/api/v2/connect/{bankId}/credentials', '/api/v2/transactions/sync', '/api/v2/accounts/{accountId}/transactions']) {
      expect({ path, documented: path in doc.paths }).toEqual({ path, documented: true });
    }
  });
});
