import { fromDayNumber as domainFromDayNumber } from '@kinko/domain';

/**
 * Calendar dates as banks use them: `YYYY-MM-DD` in the bank's time zone, counted as
 * whole days since 1970-01-01 ("day numbers") so that day arithmetic is integer math.
 */

/** A calendar date `YYYY-MM-DD` (no time, no zone): the day as the bank sees it. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True when `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** Whole days from 1970-01-01 to `date`; throws on anything but a real `YYYY-MM-DD`. */
export function dayNumber(date: IsoDate): number {
  if (!isIsoDate(date)) throw new Error(`expected a calendar date YYYY-MM-DD, got "${date}"`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/**
 * The calendar date of a day number: the domain's ({@link domainFromDayNumber}: integer
 * arithmetic, no Date, for four-digit years). The sandboxes write one per listed transaction
 * and per day of every balances page.
 */
export const fromDayNumber = (day: number): IsoDate => domainFromDayNumber(day);

/** The date `days` days after `date` (negative moves back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Day of the week of a day number: 0 Sunday … 6 Saturday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in an IANA time zone (e.g. "today" in Asia/Tokyo). */
export function dateInZone(instant: Date, timeZone: string): IsoDate {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Seconds since local midnight of an instant in a time zone. */
export function secondsOfDayInZone(instant: Date, timeZone: string): number {
  let format = timeFormats.get(timeZone);
  if (!format) {
    // One per zone, as dateInZone's: creating an Intl.DateTimeFormat costs far more than formatting with it.
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    timeFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

// Per zone: its offset formatter (made once) and the offsets of the dates asked. Keyed by zone,
// then by date: one lookup of the date string each call, no key built per call.
const offsetCache = new Map<string, { readonly format: Intl.DateTimeFormat; readonly byDate: Map<string, string> }>();

/**
 * The zone's UTC offset on a date, as `+09:00`. Taken at noon UTC of that date: exact for
 * zones without daylight saving (Asia/Tokyo), and close enough for the rest.
 */
export function zoneOffset(date: IsoDate, timeZone: string): string {
  let zone = offsetCache.get(timeZone);
  if (zone === undefined) {
    zone = { format: new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }), byDate: new Map() };
    offsetCache.set(timeZone, zone);
  }
  const cached = zone.byDate.get(date);
  if (cached !== undefined) return cached;
  const name = zone.format.formatToParts(new Date(`${date}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value;
  const offset = name === undefined || name === 'GMT' ? '+00:00' : name.replace('GMT', '');
  if (zone.byDate.size > 10_000) zone.byDate.clear();
  zone.byDate.set(date, offset);
  return offset;
}

/** ISO 8601 extended date-time with offset, e.g. `2020-01-10T13:15:35+09:00`. */
export function localDateTime(date: IsoDate, secondsOfDay: number, timeZone: string): string {
  const s = Math.max(0, Math.min(86_399, Math.floor(secondsOfDay)));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${date}T${hh}:${mm}:${ss}${zoneOffset(date, timeZone)}`;
}

/** Throws unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone "${timeZone}"`);
  }
}
