import { dayNumber, fromDayNumber, localDateTime, secondsOfDayInZone, zoneOffset } from '../src/calendar';

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

describe('zoneOffset and localDateTime', () => {
  it("give each zone's own offset on each date, whichever zone and date were asked before", () => {
    const asked: Array<[string, string, string]> = [
      ['2026-12-07', 'Asia/Tokyo', '+09:00'],
      ['2026-12-07', 'Europe/Warsaw', '+01:00'],
      ['2026-07-01', 'Europe/Warsaw', '+02:00'],
      ['2026-07-01', 'UTC', '+00:00'],
      ['2026-07-01', 'America/New_York', '-04:00'],
      ['2026-12-07', 'America/New_York', '-05:00'],
    ];
    for (let round = 0; round < 2; round += 1) for (const [date, zone, offset] of asked) expect(zoneOffset(date, zone)).toBe(offset);
    expect(localDateTime('2026-07-01', 13 * 3600 + 15 * 60 + 35, 'Europe/Warsaw')).toBe('2026-07-01T13:15:35+02:00');
    expect(localDateTime('2026-12-07', 0, 'Asia/Tokyo')).toBe('2026-12-07T00:00:00+09:00');
  });
});
