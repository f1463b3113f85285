import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Schema } from 'effect';
import { KnownAggregationStatus } from '@kinko/domain';
import {
  ConnectorError,
  ConnectorErrors,
  connectorErrorTags,
  errorOutcome,
  isConnectorError,
  isRetryable,
  retryAdvice,
  SHORT_RETRY_AFTER_MS,
  type ConnectorErrorTag,
  type ErrorOutcome,
} from '../src';

// One example of every error, built through the public constructors.
const examples: Record<ConnectorErrorTag, ConnectorError> = {
  CredentialsInvalid: ConnectorErrors.credentialsInvalid(),
  ChallengeRequired: ConnectorErrors.challengeRequired({ challenge: { kind: 'captcha', prompt: '文字を入力', image: { mediaType: 'image/png', base64: 'iVBORw0KGgo=' } } }),
  ChallengeAnswerInvalid: ConnectorErrors.challengeAnswerInvalid({ challengeKind: 'security' }),
  ChallengeTimedOut: ConnectorErrors.challengeTimedOut({ challengeKind: 'puzzle' }),
  LockedTemporary: ConnectorErrors.lockedTemporary(),
  LockedPermanent: ConnectorErrors.lockedPermanent(),
  InterventionRequired: ConnectorErrors.interventionRequired(),
  ServiceUnavailable: ConnectorErrors.serviceUnavailable({ retryAfterMs: 3_600_000 }),
  SessionConflict: ConnectorErrors.sessionConflict(),
  NetworkError: ConnectorErrors.network({ code: 'connection_failed' }),
  TemporaryError: ConnectorErrors.temporary(),
  PermanentError: ConnectorErrors.permanent(),
  Unsupported: ConnectorErrors.unsupported(),
  ConsentExpired: ConnectorErrors.consentExpired(),
  ConsentRevoked: ConnectorErrors.consentRevoked(),
  RateLimited: ConnectorErrors.rateLimited({ retryAfterMs: 30_000 }),
  MissingAccount: ConnectorErrors.missingAccount({ bankAccountId: 'acc-1' }),
  SignatureError: ConnectorErrors.signature(),
  BankResponse: ConnectorErrors.bankResponse({ status: 400, content: '{"error":"bad account"}' }),
};

// The expected mapping, written out from DESIGN.md §3 and the seed's status table.
const expectedOutcomes: Record<ConnectorErrorTag, ErrorOutcome> = {
  CredentialsInvalid: { scope: 'connection', status: 'auth.creds.invalid' },
  ChallengeRequired: { scope: 'connection', status: 'suspended.missing-answer.auth.captcha' },
  ChallengeAnswerInvalid: { scope: 'connection', status: 'auth.creds.security.invalid' },
  ChallengeTimedOut: { scope: 'connection', status: 'auth.creds.puzzle.invalid' },
  LockedTemporary: { scope: 'connection', status: 'auth.creds.locked.temporary' },
  LockedPermanent: { scope: 'connection', status: 'auth.creds.locked.permanent' },
  InterventionRequired: { scope: 'connection', status: 'guest.intervention.required' },
  ServiceUnavailable: { scope: 'connection', status: 'error.service.unavailable' },
  SessionConflict: { scope: 'connection', status: 'error.session' },
  NetworkError: { scope: 'connection', status: 'error.network' },
  TemporaryError: { scope: 'connection', status: 'error.temporary' },
  PermanentError: { scope: 'connection', status: 'error.permanent' },
  Unsupported: { scope: 'connection', status: 'error.unsupported' },
  ConsentExpired: { scope: 'consent', consentStatus: 'expired' },
  ConsentRevoked: { scope: 'consent', consentStatus: 'revokedByUser' },
  // Throttled until the retries are spent: the bank refuses service for now (issue 13: not error.temporary, not an account's own error).
  RateLimited: { scope: 'connection', status: 'error.service.unavailable' },
  MissingAccount: { scope: 'account', syncErrorType: 'missingAccount' },
  SignatureError: { scope: 'account', syncErrorType: 'signature' },
  BankResponse: { scope: 'account', syncErrorType: 'aspspResponse', aspspResponse: { status: '400', content: '{"error":"bad account"}' } },
};

