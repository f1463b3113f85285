import { apiLoadScenario } from './api-load';
import { dailyRefreshScenario } from './daily-refresh';
import { flatCostsScenario } from './flat-costs';
import { fullSyncScenario } from './full-sync';
import { incrementalScenario } from './incremental';
import { ingestScenario } from './ingest';
import { memoryScenario } from './memory';
import { schedulerPlanScenario } from './scheduler-plan';
import { severalWorkersScenario } from './several-workers';
import type { Scenario } from './types';

/** Every scenario, in report order (the ids of SCENARIO_IDS). */
export const ALL_SCENARIOS: ReadonlyArray<Scenario<unknown>> = [ingestScenario, fullSyncScenario, dailyRefreshScenario, incrementalScenario, apiLoadScenario, memoryScenario, flatCostsScenario, schedulerPlanScenario, severalWorkersScenario] as ReadonlyArray<
  Scenario<unknown>
>;
