/**
 * End to end: `--quick` mode of the real CLI, from sources, in a child process (embedded
 * PostgreSQL, the built app, sandbox banks, autocannon — everything the bench does),
 * writing to a temporary directory. Checks that it completes and writes valid results;
 * no timing is asserted.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SCENARIO_IDS, parseResults } from '../src/results';

const packageDir = path.resolve(__dirname, '..');
const repo = path.resolve(packageDir, '..', '..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-bench-test-'));

function runCli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', path.join(__dirname, 'support', 'sources-hook.js'), path.join(packageDir, 'src', 'cli.ts'), ...args], {
      cwd: out,
      env: { ...process.env, INIT_CWD: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('pnpm bench --quick', () => {
  it('runs every scenario and writes a valid results file and Markdown table to the given paths', async () => {
    const realTable = path.join(repo, 'BENCHMARKS.md');
    const before = fs.existsSync(realTable) ? fs.readFileSync(realTable, 'utf8') : undefined;

    const { code, output } = await runCli(['--quick', '--runs', '1', '--results-dir', 'results', '--markdown', 'BENCHMARKS.md']);
    if (code !== 0) throw new Error(`the bench exited with ${code}:\n${output.slice(-6000)}`);

    const files = fs.readdirSync(path.join(out, 'results'));
    expect(files).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.quick\.json$/)]);
    const results = parseResults(JSON.parse(fs.readFileSync(path.join(out, 'results', files[0] as string), 'utf8')));
    expect(results.mode).toBe('quick');
    expect(results.scenarios.map((s) => s.id)).toEqual([...SCENARIO_IDS]);
    for (const s of results.scenarios) {
      // "completes": every scenario ran (a not-run one would carry its reason here).
      expect({ id: s.id, status: s.status, reason: s.reason }).toEqual({ id: s.id, status: 'ran', reason: null });
      expect(s.runs).toBe(1);
      for (const f of s.figures) {
        expect(Number.isFinite(f.ratio.median) && f.ratio.median > 0).toBe(true);
        expect(f.ratio.median).toBeCloseTo(f.value.median / f.floor.value.median, 9);
      }
    }
    expect(results.machine.postgres).toMatch(/^PostgreSQL \d+/);

    const table = fs.readFileSync(path.join(out, 'BENCHMARKS.md'), 'utf8');
    expect(table.match(/\| Target \| Figure \| Floor \| Ratio \| Met \|/g)).toHaveLength(SCENARIO_IDS.length);
    expect(table).toContain('## Misses and profile evidence');
    expect(output).toMatch(/ingest · run 1\/1…/);

    // The repository's own table is not touched by a run pointed elsewhere.
    expect(fs.existsSync(realTable) ? fs.readFileSync(realTable, 'utf8') : undefined).toBe(before);
  }, 30 * 60_000);
});
