import { describe, expect, it } from '@jest/globals';
import { InvalidResultsError, meets, parseResults } from '../src/results';
import { summarize } from '../src/stats';
import { ranScenario, validResults } from './fixtures';

describe('summarize', () => {
  it('gives min, median and max and keeps the samples in run order', () => {
    expect(summarize([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3, samples: [3, 1, 2] });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect(summarize([7])).toEqual({ min: 7, median: 7, max: 7, samples: [7] });
  });

  it('refuses no samples and non-finite ones', () => {
    expect(() => summarize([])).toThrow(/at least one/);
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
    expect(() => summarize([Infinity])).toThrow(/finite/);
  });
});

describe('meets', () => {
  it('compares the ratio with the threshold in the target’s direction', () => {
    expect(meets({ text: '', comparator: '>=', threshold: 0.6 }, 0.6)).toBe(true);
    expect(meets({ text: '', comparator: '>=', threshold: 0.6 }, 0.59)).toBe(false);
    expect(meets({ text: '', comparator: '<=', threshold: 1.3 }, 1.31)).toBe(false);
    expect(meets({ text: '', comparator: '<=', threshold: 1.3 }, 1)).toBe(true);
  });
});

describe('parseResults', () => {
  it('accepts a complete results file and computes verdicts from the median ratio', () => {
    const results = parseResults(JSON.parse(JSON.stringify(validResults())));
    const figure = results.scenarios[0]?.figures[0];
    expect(figure?.ratio).toEqual({ min: 0.6, median: 0.7, max: 0.8, samples: [0.7, 0.6, 0.8] });
    expect(figure?.met).toBe(true);
  });

  it('accepts a scenario that did not run when it says why', () => {
    const results = validResults();
    const [first, second, ...rest] = results.scenarios;
    if (!first || !second) throw new Error('fixture');
    const scenarios = [first, { ...second, status: 'not-run' as const, reason: 'the sync engine is missing', runs: 0, figures: [], details: [] }, ...rest];
    expect(parseResults({ ...results, scenarios }).scenarios[1]?.reason).toBe('the sync engine is missing');
  });

  const problems = (input: unknown): string[] => {
    try {
      parseResults(input);
    } catch (e) {
      if (e instanceof InvalidResultsError) return [...e.problems];
      throw e;
    }
    return [];
  };

  it('reports a missing scenario', () => {
    const results = validResults();
    expect(problems({ ...results, scenarios: results.scenarios.slice(1) }).join()).toMatch(/scenarios must be ingest, full-sync/);
  });

  it('reports a non-finite number', () => {
    const results = JSON.parse(JSON.stringify(validResults())) as { scenarios: Array<{ figures: Array<{ value: { median: unknown } }> }> };
    const figure = results.scenarios[0]?.figures[0];
    if (figure) figure.value.median = null;
    expect(problems(results)).toHaveLength(1);
    if (figure) figure.value.median = 'NaN';
    expect(problems(results)).toHaveLength(1);
  });

  it('reports a ratio that is not figure ÷ floor, and a verdict that contradicts it', () => {
    const results = validResults();
    const scenario = results.scenarios[0];
    const figure = scenario?.figures[0];
    if (!scenario || !figure) throw new Error('fixture');
    const tampered = { ...results, scenarios: [{ ...scenario, figures: [{ ...figure, ratio: { ...figure.ratio, samples: [0.9, 0.6, 0.8] } }] }, ...results.scenarios.slice(1)] };
    expect(problems(tampered).join()).toMatch(/ratio of run 1 is not figure ÷ floor/);
    const lying = { ...results, scenarios: [{ ...scenario, figures: [{ ...figure, met: false }] }, ...results.scenarios.slice(1)] };
    expect(problems(lying).join()).toMatch(/verdict does not match/);
  });

  it('reports sample counts that differ from the runs, and a not-run scenario without a reason', () => {
    const results = validResults();
    const short = ranScenario('ingest', [[1, 2]]);
    expect(problems({ ...results, scenarios: [{ ...short, runs: 3 }, ...results.scenarios.slice(1)] }).join()).toMatch(/has 1 samples for 3 runs/);
    const silent = { ...short, status: 'not-run', reason: null, figures: [], runs: 0 };
    expect(problems({ ...results, scenarios: [silent, ...results.scenarios.slice(1)] }).join()).toMatch(/not run without a reason/);
  });
});