describe('connector errors', () => {
  it('lists every tag once', () => {
    expect([...connectorErrorTags].sort()).toEqual(Object.keys(examples).sort());
  });

  it.each(connectorErrorTags)('%s is a well-formed, JSON round-trippable error', (tag) => {
    const e = examples[tag];
    expect(e._tag).toBe(tag);
    expect(isConnectorError(e)).toBe(true);
    const back = Schema.decodeUnknownSync(ConnectorError)(JSON.parse(JSON.stringify(e)));
    expect(back).toEqual(e);
  });

  it.each(connectorErrorTags)('%s maps onto its aggregation status or account/consent outcome', (tag) => {
    expect(errorOutcome(examples[tag])).toEqual(expectedOutcomes[tag]);
  });

  it('maps connection errors only onto the seed’s known statuses, and covers every non-running, non-success one', () => {
    const statuses = new Set<string>();
    for (const tag of connectorErrorTags) {
      const outcome = errorOutcome(examples[tag]);
      if (outcome.scope === 'connection') statuses.add(outcome.status);
    }
    for (const kind of ['security', 'otp', 'captcha', 'puzzle'] as const) {
      statuses.add((errorOutcome(ConnectorErrors.challengeRequired({ challenge: kind === 'captcha' ? { kind, prompt: '', image: { mediaType: 'image/png', base64: '' } } : { kind, prompt: '' } })) as { status: string }).status);
      statuses.add((errorOutcome(ConnectorErrors.challengeAnswerInvalid({ challengeKind: kind })) as { status: string }).status);
    }
    for (const s of statuses) expect(KnownAggregationStatus.literals).toContain(s);
    const notFromErrors = ['running.auth', 'running.data', 'running.intelligence', 'success', 'inactive'];
    expect([...statuses].sort()).toEqual(KnownAggregationStatus.literals.filter((s) => !notFromErrors.includes(s)).sort());
  });

  it('says which errors are worth retrying soon', () => {
    const retryable = connectorErrorTags.filter((tag) => isRetryable(examples[tag]));
    // ServiceUnavailable's example waits an hour: maintenance, not retryable soon.
    expect(retryable.sort()).toEqual(['NetworkError', 'RateLimited', 'TemporaryError']);
    expect(retryAdvice(examples.RateLimited)).toEqual({ retryable: true, afterMs: 30_000 });
    expect(retryAdvice(ConnectorErrors.serviceUnavailable({ retryAfterMs: SHORT_RETRY_AFTER_MS }))).toEqual({ retryable: true, afterMs: SHORT_RETRY_AFTER_MS });
    expect(isRetryable(ConnectorErrors.serviceUnavailable())).toBe(false);
    for (const tag of ['CredentialsInvalid', 'ConsentExpired', 'ConsentRevoked', 'LockedTemporary'] as const) expect(isRetryable(examples[tag])).toBe(false);
  });

  it('clips long messages and bank contents, and drops undefined fields', () => {
    const e = ConnectorErrors.bankResponse({ status: 500, content: 'x'.repeat(10_000), message: 'm'.repeat(1_000) });
    expect(e.content.length).toBe(2000);
    expect(e.message.length).toBe(500);
    expect(Object.keys(ConnectorErrors.rateLimited({ retryAfterMs: undefined }))).toEqual(['_tag', 'message']);
  });

  it('rejects values outside the closed set', () => {
    expect(isConnectorError({ _tag: 'SomethingElse', message: 'x' })).toBe(false);
    expect(isConnectorError({ _tag: 'RateLimited', message: 'x', retryAfterMs: -1 })).toBe(false);
    expect(isConnectorError(new Error('x'))).toBe(false);
  });

  it('are frozen plain values that print without surprises', () => {
    const e = examples.BankResponse;
    expect(Object.isFrozen(e)).toBe(true);
    expect(inspect(e)).toContain("_tag: 'BankResponse'");
  });
});
