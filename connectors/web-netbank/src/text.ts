/**
 * Reading the net bank's numbers and dates exactly: yen amounts as the pages print them
 * (¥1,234, −¥1,234 with U+2212, ▲1,234, full-width digits, 1,234円) and dates
 * (2026/11/21, 2026年11月21日) as calendar dates in the bank's zone.
 */
import { Result, Schema } from 'effect';
import { CalendarDate, parseAmount, type CurrencyCode } from '@kinko/domain';

// Japanese statements mark money going out with a triangle instead of a minus sign. The
// domain's parseAmount reads every other form (¥, 円, U+2212, full-width), so only the
// triangles are translated here, and only in front of the number.
const TRIANGLE = /^[\s\u3000]*[▲△][\s\u3000]*/;

/**
 * The amount in minor units (yen), or undefined when the text is not an exact amount of
 * `currency`. `▲1,234` and `△1,234` are negative, like `−¥1,234` and `-1,234`.
 */
export function parseBankAmount(text: string, currency: CurrencyCode): bigint | undefined {
  const signed = TRIANGLE.test(text) ? `-${text.replace(TRIANGLE, '')}` : text;
  const result = parseAmount(signed, currency);
  return Result.isSuccess(result) ? result.success.amountMinor : undefined;
}

const SLASH_DATE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
const KANJI_DATE = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;
const isCalendarDate = Schema.is(CalendarDate);

/**
 * The calendar date of `2026/11/21` or `2026年11月21日` (full-width digits and spaces
 * allowed), or undefined for anything else, including impossible dates (2026/02/30).
 */
export function parseBankDate(text: string): CalendarDate | undefined {
  const folded = text.normalize('NFKC').replace(/\s+/g, '');
  const m = SLASH_DATE.exec(folded) ?? KANJI_DATE.exec(folded);
  if (!m) return undefined;
  const iso = `${m[1]}-${(m[2] ?? '').padStart(2, '0')}-${(m[3] ?? '').padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : undefined;
}

/** Text of a table cell as the bank wrote it: entities decoded, outer white space (incl. U+3000) trimmed, inner text untouched. */
export const cellText = (text: string): string => text.trim();
