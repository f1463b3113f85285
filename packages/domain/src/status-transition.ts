import { Result, Schema } from 'effect';
import {
  type AggregationStatus,
  type AggregationStatusGroup,
  type ChallengeKind,
  aggregationStatusGroup,
  challengeKindOf,
  invalidStatusForChallengeKind,
  isRunInProgress,
  knownAggregationStatuses,
  statusForChallengeKind,
} from './aggregation-status';

/** Something that happens to a connection; the transition function moves its status on it. */
export type StatusEvent =
  | { readonly _tag: 'RefreshRequested' }
  | { readonly _tag: 'LoggedIn' }
  | { readonly _tag: 'ChallengeRaised'; readonly kind: ChallengeKind }
  | { readonly _tag: 'Answered' }
  | { readonly _tag: 'AnswerTimedOut' }
  | { readonly _tag: 'ChallengeRenewed' }
  | { readonly _tag: 'DataFetched' }
  | { readonly _tag: 'ProcessingDone' }
  | { readonly _tag: 'Failed'; readonly status: AggregationStatus }
  | { readonly _tag: 'Deactivated' }
  | { readonly _tag: 'Reactivated'; readonly statusBeforeDeactivation: AggregationStatus };

/** Constructors for status events. */
export const StatusEvent = {
  refreshRequested: (): StatusEvent => ({ _tag: 'RefreshRequested' }),
  loggedIn: (): StatusEvent => ({ _tag: 'LoggedIn' }),
  challengeRaised: (kind: ChallengeKind): StatusEvent => ({ _tag: 'ChallengeRaised', kind }),
  answered: (): StatusEvent => ({ _tag: 'Answered' }),
  answerTimedOut: (): StatusEvent => ({ _tag: 'AnswerTimedOut' }),
  /** The user asked for another question instead of the waiting one (e.g. a new CAPTCHA image): the login starts over at the bank. */
  challengeRenewed: (): StatusEvent => ({ _tag: 'ChallengeRenewed' }),
  dataFetched: (): StatusEvent => ({ _tag: 'DataFetched' }),
  processingDone: (): StatusEvent => ({ _tag: 'ProcessingDone' }),
  /** A run failed; `status` is an auth error, an error, or guest.intervention.required. */
  failed: (status: AggregationStatus): StatusEvent => ({ _tag: 'Failed', status }),
  deactivated: (): StatusEvent => ({ _tag: 'Deactivated' }),
  /** Reactivation restores the settled status recorded when the connection was deactivated. */
  reactivated: (statusBeforeDeactivation: AggregationStatus): StatusEvent => ({
    _tag: 'Reactivated',
    statusBeforeDeactivation,
  }),
} as const;

/** A status event that cannot happen in the current status (e.g. an answer when nothing was asked). */
export class InvalidStatusTransition extends Schema.TaggedError<InvalidStatusTransition>()('InvalidStatusTransition', {
  from: Schema.String,
  event: Schema.String,
  message: Schema.String,
}) {}

const FAILURE_GROUPS: ReadonlySet<AggregationStatusGroup> = new Set(['auth-error', 'error', 'intervention-required']);

/** Statuses a run can end in or be left in: neither under way nor inactive. */
const isSettled = (status: AggregationStatus): boolean => !isRunInProgress(status) && status !== 'inactive';

/**
 * The next status of a connection after an event, or InvalidStatusTransition. Rules:
 * - a refresh starts from any settled status and always enters `running.auth`; not while a
 *   run is under way, nor while inactive (reactivate first);
 * - running.auth → (logged in) running.data → (data fetched) running.intelligence →
 *   (processing done) success;
 * - a challenge is raised while logging in (running.auth), or while downloading
 *   (running.data) when the bank ended the session and asks again at the new login; it
 *   waits in its `suspended.*` status; the answer returns to running.auth (the login goes
 *   on), so a second question can follow; a timed-out
 *   answer ends in the matching `auth.creds.*.invalid` (an unknown `suspended.*` in
 *   `auth.creds.invalid`); a question the user asks to replace (a new CAPTCHA image) returns
 *   to running.auth too — the login starts over — and never passes through an invalid status;
 * - a run (running or waiting) can fail with an auth error, an error or
 *   guest.intervention.required (unknown `auth.*`/`error.*` values included);
 * - deactivation is possible from a settled status only (a run under way ends first), and
 *   reactivation restores the settled status recorded at deactivation, from which a
 *   refresh can start. Starting a run again is the refresh's job, not the reactivation's.
 */
