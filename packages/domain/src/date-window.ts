import { addDays, maxDate, minDate, type CalendarDate } from './calendar-date';
import { MAX_HISTORY_DAYS_LIMIT } from './consent';
import type { DateField, TransactionKind } from './transaction-kind';

/** What a bank (connector) allows when asked for history; declared in its manifest. */
export interface HistoryLimits {
  /** How far back the bank answers without fresh SCA (the seed: 90 days). */
  readonly unattendedHistoryDays: number;
  /** How far back the bank answers at all, even right after SCA. */
  readonly maxHistoryDays: number;
  /** Days re-read before the latest fetched transaction on every incremental sync (the seed: 4). */
  readonly overlapDays: number;
  /** Which date the bank filters each kind by; unlisted kinds use `transactionDate` (the seed's rule for booked). */
  readonly dateFields?: Partial<Record<TransactionKind, DateField>>;
  /**
   * Days after today a kind's window reaches (0 when unlisted): scheduled payments are dated
   * on their future execution day, so their window must look ahead to list them at all.
   */
  readonly horizonDays?: Partial<Record<TransactionKind, number>>;
}

/** The seed's limits: 90 days unattended, the consent maximum of 1460 days, 4 days of overlap. */
export const defaultHistoryLimits: HistoryLimits = {
  unattendedHistoryDays: 90,
  maxHistoryDays: MAX_HISTORY_DAYS_LIMIT,
  overlapDays: 4,
};

/**
 * The history the consent grants: at most `maxHistoryDays` (1..1460) back, and never before
 * `historyStart` when the consent names a first date. A `Consent` fits.
 */
export interface ConsentHistory {
  readonly maxHistoryDays: number;
  readonly historyStart?: CalendarDate | null;
}

/** Everything the window of one kind depends on. All dates are calendar dates in the bank's zone. */
export interface DateWindowRequest {
  readonly kind: TransactionKind;
  /** Today in the bank's time zone (the caller reads the clock, not the domain). */
  readonly today: CalendarDate;
  /** Whether the user just passed strong customer authentication in this session. */
  readonly scaJustPerformed: boolean;
  /** How many days of history the tenant asked for on the first fetch; null when not set. */
  readonly daysBack: number | null;
  /** The date of the latest transaction of this kind already fetched for the account; null when none. */
  readonly latestFetched: CalendarDate | null;
  readonly consent: ConsentHistory;
  readonly limits: HistoryLimits;
}

/** A limit that moved a window's start later than its rule wanted. */
export type WindowLimit = 'unattendedHistory' | 'consentHistory' | 'bankMaxHistory';

/**
 * The inclusive date range to request for one kind, filtered on `dateField`.
 *
 * Paging keeps the date filter fixed: every page request of one fetch carries this very
 * window object (see {@link PageRequest}); only the page id changes, so no transaction can
 * fall between pages. The object is frozen.
 */
export interface DateWindow {
  readonly kind: TransactionKind;
  readonly from: CalendarDate;
  readonly to: CalendarDate;
  readonly dateField: DateField;
  /**
   * `initial`: nothing fetched yet for the kind; `incremental`: re-read from the latest fetched
   * date minus the overlap; `full`: a kind filtered on a date the bank does not report
   * (`entryDate`), re-read over its whole horizon every time (see {@link dateWindow}).
   */
  readonly mode: 'initial' | 'incremental' | 'full';
  /** The limit that cut the start, or null when the rule's start was allowed. */
  readonly limitedBy: WindowLimit | null;
}

/** One page request of a fetch: the fetch's fixed window plus the bank's page id (null for the first page). */
export interface PageRequest {
  readonly window: DateWindow;
  readonly pageId: string | null;
}

/** The request for the first page of a window. */
export const firstPage = (window: DateWindow): PageRequest => ({ window, pageId: null });

/** The request for the next page: same window (same object), only the page id changes. */
export const nextPage = (previous: PageRequest, pageId: string): PageRequest => ({ window: previous.window, pageId });

