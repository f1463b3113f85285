import { Schema } from 'effect';

/** The scenarios, in the order they run and are reported. */
export const SCENARIO_IDS = ['ingest', 'full-sync', 'daily-refresh', 'incremental', 'api-load', 'memory', 'flat-costs', 'scheduler-plan', 'several-workers'] as const;
/** One scenario's id. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Version of the results file layout; bumped when a field changes meaning. */
export const RESULTS_SCHEMA_VERSION = 1;

const Finite = Schema.Finite;

/** min / median / max of repeated runs, and every sample. */
export const SummarySchema = Schema.Struct({
  min: Finite,
  median: Finite,
  max: Finite,
  samples: Schema.Array(Finite),
});

/** What a figure must achieve: `ratio <comparator> threshold` (judged on the median ratio). */
export const TargetSchema = Schema.Struct({
  text: Schema.String,
  comparator: Schema.Literals(['<=', '>=']),
  threshold: Finite,
});

/** One measured figure, its floor (reference) measured in the same run, their ratio, and the verdict. */
export const FigureSchema = Schema.Struct({
  id: Schema.String,
  label: Schema.String,
  unit: Schema.String,
  value: SummarySchema,
  floor: Schema.Struct({ label: Schema.String, unit: Schema.String, value: SummarySchema }),
  /** figure ÷ floor, per run. */
  ratio: SummarySchema,
  target: TargetSchema,
  met: Schema.Boolean,
});

const ParameterValue = Schema.Union([Schema.String, Finite, Schema.Boolean]);

/** One scenario: ran (figures, notes) or not run (reason). */
export const ScenarioResultSchema = Schema.Struct({
  id: Schema.Literals(SCENARIO_IDS),
  title: Schema.String,
  status: Schema.Literals(['ran', 'not-run']),
  /** Why it did not run (a missing prerequisite or a failure), null when it ran. */
  reason: Schema.NullOr(Schema.String),
  /** Completed runs. */
  runs: Finite,
  durationMs: Finite,
  parameters: Schema.Record(Schema.String, ParameterValue),
  /** How it is measured (printed under the scenario's table). */
  method: Schema.Array(Schema.String),
  figures: Schema.Array(FigureSchema),
  /** Raw measurements of every run (evidence: requests, CPU seconds, phases…). */
  details: Schema.Array(Schema.Record(Schema.String, Finite)),
  /** Misses and profile evidence, written by the scenario. */
  notes: Schema.Array(Schema.String),
});

/** The machine the figures were measured on. */
export const MachineSchema = Schema.Struct({
  cpuModel: Schema.String,
  cores: Finite,
  memoryBytes: Finite,
  platform: Schema.String,
  osRelease: Schema.String,
  arch: Schema.String,
  node: Schema.String,
  postgres: Schema.String,
  postgresVersion: Schema.String,
  /** 1, 5 and 15 minute load averages when the run started and when it ended: other work on the machine shows here. */
  loadAverageStart: Schema.Array(Finite),
  loadAverageEnd: Schema.Array(Finite),
});

/** A whole results file (`bench/results/<date>.json`). */
export const BenchResultsSchema = Schema.Struct({
  schemaVersion: Schema.Literal(RESULTS_SCHEMA_VERSION),
  generatedAt: Schema.String,
  mode: Schema.Literals(['quick', 'full']),
  runsPerFigure: Finite,
  durationMs: Finite,
  machine: MachineSchema,
  /** The application build measured (its dist), and whether it was older than its sources. */
  app: Schema.Struct({ dist: Schema.String, builtAt: Schema.String, staleSources: Schema.Array(Schema.String) }),
  scenarios: Schema.Array(ScenarioResultSchema),
});

/** min / median / max of repeated runs. */
export type SummaryResult = typeof SummarySchema.Type;
/** A figure's target. */
export type Target = typeof TargetSchema.Type;
/** One figure of a scenario. */
export type FigureResult = typeof FigureSchema.Type;
/** One scenario's results. */
export type ScenarioResult = typeof ScenarioResultSchema.Type;
/** Machine description. */
export type Machine = typeof MachineSchema.Type;
/** A results file. */
export type BenchResults = typeof BenchResultsSchema.Type;

/** Thrown by {@link parseResults} with every problem found. */
export class InvalidResultsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid benchmark results:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidResultsError';
  }
}

/** Whether `ratio` meets `target`. */
export function meets(target: Target, ratio: number): boolean {
  return target.comparator === '<=' ? ratio <= target.threshold : ratio >= target.threshold;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Decodes a results file and checks what the schema alone cannot: every scenario exactly
 * once and in order; a scenario that ran has figures, one sample per run everywhere, each
 * ratio sample = figure ÷ floor of its run, and a verdict that matches the median ratio;
 * one that did not run has a reason and no figures.
 */
export function parseResults(input: unknown): BenchResults {
  let results: BenchResults;
  try {
    results = Schema.decodeUnknownSync(BenchResultsSchema)(input);
  } catch (e) {
    throw new InvalidResultsError([e instanceof Error ? e.message : String(e)]);
  }
  const problems: string[] = [];
  const ids = results.scenarios.map((s) => s.id);
  if (ids.join(',') !== SCENARIO_IDS.join(',')) problems.push(`scenarios must be ${SCENARIO_IDS.join(', ')} in that order (got ${ids.join(', ')})`);
  for (const s of results.scenarios) {
    if (s.status === 'not-run') {
      if (!s.reason) problems.push(`${s.id}: not run without a reason`);
      if (s.figures.length > 0) problems.push(`${s.id}: not run but has figures`);
      continue;
    }
    if (s.reason !== null) problems.push(`${s.id}: ran but has a reason`);
    if (s.figures.length === 0) problems.push(`${s.id}: ran without figures`);
    if (s.runs < 1) problems.push(`${s.id}: ran with no run`);
    for (const f of s.figures) {
      const where = `${s.id}/${f.id}`;
      for (const [name, summary] of [
        ['value', f.value],
        ['floor', f.floor.value],
        ['ratio', f.ratio],
      ] as const) {
        if (summary.samples.length !== s.runs) problems.push(`${where}: ${name} has ${summary.samples.length} samples for ${s.runs} runs`);
        if (!(summary.min <= summary.median && summary.median <= summary.max)) problems.push(`${where}: ${name} min ≤ median ≤ max does not hold`);
      }
      f.ratio.samples.forEach((r, i) => {
        const v = f.value.samples[i];
        const fl = f.floor.value.samples[i];
        if (v !== undefined && fl !== undefined && !close(r, v / fl)) problems.push(`${where}: ratio of run ${i + 1} is not figure ÷ floor`);
      });
      if (f.met !== meets(f.target, f.ratio.median)) problems.push(`${where}: verdict does not match the median ratio`);
    }
  }
  if (problems.length > 0) throw new InvalidResultsError(problems);
  return results;
}