export function nextAggregationStatus(
  from: AggregationStatus,
  event: StatusEvent,
): Result.Result<AggregationStatus, InvalidStatusTransition> {
  const next = step(from, event);
  return typeof next === 'string'
    ? Result.succeed(next)
    : Result.fail(new InvalidStatusTransition({ from, event: event._tag, message: `${event._tag} in "${from}": ${next.why}` }));
}

/** Why {@link step} refused an event (the error is built by its caller, only when it wants one). */
interface Refusal {
  readonly why: string;
}

/** {@link nextAggregationStatus}'s rules: the next status, or why not (no error object, no stack trace). */
function step(from: AggregationStatus, event: StatusEvent): AggregationStatus | Refusal {
  const reject = (why: string): Refusal => ({ why });
  const group = aggregationStatusGroup(from);
  switch (event._tag) {
    case 'RefreshRequested':
      if (from === 'inactive') return reject('the connection is inactive; reactivate it first');
      if (isRunInProgress(from)) return reject('a run is already under way');
      return 'running.auth';
    case 'LoggedIn':
      return from === 'running.auth' ? 'running.data' : reject('not logging in');
    case 'ChallengeRaised':
      // Only while the app talks to the bank: logging in, or downloading (a re-login).
      return from === 'running.auth' || from === 'running.data'
        ? statusForChallengeKind(event.kind)
        : reject('a challenge is raised only while logging in or downloading from the bank');
    case 'Answered':
      return group === 'waiting' ? 'running.auth' : reject('no challenge is waiting for an answer');
    case 'ChallengeRenewed':
      return group === 'waiting' ? 'running.auth' : reject('no challenge is waiting to be replaced');
    case 'AnswerTimedOut': {
      if (group !== 'waiting') return reject('no challenge is waiting for an answer');
      const kind = challengeKindOf(from);
      return kind === undefined ? 'auth.creds.invalid' : invalidStatusForChallengeKind(kind);
    }
    case 'DataFetched':
      return from === 'running.data' ? 'running.intelligence' : reject('no data is being fetched');
    case 'ProcessingDone':
      return from === 'running.intelligence' ? 'success' : reject('nothing is being processed');
    case 'Failed':
      if (!FAILURE_GROUPS.has(aggregationStatusGroup(event.status)))
        return reject(`"${event.status}" is not a failure status`);
      return isRunInProgress(from) ? event.status : reject('no run is under way');
    case 'Deactivated':
      if (from === 'inactive') return reject('already inactive');
      return isSettled(from) ? 'inactive' : reject('a run is under way; let it end first');
    case 'Reactivated':
      if (from !== 'inactive') return reject('not inactive');
      return isSettled(event.statusBeforeDeactivation)
        ? event.statusBeforeDeactivation
        : reject(`"${event.statusBeforeDeactivation}" is not a settled status to return to`);
  }
}

/** A status event's key for {@link statusMoves}' table: its tag and its parameter. */
const eventKey = (event: StatusEvent): string => {
  switch (event._tag) {
    case 'ChallengeRaised':
      return `${event._tag}:${event.kind}`;
    case 'Failed':
      return `${event._tag}:${event.status}`;
    case 'Reactivated':
      return `${event._tag}:${event.statusBeforeDeactivation}`;
    default:
      return event._tag;
  }
};

/** Most tables {@link statusMoves} keeps (events carry a status; unknown ones are kept verbatim, so their set is open). */
const MAX_TABLES = 256;
const tables = new Map<string, ReadonlyArray<readonly [AggregationStatus, AggregationStatus]>>();

/**
 * Every move `event` makes from a known status, as (from, to) pairs, `to` ≠ `from`: what
 * {@link nextAggregationStatus} answers for each of {@link knownAggregationStatuses}, without
 * building an error for each refusal. Computed once per event (and parameter) and kept: a
 * store applies the move found for the status it reads under its lock in one statement.
 */
export function statusMoves(event: StatusEvent): ReadonlyArray<readonly [AggregationStatus, AggregationStatus]> {
  const key = eventKey(event);
  const kept = tables.get(key);
  if (kept !== undefined) return kept;
  const moves: Array<readonly [AggregationStatus, AggregationStatus]> = [];
  for (const from of knownAggregationStatuses) {
    const to = step(from, event);
    if (typeof to === 'string' && to !== from) moves.push(Object.freeze([from, to] as const));
  }
  const table = Object.freeze(moves);
  if (tables.size >= MAX_TABLES) tables.clear();
  tables.set(key, table);
  return table;
}
