import { describe, expect, it } from '@jest/globals';
import { formatValue, renderMarkdown } from '../src/markdown';
import { SCENARIO_IDS } from '../src/results';
import { resultsFileName } from '../src/runner';
import { ranScenario, validResults } from './fixtures';

describe('renderMarkdown', () => {
  it('writes the machine, a Target | Figure | Floor | Ratio | Met table per scenario, and the verdicts', () => {
    const results = validResults();
    const md = renderMarkdown(results, 'bench/results/2026-01-02.quick.json');
    expect(md).toContain('| CPU | Test CPU |');
    expect(md).toContain('| Cores | 2 |');
    expect(md).toContain('| Node | v20.20.2 |');
    expect(md).toContain('| Load average (1/5/15 min) | at start 0.10 / 0.20 / 0.30, at the end 0.20 / 0.20 / 0.30 |');
    expect(md).toContain('PostgreSQL 18.4 on x86_64');
    expect(md.match(/\| Target \| Figure \| Floor \| Ratio \| Met \|/g)).toHaveLength(SCENARIO_IDS.length);
    expect(md).toContain('| Rate: ≥ 0.6× | **70 rows/s** (min 60 rows/s · max 80 rows/s) | COPY: 100 rows/s (min 100 rows/s · max 100 rows/s) | 0.70× (0.60–0.80) | met |');
    expect(md).toContain('Every target was met.');
  });

  it('says "not run: <reason>" and lists misses with the scenario’s notes', () => {
    const results = validResults();
    const missed = { ...ranScenario('ingest', [[30, 100]]), notes: ['COPY streams, the write path commits per page.'] };
    const second = results.scenarios[1];
    if (!second) throw new Error('fixture');
    const notRun = { ...second, status: 'not-run' as const, reason: 'the sync engine is not built', runs: 0, figures: [], details: [] };
    const md = renderMarkdown({ ...results, scenarios: [missed, notRun, ...results.scenarios.slice(2)] }, 'x.json');
    expect(md).toContain('**not run: the sync engine is not built**');
    expect(md).toContain('| 0.30× | **missed** |');
    expect(md).toMatch(/## Misses and profile evidence[\s\S]*Missed: Rate at 0\.30× its floor[\s\S]*COPY streams, the write path commits per page\.[\s\S]*Not run: the sync engine is not built/);
    expect(md).not.toContain('Every target was met.');
  });

  it('warns when the machine was busy with other work', () => {
    const results = validResults();
    const md = renderMarkdown({ ...results, machine: { ...results.machine, loadAverageEnd: [3.5, 2, 1] } }, 'x.json');
    expect(md).toContain('other processes were using the CPU during this run');
  });
});

describe('formatValue', () => {
  it('prints rates as whole numbers and small figures with decimals', () => {
    expect(formatValue(12345.6, 'rows/s')).toBe('12,346 rows/s');
    expect(formatValue(1.234, 's')).toBe('1.23 s');
    expect(formatValue(226.4, 'MiB')).toBe('226 MiB');
  });
});

describe('resultsFileName', () => {
  it('names the file by the date, quick runs apart from full ones', () => {
    const at = new Date('2026-03-04T05:06:07Z');
    expect(resultsFileName(at, 'full')).toBe('2026-03-04.json');
    expect(resultsFileName(at, 'quick')).toBe('2026-03-04.quick.json');
  });
});
