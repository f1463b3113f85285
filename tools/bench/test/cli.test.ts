import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseArgs, repoRoot } from '../src/cli';
import { childExecArgv } from '../src/env/app';

describe('parseArgs', () => {
  const root = '/repo';

  it('defaults to the full run writing bench/results and BENCHMARKS.md at the repository root', () => {
    expect(parseArgs([], root, '/somewhere')).toEqual({ quick: false, resultsDir: '/repo/bench/results', markdownPath: '/repo/BENCHMARKS.md', keepWorkDir: false });
  });

  it('takes --quick, --runs, --only and output paths relative to where the command was typed', () => {
    const o = parseArgs(['--', '--quick', '--runs', '1', '--only', 'ingest,memory', '--results-dir', 'out', '--markdown', 'out/B.md', '--keep'], root, '/work');
    expect(o).toMatchObject({ quick: true, runs: 1, only: ['ingest', 'memory'], resultsDir: '/work/out', markdownPath: '/work/out/B.md', keepWorkDir: true });
  });

  it('refuses unknown flags and scenarios, and bad run counts', () => {
    expect(() => parseArgs(['--fast'], root)).toThrow(/unknown argument --fast/);
    expect(() => parseArgs(['--only', 'ingest,warp'], root)).toThrow(/unknown scenario\(s\): warp/);
    expect(() => parseArgs(['--runs', '0'], root)).toThrow(/--runs/);
    expect(() => parseArgs(['--runs'], root)).toThrow(/needs a value/);
  });
});

describe('repoRoot', () => {
  it('finds the workspace root above the package', () => {
    expect(repoRoot(__dirname)).toBe(path.resolve(__dirname, '..', '..', '..'));
  });
});

describe('childExecArgv', () => {
  it('makes relative preload paths absolute so children started elsewhere find them', () => {
    expect(childExecArgv(['--conditions=@kinko/source', '-r', './hook.js', '--require=./other.js', '-r', 'pkg/hook'], '/base')).toEqual([
      '--conditions=@kinko/source',
      '-r',
      '/base/hook.js',
      '--require=/base/other.js',
      '-r',
      'pkg/hook',
    ]);
  });
});
