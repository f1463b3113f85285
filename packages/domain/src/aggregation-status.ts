import { Schema } from 'effect';
import { type Language, groupLabels, relativeSuccessLabel, statusLabels } from './labels';

/** The 23 aggregation statuses of the seed (seeds/aggregation-status.ja.txt), in its order. */
export const KnownAggregationStatus = Schema.Literals([
  'running.auth',
  'running.data',
  'running.intelligence',
  'success',
  'guest.intervention.required',
  'inactive',
  'suspended.missing-answer.auth.security',
  'suspended.missing-answer.auth.otp',
  'suspended.missing-answer.auth.captcha',
  'suspended.missing-answer.auth.puzzle',
  'auth.creds.invalid',
  'auth.creds.security.invalid',
  'auth.creds.otp.invalid',
  'auth.creds.captcha.invalid',
  'auth.creds.puzzle.invalid',
  'auth.creds.locked.temporary',
  'auth.creds.locked.permanent',
  'error.service.unavailable',
  'error.session',
  'error.network',
  'error.temporary',
  'error.permanent',
  'error.unsupported',
]);
/** One of the 23 aggregation statuses the seed defines. */
export type KnownAggregationStatus = typeof KnownAggregationStatus.Type;

/** Every known aggregation status, in the seed's order. */
export const knownAggregationStatuses: readonly KnownAggregationStatus[] = KnownAggregationStatus.literals;

const KNOWN = new Set<string>(knownAggregationStatuses);

/** Whether a string is one of the 23 statuses the seed defines. */
export const isKnownAggregationStatus = (s: string): s is KnownAggregationStatus => KNOWN.has(s);

/**
 * A status string the bank side sent that is not (yet) one of the 23, kept verbatim. The
 * seed warns new values will appear; a client must keep working when they do.
 */
export const UnknownAggregationStatus = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => !isKnownAggregationStatus(s) || `"${s}" is a known aggregation status`),
  ),
  Schema.brand('UnknownAggregationStatus'),
);
/** An aggregation status string outside the 23 known ones. */
export type UnknownAggregationStatus = typeof UnknownAggregationStatus.Type;

/**
 * A connection's aggregation status: one of the 23 known values or any other string, kept
 * verbatim. Decodes every string and encodes it back unchanged; only non-strings fail.
 */
export const AggregationStatus = Schema.Union([KnownAggregationStatus, UnknownAggregationStatus]);
/** A known aggregation status or an unknown one kept verbatim. */
export type AggregationStatus = typeof AggregationStatus.Type;

/** Reads any status string; never fails (unknown values are kept as they are). */
export const parseAggregationStatus = (s: string): AggregationStatus =>
  isKnownAggregationStatus(s) ? s : (s as UnknownAggregationStatus);

/** The kinds of challenge a bank can put in the way of a login. */
export const ChallengeKind = Schema.Literals(['security', 'otp', 'captcha', 'puzzle']);
/** A kind of login challenge. */
export type ChallengeKind = typeof ChallengeKind.Type;
/** Every ChallengeKind, in the domain's order (the API's enum is this list). */
export const challengeKinds: readonly ChallengeKind[] = ChallengeKind.literals;

/**
 * What state of affairs a status describes; unknown strings get a group from their prefix.
 * `intervention-required` is guest.intervention.required: the user must act on the bank's site.
 */
export const AggregationStatusGroup = Schema.Literals([
  'running',
  'ok',
  'intervention-required',
  'inactive',
  'waiting',
  'auth-error',
  'error',
  'unknown',
]);
/** The group of an aggregation status. */
export type AggregationStatusGroup = typeof AggregationStatusGroup.Type;
/** Every AggregationStatusGroup, in the domain's order (the API's enum is this list). */
export const aggregationStatusGroups: readonly AggregationStatusGroup[] = AggregationStatusGroup.literals;

