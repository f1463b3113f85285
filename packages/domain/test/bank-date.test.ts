import { Result } from 'effect';
import fc from 'fast-check';
import { BankDateParseError, bankLocalDate } from '../src';

const date = (input: string, zone: string) => Result.getOrThrow(bankLocalDate(input, zone));

describe('bankLocalDate', () => {
  it.each([
    ['2020-01-10T13:15:35+09:00', 'Asia/Tokyo', '2020-01-10'],
    ['2020-01-10T00:30:00+09:00', 'Asia/Tokyo', '2020-01-10'],
    // The same instant is still the 9th in Warsaw: the bank's zone decides.
    ['2020-01-10T00:30:00+09:00', 'Europe/Warsaw', '2020-01-09'],
    ['2020-01-10T23:30:00Z', 'Asia/Tokyo', '2020-01-11'],
    ['2020-01-10T23:30:00+0000', 'Asia/Tokyo', '2020-01-11'],
    ['2020-06-30T22:30:00.123456Z', 'Europe/Warsaw', '2020-07-01'],
    ['2020-03-29T00:30:00Z', 'Europe/Warsaw', '2020-03-29'],
    ['2020-01-10T13:15+09:00', 'Asia/Tokyo', '2020-01-10'],
    ['2020-01-10T13:15:35-05:00', 'Asia/Tokyo', '2020-01-11'],
    // No offset: the bank's own wall-clock time, so its date part.
    ['2020-01-10T23:59:59', 'Asia/Tokyo', '2020-01-10'],
    ['2020-01-10', 'Asia/Tokyo', '2020-01-10'],
    ['2020-02-29', 'Europe/Warsaw', '2020-02-29'],
  ])('"%s" at a bank in %s is %s', (input, zone, expected) => {
    expect(date(input, zone)).toBe(expected);
  });

  it.each([
    ['', 'Asia/Tokyo'],
    ['yesterday', 'Asia/Tokyo'],
    ['2020/01/10', 'Asia/Tokyo'],
    ['20200110', 'Asia/Tokyo'],
    ['2020-13-01', 'Asia/Tokyo'],
    ['2021-02-29', 'Asia/Tokyo'],
    ['2020-01-10T25:00:00+09:00', 'Asia/Tokyo'],
    ['2020-01-10T10:60:00+09:00', 'Asia/Tokyo'],
    ['2020-01-10T10:00:00+25:00', 'Asia/Tokyo'],
    ['2020-01-10T10:00:00 JST', 'Asia/Tokyo'],
    ['2020-01-10', 'Mars/Olympus_Mons'],
    ['2020-01-10T10:00:00Z', 'Not/AZone'],
  ])('"%s" in %s is a typed error naming the input', (input, zone) => {
    const r = bankLocalDate(input, zone);
    expect(Result.isFailure(r)).toBe(true);
    if (Result.isFailure(r)) {
      expect(r.failure).toBeInstanceOf(BankDateParseError);
      expect(r.failure).toMatchObject({ _tag: 'BankDateParseError', input });
      expect(r.failure.message).toContain(`"${input}"`);
    }
  });

  it('gives the date of the instant as seen in the bank’s zone (property)', () => {
    const tokyo = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
        (instant) => {
          const iso = instant.toISOString(); // …Z; Tokyo has no DST, so +09:00 is the same instant too
          expect(date(iso, 'Asia/Tokyo')).toBe(tokyo.format(instant));
          const shifted = new Date(instant.getTime() + 9 * 3_600_000).toISOString().replace('Z', '+09:00');
          expect(date(shifted, 'Asia/Tokyo')).toBe(shifted.slice(0, 10));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
