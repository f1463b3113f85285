import type { AppUnderTest } from '../env/app';
import type { BenchPostgres } from '../env/postgres';
import type { Sizes } from '../options';
import type { Progress } from '../progress';
import type { FigureResult, ScenarioId, Target } from '../results';

/** What a scenario gets: the run's mode and sizes, PostgreSQL, the app, a work directory, progress. */
export interface ScenarioContext {
  readonly mode: 'quick' | 'full';
  readonly sizes: Sizes;
  readonly postgres: BenchPostgres;
  /** The built app, or undefined (with the reason) when it could not be found. */
  readonly app: AppUnderTest | undefined;
  readonly appMissing: string | undefined;
  /** A scratch directory of this scenario. */
  readonly workDir: string;
  readonly progress: Progress;
  /** A fresh database with the app's migrations applied (a copy of the migrated template). */
  freshDatabase(name: string): Promise<string>;
}

/** One figure a scenario reports, and the floor it is divided by. */
export interface FigureSpec {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly floorLabel: string;
  readonly floorUnit: string;
  readonly target: Target;
}

/** What one run measured: per figure its value and its floor (same run), raw details, and notes. */
export interface RunMeasurement {
  readonly figures: Readonly<Record<string, { readonly value: number; readonly floor: number }>>;
  readonly details?: Readonly<Record<string, number>>;
  /** Evidence worth reporting (e.g. the SQL captured); the same note from several runs is kept once. */
  readonly notes?: readonly string[];
}

/** A benchmark scenario: set up once, run `sizes.runs` times, torn down. */
export interface Scenario<State = unknown> {
  readonly id: ScenarioId;
  readonly title: string;
  /** How it measures (printed with its table). */
  readonly method: readonly string[];
  parameters(sizes: Sizes): Record<string, string | number | boolean>;
  readonly figures: readonly FigureSpec[];
  /** Why it cannot run here (a missing prerequisite), or null. */
  prerequisite(ctx: ScenarioContext): Promise<string | null>;
  setup(ctx: ScenarioContext): Promise<State>;
  run(ctx: ScenarioContext, state: State, runIndex: number): Promise<RunMeasurement>;
  teardown(ctx: ScenarioContext, state: State): Promise<void>;
  /** Misses and profile evidence, from the summarised figures and every run's details. */
  explain(figures: readonly FigureResult[], details: ReadonlyArray<Readonly<Record<string, number>>>): string[];
}