/** What the user has to do next about a connection in a given status. */
export const UserAction = Schema.Literals([
  /** Nothing: all is well, or nothing the user does can help (a connector fix is needed). */
  'none',
  /** A run is under way. */
  'wait',
  /** Answer the bank's question, OTP or CAPTCHA (through the client's own screen or the link page). */
  'answer-challenge',
  /** Answer on the link page: a puzzle cannot be relayed through the API. */
  'answer-at-link-page',
  /** Enter the login details again (they are wrong, changed, or the bank forces re-authentication). */
  're-enter-credentials',
  /** Refresh and answer the challenge again: the last answer was wrong or came too late. */
  're-answer-challenge',
  /** Refresh and solve the puzzle again on the link page. */
  're-answer-at-link-page',
  /** Log in at the bank's own site and deal with what it shows (e.g. accept new terms). */
  'login-at-bank',
  /** Have the bank unlock the login (support desk), then enter the login details again. */
  'contact-bank-then-reenter',
  /** Log out of the bank elsewhere (another device, or the same account registered twice). */
  'log-out-elsewhere',
  /** Try again later: the bank is outside its service hours or in maintenance. */
  'retry-later',
  /** Try again: the problem is usually passing. */
  'retry',
  /** Turn automatic updates back on. */
  'reactivate',
]);
/** What the user has to do next. */
export type UserAction = typeof UserAction.Type;

/** Whether, and when, asking for a refresh is expected to help (from the seed's notes). */
export const RefreshAdvice = Schema.Literals([
  /** A run is under way (or waits for an answer): do not start another. */
  'wait',
  /** A refresh is expected to work. */
  'refresh-works',
  /** A refresh may work: the cause is usually transient (not when the bank's site changed). */
  'refresh-may-work',
  /** Only after a long while: refreshing soon leaves the status unchanged. */
  'refresh-later',
  /** Only after the user did what the action says; before that it comes back to this status. */
  'refresh-after-user-action',
  /** Unlikely to change anything until the cause is fixed on the connector's or bank's side. */
  'refresh-unlikely-to-help',
  /** Not possible: the connection is inactive and must be reactivated first. */
  'reactivate-first',
]);
/** Whether a refresh is expected to help. */
export type RefreshAdvice = typeof RefreshAdvice.Type;

/** What the domain knows about one status, apart from its labels. */
export interface StatusTraits {
  readonly group: AggregationStatusGroup;
  readonly action: UserAction;
  readonly advice: RefreshAdvice;
}

const traits = (group: AggregationStatusGroup, action: UserAction, advice: RefreshAdvice): StatusTraits => ({
  group,
  action,
  advice,
});

/** The seed's table as data: group, next user action and refresh advice of every known status. */
export const statusTraits: Readonly<Record<KnownAggregationStatus, StatusTraits>> = {
  'running.auth': traits('running', 'wait', 'wait'),
  'running.data': traits('running', 'wait', 'wait'),
  'running.intelligence': traits('running', 'wait', 'wait'),
  success: traits('ok', 'none', 'refresh-works'),
  // "a refresh may come back to this status" until the user has dealt with the bank's page.
  'guest.intervention.required': traits('intervention-required', 'login-at-bank', 'refresh-after-user-action'),
  inactive: traits('inactive', 'reactivate', 'reactivate-first'),
  'suspended.missing-answer.auth.security': traits('waiting', 'answer-challenge', 'wait'),
  'suspended.missing-answer.auth.otp': traits('waiting', 'answer-challenge', 'wait'),
  'suspended.missing-answer.auth.captcha': traits('waiting', 'answer-challenge', 'wait'),
  'suspended.missing-answer.auth.puzzle': traits('waiting', 'answer-at-link-page', 'wait'),
  'auth.creds.invalid': traits('auth-error', 're-enter-credentials', 'refresh-after-user-action'),
  'auth.creds.security.invalid': traits('auth-error', 're-answer-challenge', 'refresh-after-user-action'),
  'auth.creds.otp.invalid': traits('auth-error', 're-answer-challenge', 'refresh-after-user-action'),
  'auth.creds.captcha.invalid': traits('auth-error', 're-answer-challenge', 'refresh-after-user-action'),
  'auth.creds.puzzle.invalid': traits('auth-error', 're-answer-at-link-page', 'refresh-after-user-action'),
  // The lock may clear by itself, but the seed says the stored login details are usually wrong.
  'auth.creds.locked.temporary': traits('auth-error', 're-enter-credentials', 'refresh-after-user-action'),
  'auth.creds.locked.permanent': traits('auth-error', 'contact-bank-then-reenter', 'refresh-after-user-action'),
  'error.service.unavailable': traits('error', 'retry-later', 'refresh-later'),
  'error.session': traits('error', 'log-out-elsewhere', 'refresh-after-user-action'),
  // The seed allows treating network errors like service.unavailable, but says a refresh
  // works as soon as the problem is gone, which is usually soon.
  'error.network': traits('error', 'retry', 'refresh-may-work'),
  'error.temporary': traits('error', 'retry', 'refresh-may-work'),
  'error.permanent': traits('error', 'none', 'refresh-unlikely-to-help'),
  'error.unsupported': traits('error', 'none', 'refresh-unlikely-to-help'),
};

