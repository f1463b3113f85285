/**
 * Japanese formatting as net banks print it: yen amounts with thousands separators and
 * either a minus sign (−¥1,234, U+2212) or a triangle (▲1,234) for money going out; dates
 * as 2026/11/21 or 2026年11月21日.
 */
import type { IsoDate } from '../calendar';
import type { NetbankAmountStyle, NetbankDateStyle } from './config';

/** The minus sign the pages use (U+2212, not the ASCII hyphen). */
export const MINUS_SIGN = '\u2212';

/** `1234567` → `1,234,567` (whole yen, no sign). */
export function groupDigits(n: number): string {
  return Math.abs(Math.trunc(n))
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `¥1,234` for zero or more, `−¥1,234` below zero. */
export function formatYen(n: number): string {
  return `${n < 0 ? MINUS_SIGN : ''}¥${groupDigits(n)}`;
}

/** `1,234` for zero or more, `▲1,234` below zero. */
export function formatTriangle(n: number): string {
  return `${n < 0 ? '▲' : ''}${groupDigits(n)}`;
}

/** An amount in the given style. */
export function formatAmount(n: number, style: NetbankAmountStyle): string {
  return style === 'yen-sign' ? formatYen(n) : formatTriangle(n);
}

/** `2026-01-05` → `2026/01/05`. */
export function formatSlashDate(date: IsoDate): string {
  return date.replace(/-/g, '/');
}

/** `2026-01-05` → `2026年1月5日`. */
export function formatKanjiDate(date: IsoDate): string {
  const [y, m, d] = date.split('-');
  return `${Number(y)}年${Number(m)}月${Number(d)}日`;
}

/** A date in the given style. */
export function formatDate(date: IsoDate, style: NetbankDateStyle): string {
  return style === 'slash' ? formatSlashDate(date) : formatKanjiDate(date);
}

/** `HH:MM` of seconds since midnight. */
export function formatTime(secondsOfDay: number): string {
  const s = Math.max(0, Math.floor(secondsOfDay));
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Folds an answer for comparison: NFKC (full-width → half-width), trimmed, lower case. */
export function foldAnswer(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase();
}
