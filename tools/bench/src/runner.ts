import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppUnderTest } from './env/app';
import { BenchPostgres } from './env/postgres';
import { describeMachine } from './machine';
import { renderMarkdown } from './markdown';
import { FULL_SIZES, QUICK_SIZES, type Sizes } from './options';
import { Progress, type ProgressSink, duration } from './progress';
import { type BenchResults, type FigureResult, RESULTS_SCHEMA_VERSION, SCENARIO_IDS, type ScenarioId, type ScenarioResult, meets, parseResults } from './results';
import { ALL_SCENARIOS } from './scenarios';
import type { RunMeasurement, Scenario, ScenarioContext } from './scenarios/types';
import { summarize } from './stats';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Small sizes (a few minutes on 2 cores) instead of the issue's. */
  readonly quick: boolean;
  /** Runs per scenario (default: 3 full, 2 quick). */
  readonly runs?: number;
  /** Only these scenarios; the others are reported as not run. */
  readonly only?: readonly ScenarioId[];
  /** Where `<date>.json` (full) or `<date>.quick.json` (quick) is written. */
  readonly resultsDir: string;
  /** The Markdown file written (BENCHMARKS.md). */
  readonly markdownPath: string;
  /** Scratch directory (a fresh one under the OS temp dir by default; removed at the end unless `keepWorkDir`). */
  readonly workDir?: string;
  readonly keepWorkDir?: boolean;
  /** Progress lines (default: stdout). */
  readonly log?: ProgressSink;
  /** Overrides of the sizes (tests). */
  readonly sizes?: Partial<Sizes>;
}

/** What {@link runBench} wrote. */
export interface BenchOutput {
  readonly results: BenchResults;
  readonly resultsFile: string;
  readonly markdownFile: string;
}

/** The results file name of a run: `<YYYY-MM-DD>.json`, or `<YYYY-MM-DD>.quick.json` for quick mode. */
export function resultsFileName(at: Date, mode: 'quick' | 'full'): string {
  return `${at.toISOString().slice(0, 10)}${mode === 'quick' ? '.quick' : ''}.json`;
}

function notRun(scenario: Scenario<unknown>, sizes: Sizes, reason: string, durationMs = 0): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    status: 'not-run',
    reason,
    runs: 0,
    durationMs,
    parameters: scenario.parameters(sizes),
    method: [...scenario.method],
    figures: [],
    details: [],
    notes: [],
  };
}

/** Turns the runs' measurements into figures: min / median / max of value, floor and per-run ratio, and the verdict. */
export function summariseFigures(scenario: Scenario<unknown>, runs: readonly RunMeasurement[]): FigureResult[] {
  return scenario.figures.map((spec) => {
    const values = runs.map((r, i) => {
      const m = r.figures[spec.id];
      if (!m) throw new Error(`run ${i + 1} of ${scenario.id} did not measure ${spec.id}`);
      if (!Number.isFinite(m.value) || !Number.isFinite(m.floor) || m.floor === 0) throw new Error(`run ${i + 1} of ${scenario.id}: ${spec.id} is not a finite figure over a non-zero floor (${m.value} / ${m.floor})`);
      return m;
    });
    const ratio = summarize(values.map((m) => m.value / m.floor));
    return {
      id: spec.id,
      label: spec.label,
      unit: spec.unit,
      value: summarize(values.map((m) => m.value)),
      floor: { label: spec.floorLabel, unit: spec.floorUnit, value: summarize(values.map((m) => m.floor)) },
      ratio,
      target: spec.target,
      met: meets(spec.target, ratio.median),
    };
  });
}

