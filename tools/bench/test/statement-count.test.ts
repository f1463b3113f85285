import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

// The statements per session the miss evidence reports are counted by the server
// (pg_stat_statements, loaded by the bench's cluster), the bench's own polls left out. The
// probe runs in a child process from sources, as the bench itself does.
function runProbe(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', path.join(__dirname, 'support', 'sources-hook.js'), path.join(__dirname, 'support', 'statement-count-probe.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('BenchPostgres.statementCount', () => {
  it("counts the top-level statements run in one database since it started, BEGIN/COMMIT included, not the bench's untracked clients nor other databases, and names the costliest", async () => {
    const { code, stdout, stderr } = await runProbe();
    if (code !== 0) throw new Error(`the probe exited with ${code}:\n${stderr.slice(-4000)}`);
    // BEGIN, two SELECTs, COMMIT in the counted database; 5 untracked polls and one statement elsewhere left out.
    // The costliest statements come with their normalised text, calls, time and query id.
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ counted: 4, select: { query: 'SELECT $1::int AS n', calls: 2, timed: true, id: true } });
  }, 240_000);
});
