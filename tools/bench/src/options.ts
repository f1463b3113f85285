/** How big each scenario is. */
export interface Sizes {
  /** Runs of every scenario (min / median / max over them). */
  readonly runs: number;
  readonly ingest: { readonly accounts: number; readonly rowsPerAccount: number; readonly historyDays: number; readonly pageSize: number };
  readonly fullSync: {
    readonly users: number;
    readonly accountsPerUser: number;
    readonly transactionsPerAccount: number;
    readonly historyDays: number;
    readonly latencyMs: number;
    readonly pageSize: number;
  };
  readonly incremental: {
    readonly usersPerHistory: number;
    readonly accountsPerUser: number;
    readonly shortDays: number;
    readonly longDays: number;
    /** Transactions per day of history (the same for both histories). */
    readonly perDay: number;
    readonly latencyMs: number;
  };
  readonly apiLoad: { readonly durationSeconds: number; readonly connections: number; readonly accountTransactions: number; readonly pageLimit: number };
  readonly memory: { readonly small: number; readonly large: number; readonly historyDays: number };
  /** The unattended daily refresh: users × accounts, fully synced, then refreshed by the scheduler. */
  readonly dailyRefresh: { readonly users: number; readonly accountsPerUser: number; readonly historyDays: number; readonly perDay: number; readonly latencyMs: number };
  /** The scheduler's planning rounds: connections of the small and the large deployment, and timed rounds per run. */
  readonly schedulerPlan: { readonly small: number; readonly large: number; readonly passes: number };
  /** 1 vs 2 worker processes on one queue: users × accounts re-synced by each. */
  readonly severalWorkers: { readonly users: number; readonly accountsPerUser: number; readonly historyDays: number; readonly perDay: number; readonly latencyMs: number };
  /** Stored transactions of the small and the large user, and sequential requests per figure and run. */
  readonly flatCosts: { readonly small: number; readonly large: number; readonly requests: number };
}

/** The sizes (`pnpm bench`). */
export const FULL_SIZES: Sizes = {
  runs: 3,
  ingest: { accounts: 1_000, rowsPerAccount: 1_000, historyDays: 730, pageSize: 200 },
  fullSync: { users: 1_000, accountsPerUser: 3, transactionsPerAccount: 600, historyDays: 365, latencyMs: 20, pageSize: 200 },
  incremental: { usersPerHistory: 100, accountsPerUser: 3, shortDays: 365, longDays: 1_460, perDay: 2, latencyMs: 20 },
  apiLoad: { durationSeconds: 10, connections: 10, accountTransactions: 100_000, pageLimit: 100 },
  memory: { small: 100_000, large: 1_000_000, historyDays: 1_400 },
  dailyRefresh: { users: 100, accountsPerUser: 3, historyDays: 365, perDay: 2, latencyMs: 20 },
  flatCosts: { small: 10_000, large: 1_000_000, requests: 400 },
  schedulerPlan: { small: 100_000, large: 1_000_000, passes: 5 },
  severalWorkers: { users: 100, accountsPerUser: 3, historyDays: 365, perDay: 2, latencyMs: 20 },
};

/** Small sizes of the same scenarios (`pnpm bench --quick`: a few minutes on 2 cores). */
export const QUICK_SIZES: Sizes = {
  runs: 2,
  ingest: { accounts: 20, rowsPerAccount: 1_000, historyDays: 730, pageSize: 200 },
  fullSync: { users: 20, accountsPerUser: 3, transactionsPerAccount: 600, historyDays: 365, latencyMs: 20, pageSize: 200 },
  incremental: { usersPerHistory: 5, accountsPerUser: 3, shortDays: 90, longDays: 360, perDay: 2, latencyMs: 20 },
  apiLoad: { durationSeconds: 3, connections: 10, accountTransactions: 20_000, pageLimit: 100 },
  memory: { small: 5_000, large: 50_000, historyDays: 700 },
  dailyRefresh: { users: 10, accountsPerUser: 3, historyDays: 90, perDay: 2, latencyMs: 20 },
  flatCosts: { small: 2_000, large: 20_000, requests: 100 },
  schedulerPlan: { small: 5_000, large: 50_000, passes: 2 },
  severalWorkers: { users: 10, accountsPerUser: 3, historyDays: 60, perDay: 2, latencyMs: 20 },
};
