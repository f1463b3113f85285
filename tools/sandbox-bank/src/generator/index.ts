/** The shared deterministic data generator (used by every sandbox of this package). */
export * from './ledger';
export * from './profile';
export * from './prng';
export * as japanese from './japanese';