/** Traits of an unknown status, by the group its prefix puts it in. */
export const unknownStatusTraits: Readonly<Record<AggregationStatusGroup, StatusTraits>> = {
  running: traits('running', 'wait', 'wait'),
  ok: traits('ok', 'none', 'refresh-works'),
  'intervention-required': traits('intervention-required', 'login-at-bank', 'refresh-after-user-action'),
  inactive: traits('inactive', 'reactivate', 'reactivate-first'),
  // The client cannot know how to relay an unknown challenge; the link page can.
  waiting: traits('waiting', 'answer-at-link-page', 'wait'),
  'auth-error': traits('auth-error', 're-enter-credentials', 'refresh-after-user-action'),
  error: traits('error', 'retry', 'refresh-may-work'),
  unknown: traits('unknown', 'none', 'refresh-may-work'),
};

const PREFIX_GROUPS: ReadonlyArray<readonly [string, AggregationStatusGroup]> = [
  ['suspended.', 'waiting'],
  ['auth.', 'auth-error'],
  ['error.', 'error'],
  ['running.', 'running'],
];

/** The group of a status: from the table when known, from its prefix otherwise. */
export function aggregationStatusGroup(status: AggregationStatus): AggregationStatusGroup {
  if (isKnownAggregationStatus(status)) return statusTraits[status].group;
  return PREFIX_GROUPS.find(([prefix]) => status.startsWith(prefix))?.[1] ?? 'unknown';
}

/** Group, next action and refresh advice of any status (unknown ones get their group's). */
export const traitsOf = (status: AggregationStatus): StatusTraits =>
  isKnownAggregationStatus(status) ? statusTraits[status] : unknownStatusTraits[aggregationStatusGroup(status)];

/** Whether the connection waits for the user to answer a challenge (`suspended.*`). */
export const isWaiting = (status: AggregationStatus): boolean => aggregationStatusGroup(status) === 'waiting';

/** Whether a run is under way: running or waiting for an answer. */
export const isRunInProgress = (status: AggregationStatus): boolean => {
  const group = aggregationStatusGroup(status);
  return group === 'running' || group === 'waiting';
};

const CHALLENGE_STATUS = {
  security: 'suspended.missing-answer.auth.security',
  otp: 'suspended.missing-answer.auth.otp',
  captcha: 'suspended.missing-answer.auth.captcha',
  puzzle: 'suspended.missing-answer.auth.puzzle',
} as const satisfies Record<ChallengeKind, KnownAggregationStatus>;

const INVALID_STATUS = {
  security: 'auth.creds.security.invalid',
  otp: 'auth.creds.otp.invalid',
  captcha: 'auth.creds.captcha.invalid',
  puzzle: 'auth.creds.puzzle.invalid',
} as const satisfies Record<ChallengeKind, KnownAggregationStatus>;

/** The waiting status for a challenge of this kind (otp → suspended.missing-answer.auth.otp). */
export const statusForChallengeKind = (kind: ChallengeKind): KnownAggregationStatus => CHALLENGE_STATUS[kind];

/** The status a challenge of this kind ends in when its answer is wrong or comes too late. */
export const invalidStatusForChallengeKind = (kind: ChallengeKind): KnownAggregationStatus => INVALID_STATUS[kind];

/**
 * The challenge a waiting status asks for; undefined for every other status, and for an
 * unknown `suspended.*` value (its challenge is not one the client can relay).
 */
export function challengeKindOf(status: AggregationStatus): ChallengeKind | undefined {
  return ChallengeKind.literals.find((kind) => CHALLENGE_STATUS[kind] === status);
}

/** Everything a screen shows about a status: its group, the next action, refresh advice and label. */
export interface StatusDescription extends StatusTraits {
  readonly status: AggregationStatus;
  readonly label: string;
}

/**
 * Describes a status in a language. For `success`, pass when it succeeded and `now` to get
 * "3分前に更新されました"; without them the label is the seed's "ただ今更新されました".
 */
export function describeStatus(
  status: AggregationStatus,
  lang: Language,
  success?: { readonly succeededAt: Date; readonly now: Date },
): StatusDescription {
  const t = traitsOf(status);
  const label =
    status === 'success' && success !== undefined
      ? relativeSuccessLabel(success.succeededAt, success.now, lang)
      : isKnownAggregationStatus(status)
        ? statusLabels[status][lang]
        : groupLabels[t.group][lang];
  return { status, ...t, label };
}
