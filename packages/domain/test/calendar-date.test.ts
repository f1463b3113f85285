import { addDays, calendarDate, dateInZone, daysBetween } from '../src';

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
