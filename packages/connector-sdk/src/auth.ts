import type { Redacted } from 'effect';
import type { Challenge } from './challenge';
import type { LocalizedText } from './manifest';

/** The languages of labels and Link pages. */
export type Locale = 'ja' | 'en' | 'pl';

/**
 * The user (PSU) behind a call, as the app saw them, for standards that require it (Berlin
 * Group: `PSU-IP-Address` on consent creation and on every call while the user is present;
 * `PSU-User-Agent`). `userPresent` is false for unattended (scheduled, tenant background) calls.
 */
export interface PsuContext {
  /** The user's IP address as the app received it (never logged by connectors). */
  readonly ipAddress?: string;
  readonly userAgent?: string;
  readonly userPresent: boolean;
}

/**
 * Starts an authorisation. The app creates `state` and the PKCE pair (see `createPkcePair`)
 * and binds them to the Link session; credential connectors ignore the redirect fields.
 */
export interface BeginAuthInput {
  /** Where the bank sends the user back (exact match at the bank). */
  readonly redirectUri: string;
  readonly state: string;
  /** The PKCE S256 challenge of the verifier the app keeps. */
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256';
  readonly locale?: Locale;
  readonly psu?: PsuContext;
}

/** How a credential form input is typed: any text, or digits only (a PIN, an account number). */
export const credentialInputModes = ['text', 'numeric'] as const;
/** One of {@link credentialInputModes}. */
export type CredentialInputMode = (typeof credentialInputModes)[number];

/** One input of a credential form. */
export interface CredentialField {
  /** The key under which the value comes back in `CompleteAuthInput.credentials`. */
  readonly name: string;
  readonly label: LocalizedText;
  /** Rendered as a password input. */
  readonly secret: boolean;
  readonly inputMode?: CredentialInputMode;
}

/** What the user does next: go to the bank (redirect flow) or fill in a form (credentials flow). */
export type AuthStart =
  | {
      readonly type: 'redirect';
      readonly url: string;
      /**
       * What the connector must get back in `complete` (e.g. the consent id a Berlin Group bank
       * assigned). Opaque to the app, which keeps it only sealed (encrypted, bound to the
       * connect flow and its Link session) and hands it to `complete` of that flow alone.
       */
      readonly flowState?: string;
    }
  | { readonly type: 'form'; readonly fields: readonly CredentialField[] };

/** What came back from the user: the bank's callback parameters, or the filled-in form. */
export type CompleteAuthInput =
  | {
      readonly type: 'redirect';
      /** The query parameters of the callback (the app has already checked `state`). */
      readonly callbackParams: Readonly<Record<string, string>>;
      readonly redirectUri: string;
      readonly codeVerifier: Redacted.Redacted<string>;
      /** The `flowState` this flow's `begin` returned, unsealed by the app (absent when there was none). */
      readonly flowState?: Redacted.Redacted<string>;
      readonly psu?: PsuContext;
    }
  | { readonly type: 'credentials'; readonly credentials: Readonly<Record<string, Redacted.Redacted<string>>>; readonly psu?: PsuContext };

/** Access was granted. The grant is opaque to the app, which stores it only encrypted. */
export interface Granted<G> {
  readonly type: 'granted';
  readonly grant: G;
  /** When the grant stops working unless refreshed (the app schedules refreshes). */
  readonly accessExpiresAt?: Date;
  /** When refreshing stops working: the user must authorise again. */
  readonly refreshExpiresAt?: Date;
}

/**
 * What the bank agreed for one consent, read by the connector out of its grant
 * (`ConnectorDefinition.consentFacts`): they feed the app's consent row (end, history, SCA
 * time) and its unattended-access budget (the lower of `frequencyPerDay` and the manifest's
 * `unattendedAccessesPerDay`). Never secrets.
 */
export interface ConsentFacts {
  /** When the consent ends at the bank (Berlin Group `validUntil`, PolishAPI `scopeTimeLimit`). */
  readonly validUntil?: Date;
  /** Unattended accesses per account per day the bank allows for this consent (Berlin Group `frequencyPerDay`). */
  readonly frequencyPerDay?: number;
  /** When the user last passed strong customer authentication for it. */
  readonly lastScaAt?: Date;
  /** Days of history the consent grants. */
  readonly maxHistoryDays?: number;
}

/** The bank asks a question first; answer it with the opaque `state`. */
export interface ChallengeStep<S> {
  readonly type: 'challenge';
  readonly challenge: Challenge;
  readonly state: S;
}

/** The result of completing a login or answering a challenge. */
export type AuthStep<G, S> = Granted<G> | ChallengeStep<S>;

/** The user's answer to a challenge; MFA answers are passed through, never stored. */
export interface AnswerChallengeInput<S> {
  readonly state: S;
  readonly answer: Redacted.Redacted<string>;
}
