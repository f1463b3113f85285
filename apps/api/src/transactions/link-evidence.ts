import type { DescriptionAgreement, LinkEvidence, LinkMethod } from '@kinko/domain';

/**
 * The domain's {@link LinkEvidence} as `transactions.link_evidence` (jsonb) holds it and the
 * API shows it: the amount difference as a string of minor units (exact; JSON has no bigint).
 */
export interface StoredLinkEvidence {
  readonly method: LinkMethod;
  readonly dateDifferenceDays: number;
  readonly amountDifferenceMinor: string;
  readonly description: DescriptionAgreement;
  readonly candidates: number;
}

/** The one mapping from the domain's evidence to its stored (and shown) form. */
export const storedLinkEvidence = (e: LinkEvidence): StoredLinkEvidence => ({
  method: e.method,
  dateDifferenceDays: e.dateDifferenceDays,
  amountDifferenceMinor: e.amountDifferenceMinor.toString(),
  description: e.description,
  candidates: e.candidates,
});
