import fc from 'fast-check';
import {
  addDays,
  calendarDate,
  dateWindow,
  dateWindows,
  daysBetween,
  defaultHistoryLimits,
  firstPage,
  isInWindow,
  maxDate,
  nextPage,
  transactionKinds,
  type CalendarDate,
  type DateWindowRequest,
} from '../src';

const today = calendarDate('2020-06-01');

/** The seed's setting: today 2020-06-01, a consent reaching back two years, the seed's limits. */
const seed: DateWindowRequest = {
  kind: 'booked',
  today,
  scaJustPerformed: false,
  daysBack: null,
  latestFetched: null,
  consent: { maxHistoryDays: 1460, historyStart: calendarDate('2018-06-01') },
  limits: defaultHistoryLimits,
};

const range = (r: DateWindowRequest) => {
  const w = dateWindow(r);
  return [w.from, w.to];
};

describe('date windows: the seed examples', () => {
  it('after SCA with nothing fetched yet, the consent range: 2018-06-01..2020-06-01', () => {
    const w = dateWindow({ ...seed, scaJustPerformed: true });
    expect(w).toEqual({ kind: 'booked', from: '2018-06-01', to: '2020-06-01', dateField: 'transactionDate', mode: 'initial', limitedBy: null });
    // The same consent expressed as a day count: two years back is 731 days here.
    expect(range({ ...seed, scaJustPerformed: true, consent: { maxHistoryDays: 731 } })).toEqual(['2018-06-01', '2020-06-01']);
  });

  it('the next SYNC is incremental: latest 2020-05-01 − 4 days = 2020-04-27..2020-06-01', () => {
    const w = dateWindow({ ...seed, latestFetched: calendarDate('2020-05-01') });
    expect([w.from, w.to, w.mode, w.limitedBy]).toEqual(['2020-04-27', '2020-06-01', 'incremental', null]);
    // With or without SCA, and whatever daysBack says: once data exists daysBack no longer matters.
    expect(range({ ...seed, scaJustPerformed: true, daysBack: 365, latestFetched: calendarDate('2020-05-01') })).toEqual(['2020-04-27', '2020-06-01']);
  });

  it('daysBack 365 in the background gives 90 days: 2020-03-03 (the seed rounds this to 2020-03-01)', () => {
    const w = dateWindow({ ...seed, daysBack: 365 });
    expect([w.from, w.to]).toEqual(['2020-03-03', '2020-06-01']);
    expect(daysBetween(w.from, w.to)).toBe(90);
    expect(w.limitedBy).toBe('unattendedHistory');
  });

  it('MIN(daysBack, 90): daysBack 200 → 90 days, daysBack 20 → 20 days, none → 90 days', () => {
    expect(daysBetween(dateWindow({ ...seed, daysBack: 200 }).from, today)).toBe(90);
    expect(dateWindow({ ...seed, daysBack: 20 })).toMatchObject({ from: '2020-05-12', limitedBy: null });
    expect(dateWindow({ ...seed, daysBack: null })).toMatchObject({ from: '2020-03-03', limitedBy: null });
  });
});

