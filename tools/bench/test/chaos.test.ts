/**
 * The fault suite's chaos part in CI: `pnpm chaos` — the same CLI and code — with 10 worker
 * SIGKILLs, a PostgreSQL immediate stop and two withdrawals, from sources, in a child process,
 * writing to a temporary directory. Nothing may be lost, extra, duplicated or stuck, and no
 * app process may die by itself. (`pnpm chaos` runs 100 kills and writes CHAOS.md.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseChaosArgs } from '../src/chaos/cli';
import type { ChaosResult } from '../src/chaos/report';

const packageDir = path.resolve(__dirname, '..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-chaos-test-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

function runCli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', path.join(__dirname, 'support', 'sources-hook.js'), path.join(packageDir, 'src', 'chaos', 'cli.ts'), ...args], {
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

describe('pnpm chaos', () => {
  it('parses its options: 100 kills by default, results at the repository root', () => {
    expect(parseChaosArgs([], '/repo', '/x')).toMatchObject({ kills: 100, outages: 5, withdrawals: 5, resultsDir: '/repo/chaos/results', markdownPath: '/repo/CHAOS.md' });
    expect(parseChaosArgs(['--kills', '10', '--markdown', 'C.md'], '/repo', '/x')).toMatchObject({ kills: 10, markdownPath: '/x/C.md' });
    expect(() => parseChaosArgs(['--kills', '0'], '/repo')).toThrow('--kills');
    expect(() => parseChaosArgs(['--storm'], '/repo')).toThrow('unknown argument --storm');
  });

  it('10 SIGKILLs mid-sync, a PostgreSQL outage, 2 withdrawals: 0 lost, 0 extra, 0 duplicated, 0 stuck, no crash — figures written by the tool', async () => {
    const { code, output } = await runCli(['--kills', '10', '--outages', '1', '--withdrawals', '2', '--results-dir', 'results', '--markdown', 'CHAOS.md']);
    if (code !== 0) throw new Error(`chaos exited with ${code}:\n${output.slice(-6000)}`);
    const files = fs.readdirSync(path.join(out, 'results'));
    expect(files).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.json$/)]);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'results', files[0] as string), 'utf8')) as ChaosResult;
    const f = result.figures;
    expect({ kills: f.kills, outages: f.outages, withdrawals: f.withdrawals }).toEqual({ kills: 10, outages: 1, withdrawals: 2 });
    expect({ lost: f.lost, extra: f.extra, duplicated: f.duplicated, stuck: f.stuck, unexpectedExits: f.unexpectedExits }).toEqual({ lost: 0, extra: 0, duplicated: 0, stuck: 0, unexpectedExits: 0 });
    expect(f.rowsChecked).toBeGreaterThan(0);
    expect(f.killsDuringSync).toBeGreaterThanOrEqual(1); // the kills hit syncs, not only idle workers
    expect(result.passed).toBe(true);
    const md = fs.readFileSync(path.join(out, 'CHAOS.md'), 'utf8');
    expect(md).toContain('| worker SIGKILLs | 10 |');
    expect(md).toContain(`| bank rows checked | ${f.rowsChecked} |`);
    process.stdout.write(`chaos: ${JSON.stringify(f)}\n`);
  }, 600_000);
});
