import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

// The workspace's test records (tools/jest): the reporter writes each package's totals and
// each test file's duration; summarize.js prints the totals, then the 15 slowest files.

const run = promisify(execFile);
const JEST_DIR = path.resolve(__dirname, '../../jest');
const JEST_BIN = path.resolve(__dirname, '../../../node_modules/jest/bin/jest.js');

interface Record {
  package: string;
  passed: number;
  failed: number;
  skipped: number;
  files: Array<{ file: string; ms: number; failed: boolean }>;
}

/** Runs summarize.js on `dir`: its output lines and exit code. */
async function summarize(dir: string): Promise<{ lines: string[]; code: number }> {
  try {
    const { stdout } = await run(process.execPath, [path.join(JEST_DIR, 'summarize.js'), dir]);
    return { lines: stdout.trimEnd().split('\n'), code: 0 };
  } catch (e) {
    const failed = e as { stdout: string; code: number };
    return { lines: failed.stdout.trimEnd().split('\n'), code: failed.code };
  }
}

describe('the test records (tools/jest)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kinko-jest-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a jest run records each test file's duration, and summarize.js lists the slowest first", async () => {
    const project = path.join(dir, 'pkg');
    const out = path.join(dir, 'results');
    mkdirSync(path.join(project, 'test'), { recursive: true });
    writeFileSync(
      path.join(project, 'jest.config.js'),
      `module.exports = ${JSON.stringify({ rootDir: project, testEnvironment: 'node', transform: {}, testMatch: ['<rootDir>/test/*.test.js'], reporters: [[path.join(JEST_DIR, 'summary-reporter.js'), { outDir: out }]] })};`,
    );
    writeFileSync(path.join(project, 'test/fast.test.js'), `it('is quick', () => { expect(1).toBe(1); });\n`);
    writeFileSync(path.join(project, 'test/slow.test.js'), `it('waits 600 ms', async () => { await new Promise((r) => setTimeout(r, 600)); });\nit.skip('is skipped', () => {});\n`);
    await run(process.execPath, [JEST_BIN, '--config', path.join(project, 'jest.config.js'), '--runInBand'], { cwd: project });

    const record = JSON.parse(readFileSync(path.join(out, 'pkg.json'), 'utf8')) as Record;
    expect(record).toMatchObject({ package: 'pkg', passed: 2, failed: 0, skipped: 1 });
    const byName = new Map(record.files.map((f) => [path.basename(f.file), f]));
    expect([...byName.keys()].sort()).toEqual(['fast.test.js', 'slow.test.js']);
    expect(byName.get('slow.test.js')?.ms).toBeGreaterThanOrEqual(600);
    expect(byName.get('slow.test.js')?.ms).toBeGreaterThan(byName.get('fast.test.js')?.ms ?? Infinity);

    const { lines, code } = await summarize(out);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^ {2}pkg: 2 passed, 0 failed, 1 skipped \(2 files, \d+\.\d s\)$/);
    expect(lines[1]).toBe('tests: 2 passed, 0 failed, 1 skipped');
    expect(lines[2]).toBe('slowest test files (2 of 2):');
    expect(lines[3]).toMatch(/^ +\d+\.\d s {2}.*slow\.test\.js$/);
    expect(lines[4]).toMatch(/^ +\d+\.\d s {2}.*fast\.test\.js$/);
  }, 60_000);

  it('lists only the 15 slowest files over all packages, after the totals, and marks failed ones', async () => {
    const out = path.join(dir, 'many');
    mkdirSync(out);
    // 2 packages × 10 files; file i of package p took (p * 10 + i) seconds.
    for (const p of [0, 1]) {
      const files = Array.from({ length: 10 }, (_, i) => ({ file: `pkg${p}/test/f${p * 10 + i}.test.ts`, ms: (p * 10 + i) * 1000, failed: p === 1 && i === 9 }));
      writeFileSync(path.join(out, `pkg${p}.json`), JSON.stringify({ package: `pkg${p}`, passed: 10, failed: p === 1 ? 1 : 0, skipped: 0, files }));
    }
    const { lines, code } = await summarize(out);
    expect(code).toBe(1);
    expect(lines.slice(0, 4)).toEqual([
      '  pkg0: 10 passed, 0 failed, 0 skipped (10 files, 45.0 s)',
      '  pkg1: 10 passed, 1 failed, 0 skipped (10 files, 145.0 s)',
      'tests: 20 passed, 1 failed, 0 skipped',
      'slowest test files (15 of 20):',
    ]);
    const listed = lines.slice(4);
    expect(listed).toHaveLength(15);
    expect(listed[0]).toBe('    19.0 s  pkg1/test/f19.test.ts  (failed)');
    expect(listed.map((l) => /f(\d+)\.test/.exec(l)?.[1])).toEqual(['19', '18', '17', '16', '15', '14', '13', '12', '11', '10', '9', '8', '7', '6', '5']);
  });

  it('still reads a record written before durations were kept (no file list)', async () => {
    const out = path.join(dir, 'old');
    mkdirSync(out);
    writeFileSync(path.join(out, 'pkg.json'), JSON.stringify({ package: 'pkg', passed: 3, failed: 0, skipped: 1 }));
    expect(await summarize(out)).toEqual({ lines: ['  pkg: 3 passed, 0 failed, 1 skipped', 'tests: 3 passed, 0 failed, 1 skipped'], code: 0 });
  });
});