describe('date windows: limits', () => {
  it('after SCA daysBack narrows the first fetch, never widens it', () => {
    expect(range({ ...seed, scaJustPerformed: true, daysBack: 30 })).toEqual(['2020-05-02', '2020-06-01']);
    const wide = dateWindow({ ...seed, scaJustPerformed: true, daysBack: 5000 });
    expect([wide.from, wide.limitedBy]).toEqual(['2018-06-01', 'consentHistory']);
  });

  it("the bank's maximum history cuts the consent range", () => {
    const w = dateWindow({ ...seed, scaJustPerformed: true, limits: { ...defaultHistoryLimits, maxHistoryDays: 365 } });
    expect([w.from, w.limitedBy]).toEqual(['2019-06-02', 'bankMaxHistory']);
  });

  it('the unattended limit is configurable', () => {
    expect(dateWindow({ ...seed, limits: { ...defaultHistoryLimits, unattendedHistoryDays: 180 } }).from).toBe('2019-12-04');
  });

  it('an old latest date without SCA: the unattended limit wins (a gap only SCA can close)', () => {
    const late = { ...seed, latestFetched: calendarDate('2020-01-01') };
    expect(dateWindow(late)).toMatchObject({ from: '2020-03-03', limitedBy: 'unattendedHistory', mode: 'incremental' });
    expect(dateWindow({ ...late, scaJustPerformed: true })).toMatchObject({ from: '2019-12-28', limitedBy: null });
  });

  it('never before the consent history start, even incrementally', () => {
    const w = dateWindow({ ...seed, scaJustPerformed: true, latestFetched: calendarDate('2018-06-02') });
    expect([w.from, w.limitedBy]).toEqual(['2018-06-01', 'consentHistory']);
  });

  it('a latest date after today still gives a range ending today that contains today', () => {
    const w = dateWindow({ ...seed, latestFetched: calendarDate('2020-06-20') });
    expect([w.from, w.to]).toEqual(['2020-06-01', '2020-06-01']);
  });

  it('the date field is chosen per kind; several kinds at once use their own latest dates', () => {
    const windows = dateWindows({
      ...seed,
      kinds: ['booked', 'pending', 'hold'],
      latestFetched: { booked: calendarDate('2020-05-01') },
      limits: { ...defaultHistoryLimits, dateFields: { pending: 'bookingDate' } },
    });
    expect(windows.map((w) => [w.kind, w.from, w.dateField, w.mode])).toEqual([
      ['booked', '2020-04-27', 'transactionDate', 'incremental'],
      ['pending', '2020-03-03', 'bookingDate', 'initial'],
      ['hold', '2020-03-03', 'transactionDate', 'initial'],
    ]);
  });

  it('rejects day counts outside their ranges', () => {
    expect(() => dateWindow({ ...seed, consent: { maxHistoryDays: 0 } })).toThrow(RangeError);
    expect(() => dateWindow({ ...seed, consent: { maxHistoryDays: 1461 } })).toThrow(/1\.\.1460/);
    expect(() => dateWindow({ ...seed, daysBack: -1 })).toThrow(RangeError);
    expect(() => dateWindow({ ...seed, daysBack: 2.5 })).toThrow(RangeError);
    expect(() => dateWindow({ ...seed, limits: { ...defaultHistoryLimits, overlapDays: -4 } })).toThrow(RangeError);
    expect(() => dateWindow({ ...seed, kind: 'scheduled', limits: { ...defaultHistoryLimits, horizonDays: { scheduled: -1 } } })).toThrow(/horizonDays\.scheduled/);
  });
});

describe('date windows: scheduled payments look ahead', () => {
  const ahead = { ...defaultHistoryLimits, horizonDays: { scheduled: 35 } };

  it("the scheduled window reaches today + the kind's horizon; other kinds still end today", () => {
    expect(range({ ...seed, kind: 'scheduled', limits: ahead })).toEqual(['2020-03-03', '2020-07-06']);
    expect(range({ ...seed, kind: 'booked', limits: ahead })).toEqual(['2020-03-03', '2020-06-01']);
    expect(range({ ...seed, kind: 'scheduled' })).toEqual(['2020-03-03', '2020-06-01']);
  });

  it('a scheduled payment stored for a future day does not push the start past today', () => {
    const w = dateWindow({ ...seed, kind: 'scheduled', limits: ahead, latestFetched: calendarDate('2020-06-20') });
    expect([w.from, w.to, w.mode]).toEqual(['2020-06-01', '2020-07-06', 'incremental']);
  });
});

describe('date windows: a kind filtered on a date the bank does not report (entryDate)', () => {
  const entry = { ...defaultHistoryLimits, dateFields: { pending: 'entryDate' as const } };

  it('is re-read over its whole horizon every time (mode full), never from the latest stored date', () => {
    const pending = dateWindow({ ...seed, kind: 'pending', limits: entry, latestFetched: calendarDate('2020-05-30') });
    expect(pending).toEqual({ kind: 'pending', from: '2020-03-03', to: '2020-06-01', dateField: 'entryDate', mode: 'full', limitedBy: null });
    // daysBack narrows the first fetch only, as for every kind
    expect(dateWindow({ ...seed, kind: 'pending', limits: entry, daysBack: 20, latestFetched: calendarDate('2020-05-30') }).from).toBe('2020-03-03');
  });

  it("right after SCA the whole horizon is the consent's history", () => {
    const w = dateWindow({ ...seed, kind: 'pending', limits: entry, scaJustPerformed: true, latestFetched: calendarDate('2020-05-30') });
    expect([w.from, w.mode]).toEqual(['2018-06-01', 'full']);
  });

  it('the first fetch follows the initial rule; the other kinds stay incremental', () => {
    expect(dateWindow({ ...seed, kind: 'pending', limits: entry, daysBack: 20 })).toMatchObject({ from: '2020-05-12', mode: 'initial' });
    const windows = dateWindows({ ...seed, kinds: ['booked', 'pending'], limits: entry, latestFetched: { booked: calendarDate('2020-05-30'), pending: calendarDate('2020-05-30') } });
    expect(windows.map((w) => [w.kind, w.from, w.mode])).toEqual([
      ['booked', '2020-05-26', 'incremental'],
      ['pending', '2020-03-03', 'full'],
    ]);
  });
});

