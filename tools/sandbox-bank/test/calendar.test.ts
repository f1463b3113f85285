import { dayNumber, fromDayNumber, secondsOfDayInZone } from '../src/calendar';

// fromDayNumber is the domain's (packages/domain/test/calendar-date.test.ts compares it with a Date's date).
describe('fromDayNumber', () => {
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
