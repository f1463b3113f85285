// Type-level tests, checked by `tsc -p tsconfig.json` (not run by jest): every per-error
// table must handle every tag, so adding an error without mapping it does not type-check.
// Each @ts-expect-error below fails the type-check if the line ever starts compiling.
import {
  errorOutcomeTable,
  retryAdviceTable,
  type ConnectorError,
  type ErrorOutcome,
  type OutcomeTable,
  type RetryAdvice,
} from '../../src';
import type { BankError } from '@kinko/domain';

// A new error joins the union…
type WithNewError = ConnectorError | { readonly _tag: 'BrandNewError'; readonly message: string };

// @ts-expect-error — …and the existing outcome table lacks an entry for it.
export const outcomesForNewError: OutcomeTable<WithNewError, ErrorOutcome> = errorOutcomeTable;

// @ts-expect-error — the retry table lacks it too.
export const retryForNewError: OutcomeTable<WithNewError, RetryAdvice> = retryAdviceTable;

// Dropping one entry from today's table does not type-check either.
const { BankResponse: _dropped, ...withoutBankResponse } = errorOutcomeTable;
// @ts-expect-error — BankResponse is missing.
export const incomplete: OutcomeTable<ConnectorError, ErrorOutcome> = withoutBankResponse;

// A handler must return an outcome: an aggregation status outside the seed's 23 is refused.
export const wrongStatus: OutcomeTable<ConnectorError, ErrorOutcome> = {
  ...errorOutcomeTable,
  // @ts-expect-error — 'error.unknown' is not a KnownAggregationStatus.
  NetworkError: () => ({ scope: 'connection', status: 'error.unknown' }),
};

// With the entry added, the table type-checks.
export const extended: OutcomeTable<WithNewError, ErrorOutcome> = {
  ...errorOutcomeTable,
  BrandNewError: () => ({ scope: 'connection', status: 'error.temporary' }),
};

// The domain's one decision (issue 13) is exhaustive over the same set: a new connector error
// is not a BankError until the domain decides it.
// @ts-expect-error — BrandNewError is not among the domain's BankError kinds.
export const undecided: BankError = { _tag: 'BrandNewError', message: '' } satisfies WithNewError;
