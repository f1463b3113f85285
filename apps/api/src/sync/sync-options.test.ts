import { describe, expect, it } from '@jest/globals';
import { ConnectorErrors } from '@kinko/connector-sdk';
import { DEFAULT_SYNC_SETTINGS, InvalidSyncSettingsError, resolveSyncSettings } from './sync-options';
import { AccountRetryableSyncError, FatalSyncError, RetryableSyncError, dispositionOf, toSyncFailure } from './sync-failures';

describe('sync settings', () => {
  it('overrides the defaults with what is given', () => {
    expect(resolveSyncSettings({ concurrency: 8 })).toEqual({ ...DEFAULT_SYNC_SETTINGS, concurrency: 8 });
  });

  it('refuses unknown names, wrong types and impossible values (a typo never passes silently)', () => {
    expect(() => resolveSyncSettings({ concurency: 8 } as never)).toThrow(InvalidSyncSettingsError);
    expect(() => resolveSyncSettings({ concurrency: '8' } as never)).toThrow('must be a number');
    expect(() => resolveSyncSettings({ concurrency: 0 })).toThrow('at least 1');
    expect(() => resolveSyncSettings({ pollingIntervalSeconds: 0.1 })).toThrow('pg-boss');
    expect(() => resolveSyncSettings({ sessionDeadlineMs: 10 })).toThrow('sessionDeadlineMs');
    expect(() => resolveSyncSettings({ psuRetentionMinutes: -1 })).toThrow('psuRetentionMinutes');
  });

  it("a finished session keeps the user's IP address no longer than the next scheduler round by default", () => {
    expect(DEFAULT_SYNC_SETTINGS.psuRetentionMinutes).toBe(0);
    expect(resolveSyncSettings({ psuRetentionMinutes: 1440 }).psuRetentionMinutes).toBe(1440);
  });

  it('a session deadline of minutes by default, seconds when asked (tests)', () => {
    expect(DEFAULT_SYNC_SETTINGS.sessionDeadlineMs).toBe(300_000);
    expect(resolveSyncSettings({ sessionDeadlineMs: 5_000 }).sessionDeadlineMs).toBe(5_000);
  });
});

describe('what a connector error does to a session', () => {
  it("the bank's own answers (5xx, 429, 503) are syncError aspspResponse with their status and content", () => {
    for (const e of [
      ConnectorErrors.temporary({ message: 'm', httpStatus: 500, content: '{"error":"boom"}' }),
      ConnectorErrors.rateLimited({ message: 'm', httpStatus: 429, content: '{"error":"boom"}', retryAfterMs: 3_600_000 }),
      ConnectorErrors.serviceUnavailable({ message: 'm', httpStatus: 503, content: '{"error":"boom"}' }),
    ]) {
      expect(toSyncFailure(e)).toEqual({ errorType: 'aspspResponse', aspspResponse: { status: String(e.httpStatus), content: '{"error":"boom"}' }, message: 'm' });
    }
  });

  it('an error carrying the bank’s Retry-After goes back to the worker (to wait, or end and reschedule), even a long 503', () => {
    expect(dispositionOf(ConnectorErrors.serviceUnavailable({ message: 'maintenance', retryAfterMs: 3_600_000 }), true).kind).toBe('retry');
    expect(dispositionOf(ConnectorErrors.serviceUnavailable({ message: 'maintenance' }), true).kind).toBe('fatal');
  });

  it('retries what the SDK calls retryable', () => {
    const d = dispositionOf(ConnectorErrors.temporary({ message: 'bank slow', httpStatus: 503 }), true);
    expect(d.kind).toBe('retry');
    expect(d.kind === 'retry' && d.error).toBeInstanceOf(RetryableSyncError);
  });

  it('a temporary error of one account’s data call is that account’s: retried without stopping the others, its own failure on the last attempt; elsewhere the session’s', () => {
    const e = ConnectorErrors.temporary({ message: 'boom', httpStatus: 500, content: '{"error":"boom"}' });
    const retry = dispositionOf(e, true);
    expect(retry.kind === 'retry' && retry.error).toBeInstanceOf(AccountRetryableSyncError);
    expect(dispositionOf(e, true, true)).toEqual({ kind: 'account', failure: { errorType: 'aspspResponse', aspspResponse: { status: '500', content: '{"error":"boom"}' }, message: 'boom' }, retriesSpent: e });
    const session = dispositionOf(e, false, true);
    expect(session.kind === 'retry' && session.error).toBeInstanceOf(RetryableSyncError);
    expect(session.kind === 'retry' && session.error).not.toBeInstanceOf(AccountRetryableSyncError);
    // The bank's own trouble (network, throttling) stays the whole session's, even on the last attempt.
    for (const bankWide of [ConnectorErrors.network({ message: 'reset' }), ConnectorErrors.rateLimited({ message: 'slow down' })]) {
      const d = dispositionOf(bankWide, true, true);
      expect(d.kind === 'retry' && d.error).toBeInstanceOf(RetryableSyncError);
      expect(d.kind === 'retry' && d.error).not.toBeInstanceOf(AccountRetryableSyncError);
    }
  });

  it('ends the session with the connection status of a connection-scope error', () => {
    const d = dispositionOf(ConnectorErrors.credentialsInvalid({ message: 'no' }), true);
    expect(d.kind === 'fatal' && d.error.status).toBe('auth.creds.invalid');
  });

  it('a consent the bank says is gone: consent status and re-authorisation', () => {
    const d = dispositionOf(ConnectorErrors.consentExpired({ message: 'expired' }), true);
    expect(d.kind === 'fatal' && [d.error.status, d.error.consent]).toEqual(['auth.creds.invalid', 'expired']);
  });

  it('records an account-scope error on the account, or stops the session when it hits the accounts list', () => {
    const e = ConnectorErrors.bankResponse({ message: 'bad', status: 400, content: 'no such account' });
    expect(dispositionOf(e, true)).toEqual({ kind: 'account', failure: { errorType: 'aspspResponse', aspspResponse: { status: '400', content: 'no such account' }, message: 'bad' } });
    const fatal = dispositionOf(e, false);
    expect(fatal.kind === 'fatal' && fatal.error).toBeInstanceOf(FatalSyncError);
    expect(fatal.kind === 'fatal' && fatal.error.status).toBe('error.unsupported');
  });

  it('keeps the bank’s HTTP status in the syncError when it has one', () => {
    expect(toSyncFailure(ConnectorErrors.permanent({ message: 'gone', httpStatus: 410 }))).toEqual({ errorType: 'aspspResponse', aspspResponse: { status: '410', content: '' }, message: 'gone' });
    expect(toSyncFailure(ConnectorErrors.signature({ message: 'bad jws' }))).toEqual({ errorType: 'signature', message: 'bad jws' });
  });
});
