import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../cli';
import { Progress } from '../progress';
import { runChaos } from './chaos';
import { chaosResult, writeChaosResult } from './report';

const USAGE = `usage: pnpm chaos [--kills N] [--outages N] [--withdrawals N] [--seed N] [--results-dir DIR] [--markdown FILE]
  --kills N        worker SIGKILLs (default 100; CI runs 10)
  --outages N      PostgreSQL immediate stops, restarted (default 5)
  --withdrawals N  consent withdrawals / disconnects mid-sync (default 5)
  --seed N         the random choices (default: from the clock; printed)
  --results-dir    where <date>.json is written (default: <repo>/chaos/results)
  --markdown       the Markdown report (default: <repo>/CHAOS.md)`;

/** The options of a chaos run from the command line (unknown flags are errors). */
export function parseChaosArgs(argv: readonly string[], root: string, cwd: string = process.cwd()) {
  const o = { kills: 100, outages: 5, withdrawals: 5, seed: Date.now() % 1_000_000_007, resultsDir: path.join(root, 'chaos', 'results'), markdownPath: path.join(root, 'CHAOS.md') };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const count = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} must be a whole number ≥ 0\n${USAGE}`);
      return n;
    };
    switch (arg) {
      case '--kills':
        o.kills = count();
        break;
      case '--outages':
        o.outages = count();
        break;
      case '--withdrawals':
        o.withdrawals = count();
        break;
      case '--seed':
        o.seed = count();
        break;
      case '--results-dir':
        o.resultsDir = path.resolve(cwd, value());
        break;
      case '--markdown':
        o.markdownPath = path.resolve(cwd, value());
        break;
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (o.kills < 1) throw new Error(`--kills must be at least 1\n${USAGE}`);
  return o;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const args = parseChaosArgs(process.argv.slice(2), root, process.env['INIT_CWD'] ?? process.cwd());
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-chaos-'));
  fs.chmodSync(workDir, 0o755);
  const progress = new Progress((line) => process.stdout.write(`${line}\n`));
  const options = { kills: args.kills, outages: args.outages, withdrawals: args.withdrawals, usersPerRound: 1, transactionsPerAccount: 1_500, workers: 2, seed: args.seed, workDir, progress };
  progress.step(`chaos: ${args.kills} kills, ${args.outages} outages, ${args.withdrawals} withdrawals, seed ${args.seed}`);
  try {
    const figures = await runChaos(options);
    const result = chaosResult(options, figures);
    const written = writeChaosResult(result, args.resultsDir, args.markdownPath);
    progress.step(`${result.passed ? 'passed' : 'FAILED'}: ${JSON.stringify(figures)}`);
    progress.step(`wrote ${written.json} and ${written.markdown}`);
    return result.passed ? 0 : 1;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
