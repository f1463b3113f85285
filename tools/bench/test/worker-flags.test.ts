import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { benchWorkerNodeFlags, workerNodeFlags } from '../src/env/app';

describe('workerNodeFlags', () => {
  it("reads the Node flags of the app's worker script", () => {
    expect(workerNodeFlags('node --max-old-space-size=160 dist/main.js worker')).toEqual(['--max-old-space-size=160']);
    expect(workerNodeFlags('node  --a=1 --b  dist/main.js worker ')).toEqual(['--a=1', '--b']);
    expect(workerNodeFlags('node dist/main.js worker')).toEqual([]);
  });

  it('refuses a script it cannot reproduce, and a missing one', () => {
    expect(() => workerNodeFlags('NODE_ENV=x node dist/main.js worker')).toThrow(/not `node \[--flags\] dist\/main.js worker`/);
    expect(() => workerNodeFlags('node dist/main.js serve')).toThrow();
    expect(() => workerNodeFlags(undefined)).toThrow(/no `worker` script/);
  });

  it("parses the app's own worker script", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../apps/api/package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(workerNodeFlags(manifest.scripts['worker'])).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  });
});

describe('benchWorkerNodeFlags', () => {
  it('adds the opt-in profiling flags of KINKO_BENCH_WORKER_NODE_FLAGS, none when unset', () => {
    expect(benchWorkerNodeFlags(' --cpu-prof  --cpu-prof-dir=/tmp/p ')).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
    expect(benchWorkerNodeFlags(undefined)).toEqual([]);
    expect(benchWorkerNodeFlags('')).toEqual([]);
  });
});
