import { Schema } from 'effect';
import type { Grant } from '@kinko/connector-sdk';

const Instant = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s))) || 'not an ISO 8601 instant')),
);
const HistoryDays = Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1460 })));

/**
 * What the connector keeps of an authorisation (the app stores it encrypted). Besides the
 * tokens it records the consent's facts the app plans with: the consent id (for
 * deleteConsent), the instant of the last SCA, the consent's end (`scopeTimeLimit`) and the
 * history it grants (`maxAllowedHistoryLong`). Instants are ISO 8601 text.
 */
export const PolishApiGrant = Schema.Struct({
  accessToken: Schema.Redacted(Schema.String),
  /** Absent when the bank issued none (the spec makes it optional): the user must authorise again. */
  refreshToken: Schema.optional(Schema.Redacted(Schema.String)),
  /** The TPP's consent id, sent in `scope_details` and confirmed by the bank. */
  consentId: Schema.String,
  /** When the user last passed strong customer authentication (the code exchange; refreshes keep it). */
  scaAt: Instant,
  /** When the access token stops working. */
  accessExpiresAt: Schema.optional(Instant),
  /** When the consent ends (the bank's `scopeTimeLimit`). */
  consentExpiresAt: Instant,
  /** Days of history the consent grants (the smallest `maxAllowedHistoryLong` of its listing privileges). */
  maxHistoryDays: HistoryDays,
});
/** What the connector keeps of an authorisation. */
export type PolishApiGrant = typeof PolishApiGrant.Type;

/**
 * A PolishAPI consent as the app plans with it — the fields of the domain's `Consent`:
 * `expirationDate`, `maxHistoryDays`, `lastScaAt` — without any secret.
 */
export interface PolishApiConsentInfo {
  /** The TPP's consent id at the bank. */
  readonly consentId: string;
  /** When the user last passed SCA (for `isScaFresh` / `scaExpiresAt` with the manifest's `scaValidityDays`). */
  readonly lastScaAt: Date;
  /** When the consent ends: past it the bank answers CONSENT_EXPIRED (→ `ConsentExpired`). */
  readonly expirationDate: Date;
  /** Days of history the consent grants (the `consent.maxHistoryDays` of `dateWindow`). */
  readonly maxHistoryDays: number;
  /** When the access token stops working (refresh before). */
  readonly accessExpiresAt?: Date;
}

const isPolishApiGrant = Schema.is(PolishApiGrant);

/** The consent facts of a grant of a PolishAPI connector; undefined for any other grant. */
export function polishApiConsentInfo(grant: Grant | PolishApiGrant): PolishApiConsentInfo | undefined {
  if (!isPolishApiGrant(grant)) return undefined;
  return {
    consentId: grant.consentId,
    lastScaAt: new Date(grant.scaAt),
    expirationDate: new Date(grant.consentExpiresAt),
    maxHistoryDays: grant.maxHistoryDays,
    ...(grant.accessExpiresAt !== undefined ? { accessExpiresAt: new Date(grant.accessExpiresAt) } : {}),
  };
}
