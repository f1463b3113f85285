// The jest wrapper as a connector package sees it: an empty skip reason fails the test file.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const pkg = path.resolve(__dirname, '..');
const jestBin = require.resolve('jest/bin/jest', { paths: [pkg] });

function runFixture(name: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [jestBin, '--ci', '--testMatch', `<rootDir>/test/fixtures/${name}`, '--reporters', 'default'], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('runConformanceSuite in a connector test file', () => {
  it('fails the file when a skip has an empty reason', () => {
    const { status, output } = runFixture('empty-skip-reason.fixture.ts');
    expect(status).not.toBe(0);
    expect(output).toContain('skips.pagination-large: a skipped check needs a written reason');
  }, 120_000);

  it('passes with written reasons and shows them in the skipped test titles', () => {
    const { status, output } = runFixture('written-skip-reason.fixture.ts');
    expect(output).toContain('skipped: only the manifest check runs in this fixture');
    expect(output).toMatch(/1 passed/);
    expect(status).toBe(0);
  }, 120_000);
});
