import { dayNumber, fromDayNumber, secondsOfDayInZone } from '../src/calendar';

const DAY_MS = 86_400_000;
/** What fromDayNumber wrote before it did the arithmetic itself. */
const viaDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

describe('fromDayNumber', () => {
  it('writes the date a Date writes: every day of 1890–2310, and every 29th day of the years 1000–9999', () => {
    const first = dayNumber('1000-01-01');
    const last = dayNumber('9999-12-31');
    let mismatches = 0;
    for (let day = dayNumber('1890-01-01'); day <= dayNumber('2310-12-31'); day += 1) if (fromDayNumber(day) !== viaDate(day)) mismatches += 1;
    for (let day = first; day <= last; day += 29) if (fromDayNumber(day) !== viaDate(day)) mismatches += 1;
    expect(mismatches).toBe(0);
    expect(fromDayNumber(first)).toBe('1000-01-01');
    expect(fromDayNumber(last)).toBe('9999-12-31');
    expect(fromDayNumber(0)).toBe('1970-01-01');
    expect(fromDayNumber(dayNumber('2024-02-29'))).toBe('2024-02-29');
  });

  it('leaves other day numbers to the Date (before 1000, after 9999, fractions)', () => {
    for (const day of [dayNumber('1000-01-01') - 1, dayNumber('9999-12-31') + 1, -800_000, 20_000.5, -0.25]) expect(fromDayNumber(day)).toBe(viaDate(day));
  });

  it('is the inverse of dayNumber', () => {
    for (const date of ['1970-01-01', '2000-02-29', '2026-12-07', '2100-03-01', '1999-12-31']) expect(fromDayNumber(dayNumber(date))).toBe(date);
  });
});

describe('secondsOfDayInZone', () => {
  it('reads the time of day in each zone asked, whichever zone was asked before', () => {
    const instant = new Date('2026-12-07T15:30:45Z');
    expect(secondsOfDayInZone(instant, 'Asia/Tokyo')).toBe(30 * 60 + 45); // 00:30:45 the next day
    expect(secondsOfDayInZone(instant, 'UTC')).toBe(15 * 3600 + 30 * 60 + 45);
    expect(secondsOfDayInZone(instant, 'Europe/Warsaw')).toBe(16 * 3600 + 30 * 60 + 45);
    expect(secondsOfDayInZone(instant, 'Asia/Tokyo')).toBe(30 * 60 + 45);
    expect(secondsOfDayInZone(new Date('2026-07-01T22:00:00Z'), 'Europe/Warsaw')).toBe(0); // summer time: midnight
  });
});
