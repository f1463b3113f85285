/**
 * Maintenance hours: daily windows in the bank's zone (e.g. 02:00–06:00, or Sunday
 * 21:00 to Monday 06:00), read against the injectable clock.
 */
import { dateInZone, dayNumber, secondsOfDayInZone, weekday } from '../calendar';
import { minutesOf, type NetbankMaintenance } from './config';

/** Whether the bank is in maintenance at `now`, and until when (null: unknown, e.g. forced). */
export interface MaintenanceState {
  readonly active: boolean;
  readonly until: Date | null;
}

/** Evaluates the maintenance settings at an instant. */
export function maintenanceAt(settings: Required<NetbankMaintenance>, now: Date, timeZone: string): MaintenanceState {
  if (settings.forced) return { active: true, until: null };
  const seconds = secondsOfDayInZone(now, timeZone);
  const today = weekday(dayNumber(dateInZone(now, timeZone)));
  const yesterday = (today + 6) % 7;
  let until: number | null = null;
  for (const w of settings.windows) {
    const from = minutesOf(w.from) * 60;
    const to = minutesOf(w.to) * 60;
    const on = (day: number): boolean => w.days === undefined || w.days.length === 0 || w.days.includes(day);
    let remaining: number | null = null;
    if (from < to) {
      if (seconds >= from && seconds < to && on(today)) remaining = to - seconds;
    } else if (seconds >= from && on(today)) {
      remaining = 86_400 - seconds + to;
    } else if (seconds < to && on(yesterday)) {
      remaining = to - seconds;
    }
    if (remaining !== null) {
      const end = now.getTime() + remaining * 1000;
      until = until === null ? end : Math.max(until, end);
    }
  }
  return until === null ? { active: false, until: null } : { active: true, until: new Date(until) };
}

/** `2026年11月21日 05:00` — an instant as the bank writes it, in its zone. */
export function formatInstant(instant: Date, timeZone: string): string {
  const [y, m, d] = dateInZone(instant, timeZone).split('-');
  const s = secondsOfDayInZone(instant, timeZone);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  return `${Number(y)}年${Number(m)}月${Number(d)}日 ${hh}:${mm}`;
}
