import { Result } from 'effect';
import { bankLocalDate, type CalendarDate } from '@kinko/domain';

/** Reads a bank's `date` (ISO 8601 date or date-time) as a calendar date in the bank's zone; undefined when unreadable. */
export type BankDateReader = (text: string) => CalendarDate | undefined;

// The shapes the domain's bankLocalDate accepts: a date, optionally a time, optionally an offset.
const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
// The shape banks send (2020-01-10T13:15:35+09:00), tested without captures: the fast path.
const COMMON = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const HOUR_MS = 3_600_000;
const CACHE_LIMIT = 10_000;

/** Minutes east of UTC of an offset written `Z`, `±HH:MM` or `±HHMM`. */
const offsetMinutes = (offset: string): number =>
  offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(-2)));

function isRealDate(y: number, mo: number, d: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * A reader of bank dates for one time zone. It gives exactly what the domain's
 * `bankLocalDate(text, timeZone)` gives, but stays cheap on the hot path: when a
 * timestamp's offset is the zone's own offset all around that day (always so for
 * Asia/Tokyo), the local date is the text's date part, decided once per date and offset
 * (cached, bounded). Other offsets go through `bankLocalDate`, which builds Intl
 * formatters per call — too slow for millions of transactions, fine for the odd one.
 */
export function bankDateReader(timeZone: string): BankDateReader {
  const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const zoneOffsets = new Map<string, number | null>();
  const sameDay = new Map<string, CalendarDate | null>();

  /** The zone's UTC offset in minutes at an instant ("GMT+09:00" → 540); NaN if unreadable. */
  const offsetAt = (ms: number): number => {
    const name = offsetFormat.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
    if (!m) return Number.NaN;
    return m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  };

  /** The zone's offset over the whole local day (any instant written with an offset within ±14 h), or null when it changes. */
  const dayOffset = (date: string): number | null => {
    let offset = zoneOffsets.get(date);
    if (offset === undefined) {
      const midnight = Date.parse(`${date}T00:00:00Z`);
      const before = offsetAt(midnight - 15 * HOUR_MS);
      const after = offsetAt(midnight + 39 * HOUR_MS);
      offset = before === after && !Number.isNaN(before) ? before : null;
      if (zoneOffsets.size >= CACHE_LIMIT) zoneOffsets.clear();
      zoneOffsets.set(date, offset);
    }
    return offset;
  };

  /** Any form bankLocalDate accepts, checked field by field. */
  const read = (text: string): CalendarDate | undefined => {
    const m = STAMP.exec(text);
    if (!m) return undefined;
    const [, y, mo, d, hh, mm, ss, offset] = m;
    if (!isRealDate(Number(y), Number(mo), Number(d))) return undefined;
    const date = text.slice(0, 10) as CalendarDate;
    if (hh === undefined) return date;
    if (Number(hh) > 23 || Number(mm) > 59 || (ss !== undefined && Number(ss) > 59)) return undefined;
    // No offset: the bank's own wall-clock time, so its date part is the date.
    if (offset === undefined) return date;
    if (dayOffset(date) === offsetMinutes(offset)) return date;
    const converted = bankLocalDate(text, timeZone);
    return Result.isSuccess(converted) ? converted.success : undefined;
  };

  return (text) => {
    if (!COMMON.test(text)) return read(text);
    const date = text.slice(0, 10);
    const offset = text.endsWith('Z') ? 'Z' : text.slice(-6);
    const key = date + offset;
    let local = sameDay.get(key);
    if (local === undefined) {
      const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
      local = isRealDate(y, mo, d) && dayOffset(date) === offsetMinutes(offset) ? (date as CalendarDate) : null;
      if (sameDay.size >= CACHE_LIMIT) sameDay.clear();
      sameDay.set(key, local);
    }
    // null: an impossible date or another offset than the zone's — the full reading decides.
    return local ?? read(text);
  };
}
