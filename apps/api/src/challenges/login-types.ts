// What a credential login answers (issue 13 §6): its limits, the challenge as shown to the user,
// each step's outcome and the login form. Shared by the login service, the challenge API and the Link pages.
import type { ChallengeKind } from '@kinko/domain';
import type { Challenge, CredentialField } from '@kinko/connector-sdk';
import type { AuthAttempt } from './auth-attempt.entity';

/**
 * How long one call to the bank (a login, or passing an answer on) may be in flight before
 * the attempt is presumed dead (its process stopped): beyond the connector's own worst case
 * (three attempts of 30 s with backoff).
 */
export const BANK_CALL_TIMEOUT_MS = 5 * 60_000;

/** Longest answer passed on to a bank (an OTP, a CAPTCHA text, a secret answer, a puzzle offset). */
export const MAX_ANSWER_LENGTH = 256;

/** Where a pending challenge can be answered: through the API, or only by a person on the Link page (puzzle). */
export const ANSWER_CHANNELS = ['api', 'link-page'] as const;
export type AnswerChannel = (typeof ANSWER_CHANNELS)[number];

/** A challenge waiting for the user's answer, as shown to them. */
export interface PendingChallenge {
  readonly connectionId: string;
  readonly kind: ChallengeKind;
  /** The bank's question or instruction, as the bank wrote it. */
  readonly prompt: string;
  /** Digits of an OTP, when the bank says. */
  readonly length: number | undefined;
  /** The CAPTCHA or puzzle picture. */
  readonly image: { readonly mediaType: string; readonly base64: string } | undefined;
  /** The answer must arrive before this, else the connection ends in the matching `auth.creds.*.invalid`. */
  readonly expiresAt: Date;
  /** Which challenge of this login it is (1 = the first; a second question may follow). */
  readonly step: number;
  readonly answerVia: AnswerChannel;
}

/** How one login step (credentials, or an answer) ended. */
export type LoginOutcome =
  /** The login goes on at the bank (a new connection answers at once): follow the connection's status. */
  | { readonly type: 'running' }
  /** The bank let the user in: the grant is stored and the first sync started. */
  | { readonly type: 'granted'; readonly sessionIds: readonly string[] }
  /** The bank asks (another) challenge. */
  | { readonly type: 'challenge'; readonly challenge: PendingChallenge }
  /** The bank refused (wrong credentials or answer, lock, maintenance…): the connection took the matching status. */
  | { readonly type: 'failed'; readonly errorTag: string; readonly message: string };

/** Every {@link LoginOutcome} `type`. */
export const LOGIN_OUTCOME_TYPES = ['running', 'granted', 'challenge', 'failed'] as const satisfies ReadonlyArray<LoginOutcome['type']>;

/** A login step's result: the connection, its status after the step, and the outcome. */
export interface LoginResult {
  readonly connectionId: string;
  readonly bankId: string;
  readonly aggregationStatus: string;
  readonly outcome: LoginOutcome;
}

/** The credential form of a bank. */
export interface CredentialForm {
  readonly bankId: string;
  readonly fields: readonly CredentialField[];
}

/** A waiting challenge as shown to the user. */
export function pendingChallengeView(attempt: Pick<AuthAttempt, 'connectionId' | 'expiresAt' | 'step'>, challenge: Challenge): PendingChallenge {
  return {
    connectionId: attempt.connectionId,
    kind: challenge.kind,
    prompt: challenge.prompt,
    length: challenge.kind === 'otp' ? challenge.length : undefined,
    image: challenge.kind === 'captcha' || challenge.kind === 'puzzle' ? challenge.image : undefined,
    expiresAt: attempt.expiresAt,
    step: attempt.step,
    answerVia: challenge.kind === 'puzzle' ? 'link-page' : 'api',
  };
}