function requireDays(name: string, value: number, min: number, max: number): void {
  // Limits come from validated manifests and consents; a bad number here is a bug upstream.
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number of days in ${min}..${max}, got ${value}`);
  }
}

/** The earliest date the consent allows today. */
export function consentHistoryStart(today: CalendarDate, consent: ConsentHistory): CalendarDate {
  const byDays = addDays(today, -consent.maxHistoryDays);
  return consent.historyStart ? maxDate(byDays, consent.historyStart) : byDays;
}

/**
 * The range to fetch for one kind (the seed's "date settings"):
 * - nothing fetched yet, SCA just performed → from the consent's history start (or
 *   `today − daysBack` when set: daysBack narrows, never widens);
 * - nothing fetched yet, no SCA → `today − MIN(daysBack, unattendedHistoryDays)`, or
 *   `today − unattendedHistoryDays` without daysBack (daysBack 200 → 90, 20 → 20);
 * - data fetched → `latestFetched − overlapDays` (always 4 days of overlap; daysBack no longer matters);
 * - data fetched of a kind filtered on a date the bank does not report (`entryDate`, Berlin
 *   Group pending) → mode `full`: its whole horizon again, `today − unattendedHistoryDays` (the
 *   widest read the bank answers without SCA; the consent's history start when SCA was just
 *   performed). The app cannot know an item's entry date, so an incremental window could drop an
 *   item the bank still lists (it entered before the window) — and reconciliation could not tell
 *   that item from one the bank removed. Re-reading the whole horizon gives reconciliation the
 *   bank's complete list of the kind, so what vanished from it may be removed.
 * Then the limits win: never before the consent's history start, never beyond the bank's
 * maximum, and without SCA never beyond the unattended limit. `to` is today, or today plus
 * the kind's `horizonDays` (scheduled payments); `from` never passes today. Throws RangeError
 * for out-of-range day counts (a configuration bug).
 */
export function dateWindow(request: DateWindowRequest): DateWindow {
  const { today, limits, consent, daysBack, latestFetched, scaJustPerformed, kind } = request;
  requireDays('consent.maxHistoryDays', consent.maxHistoryDays, 1, MAX_HISTORY_DAYS_LIMIT);
  requireDays('limits.maxHistoryDays', limits.maxHistoryDays, 1, Number.MAX_SAFE_INTEGER);
  requireDays('limits.unattendedHistoryDays', limits.unattendedHistoryDays, 0, Number.MAX_SAFE_INTEGER);
  requireDays('limits.overlapDays', limits.overlapDays, 0, Number.MAX_SAFE_INTEGER);
  if (daysBack !== null) requireDays('daysBack', daysBack, 0, Number.MAX_SAFE_INTEGER);
  const horizon = limits.horizonDays?.[kind] ?? 0;
  requireDays(`limits.horizonDays.${kind}`, horizon, 0, MAX_HISTORY_DAYS_LIMIT);

  const consentStart = consentHistoryStart(today, consent);
  // Ordered by what the user can do about them: SCA lifts the first, a new consent the second.
  const floors: ReadonlyArray<readonly [WindowLimit, CalendarDate]> = [
    ...(scaJustPerformed ? [] : [['unattendedHistory', addDays(today, -limits.unattendedHistoryDays)] as const]),
    ['consentHistory', consentStart],
    ['bankMaxHistory', addDays(today, -limits.maxHistoryDays)],
  ];

  const dateField = limits.dateFields?.[kind] ?? 'transactionDate';
  const full = latestFetched !== null && dateField === 'entryDate';
  const wanted: CalendarDate =
    full
      ? scaJustPerformed
        ? consentStart
        : addDays(today, -limits.unattendedHistoryDays)
      : latestFetched !== null
      ? addDays(latestFetched, -limits.overlapDays)
      : daysBack !== null
        ? addDays(today, -daysBack) // without SCA the unattended floor makes this MIN(daysBack, 90)
        : scaJustPerformed
          ? consentStart
          : addDays(today, -limits.unattendedHistoryDays);

  const floor = floors.reduce((acc, [, d]) => maxDate(acc, d), wanted);
  const binding = floor > wanted ? floors.find(([, d]) => d === floor) : undefined;
  const from = minDate(floor, today);
  return Object.freeze({
    kind,
    from,
    to: addDays(today, horizon),
    dateField,
    mode: latestFetched === null ? 'initial' : full ? 'full' : 'incremental',
    limitedBy: binding ? binding[0] : null,
  });
}

/** The windows of several kinds at once; `latestFetched` is per kind (a kind missing from it has no data yet). */
export function dateWindows(
  request: Omit<DateWindowRequest, 'kind' | 'latestFetched'> & {
    readonly kinds: readonly TransactionKind[];
    readonly latestFetched: Partial<Record<TransactionKind, CalendarDate>>;
  },
): readonly DateWindow[] {
  const { kinds, latestFetched, ...rest } = request;
  return kinds.map((kind) => dateWindow({ ...rest, kind, latestFetched: latestFetched[kind] ?? null }));
}

/** Whether a date lies inside a window, bounds included. */
export const isInWindow = (window: Pick<DateWindow, 'from' | 'to'>, date: CalendarDate): boolean =>
  window.from <= date && date <= window.to;
