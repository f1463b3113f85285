import { Schema } from 'effect';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function isRealDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * A calendar date `YYYY-MM-DD` with no time and no zone: the day as the bank (or the
 * user) sees it. Converting an instant into a CalendarDate always names the time zone.
 */
export const CalendarDate = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => isRealDate(s) || `expected a calendar date YYYY-MM-DD, got "${s}"`)),
  Schema.brand('CalendarDate'),
);
/** A calendar date `YYYY-MM-DD`. */
export type CalendarDate = typeof CalendarDate.Type;

/** Parses `YYYY-MM-DD`; throws a descriptive error for anything else (use the schema for typed errors). */
export const calendarDate = (s: string): CalendarDate => Schema.decodeUnknownSync(CalendarDate)(s);

/** Whole days from 1970-01-01 to `d` (negative before it). */
export const toDayNumber = (d: CalendarDate): number => Date.parse(`${d}T00:00:00Z`) / DAY_MS;

/** Day numbers of 1000-01-01 and 9999-12-31: four-digit years, written by {@link fromDayNumber} without a Date. */
const FIRST_FOUR_DIGIT_DAY = -354_285;
const LAST_FOUR_DIGIT_DAY = 2_932_896;

/**
 * The calendar date of a day number (whole days since 1970-01-01). Integer arithmetic (the
 * proleptic Gregorian calendar's civil-from-days) rather than a Date and its ISO string: a
 * daily balances series writes one per day of its range, a sandbox bank one per listed
 * transaction. Other day numbers (fractions, years outside 1000–9999) take the Date's way.
 */
export function fromDayNumber(day: number): CalendarDate {
  if (!Number.isInteger(day) || day < FIRST_FOUR_DIGIT_DAY || day > LAST_FOUR_DIGIT_DAY) return new Date(day * DAY_MS).toISOString().slice(0, 10) as CalendarDate;
  const z = day + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const d = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const m = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const y = yearOfEra + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}` as CalendarDate;
}

/** The date `days` days after `d` (negative moves back). */
export const addDays = (d: CalendarDate, days: number): CalendarDate => fromDayNumber(toDayNumber(d) + days);

/** Whole days from `from` to `to` (positive when `to` is later). */
export const daysBetween = (from: CalendarDate, to: CalendarDate): number => toDayNumber(to) - toDayNumber(from);

/** Orders two dates: negative, zero or positive. ISO dates order as strings. */
export const compareDates = (a: CalendarDate, b: CalendarDate): number => (a < b ? -1 : a > b ? 1 : 0);

/** The later of two dates. */
export const maxDate = (a: CalendarDate, b: CalendarDate): CalendarDate => (a >= b ? a : b);

/** The earlier of two dates. */
export const minDate = (a: CalendarDate, b: CalendarDate): CalendarDate => (a <= b ? a : b);

/**
 * The calendar date of an instant in an IANA time zone (e.g. "today" at a bank in
 * Asia/Tokyo). The instant is a parameter: the domain never reads the clock.
 */
export function dateInZone(instant: Date, timeZone: string): CalendarDate {
  return dateFormatIn(timeZone).format(instant) as CalendarDate; // en-CA formats as YYYY-MM-DD
}

// Building an Intl.DateTimeFormat costs far more than using one, and connectors convert
// every transaction's timestamp: one formatter per zone, made on first use.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The cached YYYY-MM-DD formatter of a time zone; throws a RangeError for an unknown zone. */
export function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}
