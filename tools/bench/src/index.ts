/**
 * @kinko/bench — reproducible benchmarks of Kinko (DESIGN.md §7): every figure measured
 * against a floor in the same run, written as JSON (`bench/results/<date>.json`) and as the
 * table in BENCHMARKS.md. Run with `pnpm bench [--quick]` from the repository root.
 */
export { runBench, resultsFileName, summariseFigures, type BenchOptions, type BenchOutput } from './runner';
export { parseArgs, repoRoot } from './cli';
export {
  BenchResultsSchema,
  InvalidResultsError,
  RESULTS_SCHEMA_VERSION,
  SCENARIO_IDS,
  meets,
  parseResults,
  type BenchResults,
  type FigureResult,
  type Machine,
  type ScenarioId,
  type ScenarioResult,
  type SummaryResult,
  type Target,
} from './results';
export { renderMarkdown, formatValue } from './markdown';
export { summarize, type Summary } from './stats';
export { FULL_SIZES, QUICK_SIZES, type Sizes } from './options';
export { parseStatementLog, type CapturedStatement } from './env/postgres';