describe('paging keeps the date filter fixed', () => {
  it('every page request of one fetch carries the first page’s window, only the page id changes', () => {
    const window = dateWindow({ ...seed, scaJustPerformed: true });
    const p1 = firstPage(window);
    const p2 = nextPage(p1, 'page-2');
    const p3 = nextPage(p2, 'page-3');
    expect([p1.pageId, p2.pageId, p3.pageId]).toEqual([null, 'page-2', 'page-3']);
    expect(p3.window).toBe(window);
    expect(Object.isFrozen(window)).toBe(true);
    expect(() => {
      (window as { from: string }).from = '2020-01-01';
    }).toThrow(TypeError);
  });
});

describe('date windows: properties', () => {
  const base = calendarDate('2000-01-01');
  const dayArb = fc.integer({ min: 0, max: 15_000 }).map((n) => addDays(base, n));
  const requestArb: fc.Arbitrary<DateWindowRequest> = fc
    .record({
      kind: fc.constantFrom(...transactionKinds),
      today: dayArb,
      scaJustPerformed: fc.boolean(),
      daysBack: fc.option(fc.integer({ min: 0, max: 3000 })),
      latestOffset: fc.option(fc.integer({ min: -3000, max: 10 })),
      maxHistoryDays: fc.integer({ min: 1, max: 1460 }),
      historyStartOffset: fc.option(fc.integer({ min: 0, max: 3000 })),
      unattendedHistoryDays: fc.integer({ min: 0, max: 400 }),
      bankMaxHistoryDays: fc.integer({ min: 1, max: 3000 }),
      overlapDays: fc.integer({ min: 0, max: 10 }),
      horizonDays: fc.integer({ min: 0, max: 400 }),
    })
    .map((r) => ({
      kind: r.kind,
      today: r.today,
      scaJustPerformed: r.scaJustPerformed,
      daysBack: r.daysBack,
      latestFetched: r.latestOffset === null ? null : addDays(r.today, r.latestOffset),
      consent: { maxHistoryDays: r.maxHistoryDays, historyStart: r.historyStartOffset === null ? null : addDays(r.today, -r.historyStartOffset) },
      limits: { unattendedHistoryDays: r.unattendedHistoryDays, maxHistoryDays: r.bankMaxHistoryDays, overlapDays: r.overlapDays, horizonDays: { scheduled: r.horizonDays } },
    }));

  const consentStart = (r: DateWindowRequest): CalendarDate => {
    const byDays = addDays(r.today, -r.consent.maxHistoryDays);
    return r.consent.historyStart ? maxDate(byDays, r.consent.historyStart) : byDays;
  };

  it('never further back than the unattended limit without SCA', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        fc.pre(!r.scaJustPerformed);
        expect(daysBetween(dateWindow(r).from, r.today)).toBeLessThanOrEqual(r.limits.unattendedHistoryDays);
      }),
      { numRuns: 1000 },
    );
  });

  it("never before the consent's history start nor beyond the bank's maximum", () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const w = dateWindow(r);
        expect(w.from >= consentStart(r)).toBe(true);
        expect(daysBetween(w.from, r.today)).toBeLessThanOrEqual(r.limits.maxHistoryDays);
      }),
      { numRuns: 1000 },
    );
  });

  it('exactly the overlap once data exists, unless a limit cuts it (then the limit wins)', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        fc.pre(r.latestFetched !== null && r.latestFetched <= r.today);
        const latest = r.latestFetched as CalendarDate;
        const w = dateWindow(r);
        if (w.limitedBy === null) {
          expect(daysBetween(w.from, latest)).toBe(r.limits.overlapDays);
        } else {
          // Cut: the start is later than the overlap wanted, and it is exactly the binding limit.
          expect(w.from > addDays(latest, -r.limits.overlapDays)).toBe(true);
          const limit = {
            unattendedHistory: addDays(r.today, -r.limits.unattendedHistoryDays),
            consentHistory: consentStart(r),
            bankMaxHistory: addDays(r.today, -r.limits.maxHistoryDays),
          }[w.limitedBy];
          expect(w.from).toBe(limit);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("start ≤ today ≤ end, the end is today (scheduled: today + the horizon), and the bounds are inclusive", () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const w = dateWindow(r);
        expect(w.from <= r.today).toBe(true);
        expect(w.to).toBe(addDays(r.today, r.kind === 'scheduled' ? (r.limits.horizonDays?.scheduled ?? 0) : 0));
        expect(isInWindow(w, r.today)).toBe(true);
        expect(isInWindow(w, w.from)).toBe(true);
        expect(isInWindow(w, addDays(w.from, -1))).toBe(false);
        expect(isInWindow(w, addDays(w.to, 1))).toBe(false);
        if (r.latestFetched !== null && r.latestFetched <= r.today && w.limitedBy === null) {
          expect(isInWindow(w, r.latestFetched)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
