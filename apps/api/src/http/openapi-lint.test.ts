import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { offlineOpenApiDocument, openApiDocumentText } from '../cli/openapi-document';

// Redocly's recommended rules (apps/api/redocly.yaml) accept the document: no error, and only
// the warnings redocly.yaml justifies. `pnpm --filter @kinko/api run lint:openapi` runs the same
// lint in .ci/run.
const API_DIR = join(__dirname, '..', '..');
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const JUSTIFIED_WARNINGS = ['no-ambiguous-paths', 'operation-2xx-response'];

interface LintReport {
  readonly totals: { readonly errors: number; readonly warnings: number };
  readonly problems: ReadonlyArray<{ readonly ruleId: string; readonly severity: string; readonly message: string; readonly location: ReadonlyArray<{ readonly pointer: string }> }>;
}

async function lint(file: string): Promise<{ exitCode: number; report: LintReport }> {
  const run = promisify(execFile);
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const args = [REDOCLY, 'lint', '--config', join(API_DIR, 'redocly.yaml'), '--format', 'json', file];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: API_DIR, env, maxBuffer: 64 * 1024 * 1024 });
    return { exitCode: 0, report: JSON.parse(stdout) as LintReport };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { exitCode: failed.code ?? 1, report: JSON.parse(failed.stdout ?? '{}') as LintReport };
  }
}

describe('Redocly lint of the OpenAPI document (recommended rules)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinko-openapi-lint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports no error and no warning that redocly.yaml does not justify', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, openApiDocumentText(await offlineOpenApiDocument()));
    const { exitCode, report } = await lint(file);
    const line = (p: LintReport['problems'][number]): string => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`;
    expect(report.problems.filter((p) => p.severity === 'error').map(line)).toEqual([]);
    expect(report.problems.filter((p) => !JUSTIFIED_WARNINGS.includes(p.ruleId)).map(line)).toEqual([]);
    expect(exitCode).toBe(0);
  }, 120_000);

  it('fails on a document that breaks a recommended rule', async () => {
    const document = await offlineOpenApiDocument();
    const file = join(dir, 'broken.json');
    // No servers and a public operation without `security`: two errors of the recommended rules.
    writeFileSync(file, JSON.stringify({ ...document, servers: [], paths: { ...document.paths, '/broken': { get: { operationId: 'broken', responses: { '200': { description: 'OK.' } } } } } }));
    const { exitCode, report } = await lint(file);
    expect(exitCode).not.toBe(0);
    expect(report.problems.filter((p) => p.severity === 'error').map((p) => p.ruleId)).toEqual(expect.arrayContaining(['no-empty-servers', 'security-defined']));
  }, 120_000);
});
