import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Whether text is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not). */
export function isCalendarDateText(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** class-validator: a real calendar date `YYYY-MM-DD` (the bank's day, no time zone). */
export const IsCalendarDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy({ name: 'isCalendarDate', validator: { validate: isCalendarDateText, defaultMessage: (a) => `${a?.property ?? 'value'} must be a calendar date YYYY-MM-DD` } }, options);

/** Days from `from` to `to` (both `YYYY-MM-DD`). */
export const daysBetweenText = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
