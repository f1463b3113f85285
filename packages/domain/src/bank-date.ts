import { Result, Schema } from 'effect';
import { type CalendarDate, dateFormatIn, dateInZone } from './calendar-date';

/** A bank date or timestamp that cannot be read, or a time zone that does not exist. */
export class BankDateParseError extends Schema.TaggedError<BankDateParseError>()('BankDateParseError', {
  input: Schema.String,
  message: Schema.String,
}) {}

// YYYY-MM-DD, then optionally THH:MM[:SS[.fraction]] and optionally Z or ±HH[:]MM.
const BANK_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isRealDate = (y: number, m: number, d: number): boolean => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

/** Whether Intl knows the IANA time zone (it throws a RangeError for one it does not). */
export function isTimeZone(timeZone: string): boolean {
  try {
    dateFormatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The calendar date, in the bank's time zone, of a date or timestamp the bank sent.
 * "2020-01-10T13:15:35+09:00" (or …Z) is an instant, converted to `bankTimeZone`
 * (e.g. "Asia/Tokyo"); "2020-01-10" passes through; a timestamp without an offset is the
 * bank's own wall-clock time, so its date part is the answer. Anything else, an impossible
 * date or time, or an unknown time zone is a BankDateParseError.
 */
export function bankLocalDate(timestamp: string, bankTimeZone: string): Result.Result<CalendarDate, BankDateParseError> {
  const fail = (why: string) =>
    Result.fail(new BankDateParseError({ input: timestamp, message: `cannot read bank date "${timestamp}": ${why}` }));
  if (!isTimeZone(bankTimeZone)) return fail(`unknown time zone "${bankTimeZone}"`);
  const m = BANK_TIMESTAMP.exec(timestamp.trim());
  if (!m) return fail('expected YYYY-MM-DD or an ISO 8601 date-time');
  const [, y = '', mo = '', d = '', hh, mm, ss = '00', frac = '', offset] = m;
  if (!isRealDate(Number(y), Number(mo), Number(d))) return fail('no such date');
  const date = `${y}-${mo}-${d}` as CalendarDate;
  if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59)) return fail('no such time');
  if (offset !== undefined && offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(-2)) > 59))
    return fail('no such UTC offset');
  if (offset === undefined) return Result.succeed(date);
  const normalizedOffset = offset === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const instant = new Date(`${date}T${hh}:${mm}:${ss}${frac.slice(0, 4)}${normalizedOffset}`);
  return Result.succeed(dateInZone(instant, bankTimeZone));
}
