import { addDays, calendarDate, dailyBalances, dateInZone, daysBetween, fromDayNumber, toDayNumber } from '../src';

const DAY_MS = 86_400_000;
/** What a day number's date was written by before the arithmetic: a Date and its ISO string. */
const viaDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

describe('fromDayNumber', () => {
  it('writes the date a Date writes: every day of 1890–2310, and every 29th day of the years 1000–9999', () => {
    const first = toDayNumber(calendarDate('1000-01-01'));
    const last = toDayNumber(calendarDate('9999-12-31'));
    let mismatches = 0;
    for (let day = toDayNumber(calendarDate('1890-01-01')); day <= toDayNumber(calendarDate('2310-12-31')); day += 1) if (fromDayNumber(day) !== viaDate(day)) mismatches += 1;
    for (let day = first; day <= last; day += 29) if (fromDayNumber(day) !== viaDate(day)) mismatches += 1;
    expect(mismatches).toBe(0);
    expect(fromDayNumber(first)).toBe('1000-01-01');
    expect(fromDayNumber(last)).toBe('9999-12-31');
    expect(fromDayNumber(0)).toBe('1970-01-01');
    expect(fromDayNumber(toDayNumber(calendarDate('2024-02-29')))).toBe('2024-02-29');
  });

  it('leaves other day numbers to the Date (before 1000, after 9999, fractions)', () => {
    for (const day of [toDayNumber(calendarDate('1000-01-01')) - 1, toDayNumber(calendarDate('9999-12-31')) + 1, -800_000, 20_000.5, -0.25]) expect(fromDayNumber(day)).toBe(viaDate(day));
  });

  it('is the inverse of toDayNumber', () => {
    for (const date of ['1970-01-01', '2000-02-29', '2026-12-07', '2100-03-01', '1999-12-31', '1969-12-31']) expect(fromDayNumber(toDayNumber(calendarDate(date)))).toBe(date);
  });

  it('gives a daily balances series every day of its range once, across month, year and leap-day ends', () => {
    const series = dailyBalances({ transactions: [], from: calendarDate('2023-12-30'), to: calendarDate('2024-03-01'), openingBalanceMinor: 5n });
    const expected: string[] = [];
    for (let t = Date.UTC(2023, 11, 30); t <= Date.UTC(2024, 2, 1); t += DAY_MS) expected.push(new Date(t).toISOString().slice(0, 10));
    expect(series.map((d) => d.date)).toEqual(expected);
    expect(series.every((d) => d.balanceMinor === 5n)).toBe(true);
  });
});

describe('calendar dates', () => {
  it('adds days across months and leap years', () => {
    expect(addDays(calendarDate('2020-06-01'), -4)).toBe('2020-05-28');
    expect(addDays(calendarDate('2020-02-28'), 1)).toBe('2020-02-29');
    expect(daysBetween(calendarDate('2018-06-01'), calendarDate('2020-06-01'))).toBe(731);
  });
  it('rejects impossible dates', () => {
    expect(() => calendarDate('2021-02-29')).toThrow(/calendar date/);
    expect(() => calendarDate('2021-2-1')).toThrow();
  });
  it('takes the date of an instant in the bank zone', () => {
    const instant = new Date('2020-01-10T16:15:35Z'); // 01:15 on the 11th in Tokyo
    expect(dateInZone(instant, 'Asia/Tokyo')).toBe('2020-01-11');
    expect(dateInZone(instant, 'Europe/Warsaw')).toBe('2020-01-10');
  });
});