async function runScenario(scenario: Scenario<unknown>, ctx: ScenarioContext, runs: number): Promise<ScenarioResult> {
  const started = Date.now();
  const progress = ctx.progress;
  const missing = await scenario.prerequisite(ctx);
  if (missing) {
    progress.step(`not run: ${missing}`);
    return notRun(scenario, ctx.sizes, missing);
  }
  let state: unknown;
  const measurements: RunMeasurement[] = [];
  try {
    progress.step('setting up…');
    state = await scenario.setup(ctx);
    for (let i = 0; i < runs; i += 1) {
      progress.step(`run ${i + 1}/${runs}…`);
      measurements.push(await scenario.run(ctx, state, i));
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    progress.step(`FAILED: ${message}`);
    if (e instanceof Error && e.stack) progress.step(e.stack.split('\n').slice(1, 6).join('\n'));
    if (state !== undefined) await scenario.teardown(ctx, state).catch(() => undefined);
    return notRun(scenario, ctx.sizes, `failed after ${measurements.length} of ${runs} runs: ${message.split('\n')[0] ?? ''}`, Date.now() - started);
  }
  await scenario.teardown(ctx, state).catch((e: unknown) => progress.step(`teardown: ${e instanceof Error ? e.message : String(e)}`));
  const figures = summariseFigures(scenario, measurements);
  const details = measurements.map((m) => ({ ...(m.details ?? {}) }));
  for (const f of figures) {
    progress.step(`${f.label}: median ${f.value.median.toPrecision(4)} ${f.unit} vs ${f.floor.label} ${f.floor.value.median.toPrecision(4)} ${f.floor.unit} → ratio ${f.ratio.median.toFixed(2)} (${f.target.text}): ${f.met ? 'met' : 'MISSED'}`);
  }
  return {
    id: scenario.id,
    title: scenario.title,
    status: 'ran',
    reason: null,
    runs: measurements.length,
    durationMs: Date.now() - started,
    parameters: scenario.parameters(ctx.sizes),
    method: [...scenario.method],
    figures,
    details,
    notes: [...new Set(measurements.flatMap((m) => m.notes ?? [])), ...scenario.explain(figures, details)],
  };
}

/**
 * Runs every scenario on a fresh embedded PostgreSQL and the sandbox banks over loopback,
 * then writes the results JSON (checked against its schema first) and the Markdown table.
 * A scenario whose prerequisite is missing, or that fails, is reported as not run with the
 * reason — never with made-up figures.
 */
export async function runBench(options: BenchOptions): Promise<BenchOutput> {
  const mode = options.quick ? 'quick' : 'full';
  const base = options.quick ? QUICK_SIZES : FULL_SIZES;
  const sizes: Sizes = { ...base, ...options.sizes, runs: options.runs ?? options.sizes?.runs ?? base.runs };
  const progress = new Progress(options.log ?? ((line) => process.stdout.write(`${line}\n`)));
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-bench-'));
  fs.mkdirSync(workDir, { recursive: true });
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to enter the work directory.
  fs.chmodSync(workDir, 0o755);
  progress.step(`Kinko bench, ${mode} mode, ${sizes.runs} run(s) per scenario; work directory ${workDir}`);

  let app: AppUnderTest | undefined;
  let appMissing: string | undefined;
  let builtAtStart: Date | undefined;
  try {
    app = AppUnderTest.locate();
    builtAtStart = app.builtAt();
    const stale = app.staleSources();
    progress.step(`app under test: ${app.main} (built ${app.builtAt().toISOString()})${stale.length > 0 ? ` — WARNING: sources changed after the build (${stale.join(', ')})` : ''}`);
  } catch (e) {
    appMissing = e instanceof Error ? e.message : String(e);
    progress.step(`app under test not available: ${appMissing}`);
  }

  progress.step('starting embedded PostgreSQL…');
  const postgres = await BenchPostgres.start(path.join(workDir, 'pg'));
  try {
    const version = await postgres.version();
    const machine = { ...describeMachine(version), loadAverageStart: loadAtStart };
    progress.step(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}, PostgreSQL ${machine.postgresVersion}`);

    let template: string | undefined;
    const freshDatabase = async (name: string): Promise<string> => {
      if (!app) throw new Error(`the app is not available: ${appMissing ?? ''}`);
      if (!template) {
        progress.step("migrating a template database with the app's migrations…");
        await postgres.createDatabase('bench_template');
        await app.migrate({ databaseUrl: postgres.url('bench_template'), banks: [], dataDir: path.join(workDir, 'app') });
        template = 'bench_template';
      }
      await postgres.createDatabase(name, template);
      return postgres.url(name);
    };

    const scenarios: ScenarioResult[] = [];
    for (const id of SCENARIO_IDS) {
      const scenario = ALL_SCENARIOS.find((x) => x.id === id);
      if (!scenario) throw new Error(`no scenario ${id}`);
      const scoped = progress.forScope(scenario.id);
      if (options.only && !options.only.includes(scenario.id)) {
        scenarios.push(notRun(scenario, sizes, 'excluded by --only'));
        continue;
      }
      const scenarioDir = path.join(workDir, scenario.id);
      fs.mkdirSync(scenarioDir, { recursive: true });
      const ctx: ScenarioContext = { mode, sizes, postgres, app, appMissing, workDir: scenarioDir, progress: scoped, freshDatabase };
      const result = await runScenario(scenario, ctx, sizes.runs);
      scoped.step(`done in ${duration(result.durationMs)}`);
      scenarios.push(result);
    }

    const results = parseResults({
      schemaVersion: RESULTS_SCHEMA_VERSION,
      generatedAt: startedAt.toISOString(),
      mode,
      runsPerFigure: sizes.runs,
      durationMs: Date.now() - startedAt.getTime(),
      machine: { ...machine, loadAverageEnd: os.loadavg() },
      app: app ? appBuild(app, builtAtStart) : { dist: 'not found', builtAt: '', staleSources: [] },
      scenarios,
    } satisfies BenchResults);

    fs.mkdirSync(options.resultsDir, { recursive: true });
    const resultsFile = path.join(options.resultsDir, resultsFileName(startedAt, mode));
    fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    fs.mkdirSync(path.dirname(options.markdownPath), { recursive: true });
    fs.writeFileSync(options.markdownPath, renderMarkdown(results, path.relative(path.dirname(options.markdownPath), resultsFile)));
    progress.step(`wrote ${resultsFile} and ${options.markdownPath}`);
    return { results, resultsFile, markdownFile: options.markdownPath };
  } finally {
    await postgres.stop();
    if (!options.keepWorkDir && !options.workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The app build measured, relative to the repository, and anything that makes it doubtful. */
function appBuild(app: AppUnderTest, builtAtStart: Date | undefined): BenchResults['app'] {
  const warnings = app.staleSources().map((f) => `${f} changed after the build`);
  const now = app.builtAt();
  if (builtAtStart && now.getTime() !== builtAtStart.getTime()) warnings.push(`the dist was rebuilt during the run (${builtAtStart.toISOString()} → ${now.toISOString()})`);
  return { dist: path.relative(path.resolve(app.root, '..', '..'), app.main), builtAt: (builtAtStart ?? now).toISOString(), staleSources: warnings };
}

/** The scenario ids, for option parsing. */
export const scenarioIds: readonly ScenarioId[] = SCENARIO_IDS;
