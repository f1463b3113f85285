import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BenchOptions, runBench, scenarioIds } from './runner';
import type { ScenarioId } from './results';

/** The repository root: the nearest directory above this file holding pnpm-workspace.yaml. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

const USAGE = `usage: pnpm bench [--quick] [--runs N] [--only ${scenarioIds.join(',')}]
                  [--results-dir DIR] [--markdown FILE] [--work-dir DIR] [--keep]
  --quick        small sizes (a few minutes on 2 cores)
  --runs N       runs per scenario (default 3; quick 2)
  --only a,b     run only these scenarios (the others are reported as not run)
  --results-dir  where <date>.json is written (default: <repo>/bench/results)
  --markdown     the Markdown file written (default: <repo>/BENCHMARKS.md)
  --work-dir     scratch directory (default: a new one under the OS temp directory)
  --keep         keep the scratch directory`;

/** Parses the command line (unknown flags are errors). */
export function parseArgs(argv: readonly string[], root: string, cwd: string = process.cwd()): BenchOptions {
  let quick = false;
  let runs: number | undefined;
  let only: ScenarioId[] | undefined;
  let resultsDir = path.join(root, 'bench', 'results');
  let markdownPath = path.join(root, 'BENCHMARKS.md');
  let workDir: string | undefined;
  let keepWorkDir = false;
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--quick':
        quick = true;
        break;
      case '--runs': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--runs must be a whole number ≥ 1\n${USAGE}`);
        runs = n;
        break;
      }
      case '--only': {
        const ids = value().split(',').map((s) => s.trim());
        const unknown = ids.filter((id) => !(scenarioIds as readonly string[]).includes(id));
        if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
        only = ids as ScenarioId[];
        break;
      }
      case '--results-dir':
        resultsDir = path.resolve(cwd, value());
        break;
      case '--markdown':
        markdownPath = path.resolve(cwd, value());
        break;
      case '--work-dir':
        workDir = path.resolve(cwd, value());
        break;
      case '--keep':
        keepWorkDir = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return { quick, resultsDir, markdownPath, keepWorkDir, ...(runs ? { runs } : {}), ...(only ? { only } : {}), ...(workDir ? { workDir } : {}) };
}

async function main(): Promise<number> {
  // pnpm runs scripts in the package directory: relative paths are meant from where the user typed the command.
  const cwd = process.env['INIT_CWD'] ?? process.cwd();
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2), repoRoot(), cwd);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const out = await runBench(options);
  const missed = out.results.scenarios.flatMap((s) => s.figures.filter((f) => !f.met).map((f) => `${s.id}/${f.id}`));
  const notRun = out.results.scenarios.filter((s) => s.status === 'not-run').map((s) => s.id);
  process.stdout.write(`\nresults: ${out.resultsFile}\ntable:   ${out.markdownFile}\n`);
  if (notRun.length > 0) process.stdout.write(`not run: ${notRun.join(', ')}\n`);
  if (missed.length > 0) process.stdout.write(`missed:  ${missed.join(', ')}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
