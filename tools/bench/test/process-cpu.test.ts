import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { processCpuSeconds, processTreeCpuSeconds } from '../src/env/app';

// A shell that runs `node -e <busy loop>` in the background, then sleeps: the busy child's CPU
// must be counted while it runs (live child) and after it has exited and was reaped (cutime).
// The child spins until it has used 0.7 CPU-s itself (not for 0.7 s of wall time, which a loaded
// machine turns into less CPU than the test asks for).
const BUSY = 'const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; }; while (cpu() < 700000);';

describe('processTreeCpuSeconds', () => {
  it('counts a parent, its live children and its exited children', async () => {
    const shell = spawn('sh', ['-c', `"${process.execPath}" -e '${BUSY}' & wait; sleep 20`], { stdio: 'ignore' });
    const pid = shell.pid as number;
    try {
      const atStart = processTreeCpuSeconds(pid) ?? Number.NaN;
      // The busy child has run and been reaped by the shell once the shell's own children are gone.
      let after = atStart;
      for (let i = 0; i < 150 && after - atStart < 0.5; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = processTreeCpuSeconds(pid) ?? Number.NaN;
      }
      expect(after - atStart).toBeGreaterThanOrEqual(0.5);
      // The shell itself did almost nothing: the time is the child's.
      expect(processCpuSeconds(pid) ?? Number.NaN).toBeLessThan(0.2);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('is undefined for a process that does not exist', () => {
    expect(processTreeCpuSeconds(2 ** 22 + 12_345)).toBeUndefined();
  });
});
