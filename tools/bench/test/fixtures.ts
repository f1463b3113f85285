import { type BenchResults, RESULTS_SCHEMA_VERSION, SCENARIO_IDS, type ScenarioId, type ScenarioResult } from '../src/results';
import { summariseFigures } from '../src/runner';
import type { RunMeasurement, Scenario } from '../src/scenarios/types';

/** A scenario definition for tests: only the parts the report uses are real. */
export function fakeScenario(id: ScenarioId, threshold = 0.6): Scenario<unknown> {
  return {
    id,
    title: `Scenario ${id}`,
    method: ['measured somehow'],
    parameters: () => ({ rows: 10 }),
    figures: [{ id: 'rate', label: 'Rate', unit: 'rows/s', floorLabel: 'COPY', floorUnit: 'rows/s', target: { text: `≥ ${threshold}×`, comparator: '>=', threshold } }],
    prerequisite: async () => null,
    setup: async () => undefined,
    run: async () => ({ figures: {} }),
    teardown: async () => undefined,
    explain: () => [],
  };
}

/** A scenario result that ran, from per-run (value, floor) pairs. */
export function ranScenario(id: ScenarioId, runs: ReadonlyArray<readonly [number, number]>, threshold = 0.6): ScenarioResult {
  const scenario = fakeScenario(id, threshold);
  const measurements: RunMeasurement[] = runs.map(([value, floor]) => ({ figures: { rate: { value, floor } }, details: { value } }));
  return {
    id,
    title: scenario.title,
    status: 'ran',
    reason: null,
    runs: runs.length,
    durationMs: 1000,
    parameters: { rows: 10 },
    method: ['measured somehow'],
    figures: summariseFigures(scenario, measurements),
    details: measurements.map((m) => ({ ...(m.details ?? {}) })),
    notes: [],
  };
}

/** A valid results object: every scenario ran with three runs. */
export function validResults(): BenchResults {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    generatedAt: '2026-01-02T03:04:05.000Z',
    mode: 'quick',
    runsPerFigure: 3,
    durationMs: 60_000,
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryBytes: 8 * 2 ** 30,
      platform: 'linux',
      osRelease: '6.0',
      arch: 'x64',
      node: 'v20.20.2',
      postgres: 'PostgreSQL 18.4 on x86_64',
      postgresVersion: '18.4',
      loadAverageStart: [0.1, 0.2, 0.3],
      loadAverageEnd: [0.2, 0.2, 0.3],
    },
    app: { dist: 'apps/api/dist/main.js', builtAt: '2026-01-02T03:00:00.000Z', staleSources: [] },
    scenarios: SCENARIO_IDS.map((id) =>
      ranScenario(id, [
        [70, 100],
        [60, 100],
        [80, 100],
      ]),
    ),
  };
}
