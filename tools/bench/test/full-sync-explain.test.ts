import { describe, expect, it } from '@jest/globals';
import { summariseFigures } from '../src/runner';
import { fullSyncScenario } from '../src/scenarios/full-sync';

// The last run's details as the scenario records them (only what explain reads).
const details = (over: Record<string, number>): Record<string, number> => ({
  sessions: 1000,
  rows: 1_800_000,
  requests: 13_000,
  requestsPerSession: 13,
  wallS: 160,
  rowsPerS: 11_250,
  networkFloorS: 26,
  ingestFloorS: 63,
  copyRowsPerS: 28_500,
  meanSessionS: 1.5,
  peakConcurrentSessions: 10,
  meanConcurrentSessions: 9.4,
  latencyMs: 20,
  workerCpuS: 89,
  sandboxCpuS: 20,
  machineBusyPercent: 91,
  cores: 2,
  ...over,
});

const explain = (d: Record<string, number>): string[] => {
  const figures = summariseFigures(fullSyncScenario as never, [{ figures: { 'wall-time': { value: d['wallS'] ?? 0, floor: 63 } }, details: d }]);
  return [...fullSyncScenario.explain(figures, [d])];
};

describe('the full sync miss, explained', () => {
  it("states the CPU budget and calls the sync CPU-bound when the measured work fills the cores", () => {
    const notes = explain(details({ postgresCpuS: 171 }));
    expect(notes.join('\n')).toContain('CPU budget: worker 89.0 + sandbox 20.0 + PostgreSQL 171.0 = 280.0 CPU-s');
    const reading = notes.find((n) => n.startsWith('Reading:')) ?? '';
    expect(reading).toContain('CPU-bound');
    // (89 + 20 + 63) ÷ 2 = 86 s = 1.37× the 63 s floor: above 1.3× even with PostgreSQL at COPY speed.
    expect(reading).toContain('1.37× the floor, above the 1.3× target');
    expect(reading).not.toContain('more sessions at once (worker concurrency');
  });

  it('names the PostgreSQL CPU the target would need when it is within reach', () => {
    const reading = explain(details({ postgresCpuS: 220, workerCpuS: 30, sandboxCpuS: 10 })).find((n) => n.startsWith('Reading:')) ?? '';
    // (30 + 10 + 220) ÷ 2 cores = 130 s of 160 s: CPU-bound; 1.3 × 63 s × 2 cores − (30 + 10) = 123.8 CPU-s.
    expect(reading).toContain('CPU-bound');
    expect(reading).toContain('down to about 124 CPU-s (it used 220)');
  });

  it('falls back to the session reading when the cores were not the limit', () => {
    const reading = explain(details({ postgresCpuS: 20, workerCpuS: 20, sandboxCpuS: 5 })).find((n) => n.startsWith('Reading:')) ?? '';
    expect(reading).toContain('sessions × mean session time');
  });
});
