import { Result, Schema } from 'effect';
import {
  type AggregationStatus,
  type AggregationStatusGroup,
  type ChallengeKind,
  aggregationStatusGroup,
  challengeKindOf,
  invalidStatusForChallengeKind,
  isRunInProgress,
  statusForChallengeKind,
} from './aggregation-status';

/** Something that happens to a connection; the transition function moves its status on it. */
export type StatusEvent =
  | { readonly _tag: 'RefreshRequested' }
  | { readonly _tag: 'LoggedIn' }
  | { readonly _tag: 'ChallengeRaised'; readonly kind: ChallengeKind }
  | { readonly _tag: 'Answered' }
  | { readonly _tag: 'AnswerTimedOut' }
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
 *   `auth.creds.invalid`);
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
  const reject = (why: string) =>
    Result.fail(new InvalidStatusTransition({ from, event: event._tag, message: `${event._tag} in "${from}": ${why}` }));
  const group = aggregationStatusGroup(from);
  switch (event._tag) {
    case 'RefreshRequested':
      if (from === 'inactive') return reject('the connection is inactive; reactivate it first');
      if (isRunInProgress(from)) return reject('a run is already under way');
      return Result.succeed('running.auth');
    case 'LoggedIn':
      return from === 'running.auth' ? Result.succeed('running.data') : reject('not logging in');
    case 'ChallengeRaised':
      // Only while the app talks to the bank: logging in, or downloading (a re-login).
      return from === 'running.auth' || from === 'running.data'
        ? Result.succeed(statusForChallengeKind(event.kind))
        : reject('a challenge is raised only while logging in or downloading from the bank');
    case 'Answered':
      return group === 'waiting' ? Result.succeed('running.auth') : reject('no challenge is waiting for an answer');
    case 'AnswerTimedOut': {
      if (group !== 'waiting') return reject('no challenge is waiting for an answer');
      const kind = challengeKindOf(from);
      return Result.succeed(kind === undefined ? 'auth.creds.invalid' : invalidStatusForChallengeKind(kind));
    }
    case 'DataFetched':
      return from === 'running.data' ? Result.succeed('running.intelligence') : reject('no data is being fetched');
    case 'ProcessingDone':
      return from === 'running.intelligence' ? Result.succeed('success') : reject('nothing is being processed');
    case 'Failed':
      if (!FAILURE_GROUPS.has(aggregationStatusGroup(event.status)))
        return reject(`"${event.status}" is not a failure status`);
      return isRunInProgress(from) ? Result.succeed(event.status) : reject('no run is under way');
    case 'Deactivated':
      if (from === 'inactive') return reject('already inactive');
      return isSettled(from) ? Result.succeed('inactive') : reject('a run is under way; let it end first');
    case 'Reactivated':
      if (from !== 'inactive') return reject('not inactive');
      return isSettled(event.statusBeforeDeactivation)
        ? Result.succeed(event.statusBeforeDeactivation)
        : reject(`"${event.statusBeforeDeactivation}" is not a settled status to return to`);
  }
}
