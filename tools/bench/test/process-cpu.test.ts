import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { processCpuSeconds, processKernelCpuSeconds, processTreeCpuSeconds } from '../src/env/app';

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

describe('processKernelCpuSeconds', () => {
  // A process making syscalls (small synchronous writes to /dev/null) spends a good part of its
  // CPU in the kernel; a busy loop almost none.
  const SYSCALLS = "const fs = require('fs'); const fd = fs.openSync('/dev/null', 'w'); const b = Buffer.alloc(1); const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; }; while (cpu() < 700000) for (let i = 0; i < 1000; i += 1) fs.writeSync(fd, b); setTimeout(() => undefined, 20000);";
  // Arithmetic between rare clock reads (process.cpuUsage is itself a syscall).
  const BUSY_THEN_WAIT = 'let x = 0; const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; }; while (cpu() < 700000) for (let i = 0; i < 1e6; i += 1) x += i % 7; setTimeout(() => undefined, 20000 + (x % 2));';

  const measured = async (script: string): Promise<{ cpu: number; kernel: number }> => {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const pid = child.pid as number;
    try {
      let cpu = 0;
      for (let i = 0; i < 150 && cpu < 0.65; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        cpu = processCpuSeconds(pid) ?? 0;
      }
      return { cpu, kernel: processKernelCpuSeconds(pid) ?? Number.NaN };
    } finally {
      child.kill('SIGKILL');
    }
  };

  it('is the part of a process’s CPU spent in its syscalls', async () => {
    const syscalls = await measured(SYSCALLS);
    const busy = await measured(BUSY_THEN_WAIT);
    expect(syscalls.cpu).toBeGreaterThanOrEqual(0.65);
    expect(busy.cpu).toBeGreaterThanOrEqual(0.65);
    expect(syscalls.kernel).toBeLessThanOrEqual(syscalls.cpu);
    // Measured here: 0.17 of 0.66 CPU-s vs 0.01 of 0.66.
    expect(syscalls.kernel / syscalls.cpu).toBeGreaterThan(0.12);
    expect(busy.kernel / busy.cpu).toBeLessThan(0.06);
  });

  it('is undefined for a process that does not exist', () => {
    expect(processKernelCpuSeconds(2 ** 22 + 12_345)).toBeUndefined();
  });
});
