import { CalendarDate } from '@kinko/domain';
import { Schema } from 'effect';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The dates the API accepts (query `from`/`to`, the date inside a cursor): bank calendar
 * days no bank reports outside of. Year 0000 is no date PostgreSQL stores; the range keeps
 * such values at the edge (a `validation` problem) instead of in a failed query.
 */
export const API_DATE_RANGE = { min: '1900-01-01', max: '9999-12-31' } as const;

const isDomainCalendarDate = Schema.is(CalendarDate);

/** Whether text is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not) within {@link API_DATE_RANGE}. */
export function isCalendarDateText(text: unknown): text is string {
  // ISO dates order as strings.
  return isDomainCalendarDate(text) && text >= API_DATE_RANGE.min && text <= API_DATE_RANGE.max;
}

/** class-validator: a real calendar date `YYYY-MM-DD` (the bank's day, no time zone) within {@link API_DATE_RANGE}. */
export const IsCalendarDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: isCalendarDateText,
        defaultMessage: (a) => `${a?.property ?? 'value'} must be a calendar date YYYY-MM-DD from ${API_DATE_RANGE.min} to ${API_DATE_RANGE.max}`,
      },
    },
    options,
  );

/** Days from `from` to `to` (both `YYYY-MM-DD`). */
export const daysBetweenText = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
