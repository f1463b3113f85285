import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Issue 13 §1-2, kept from regressing: bank errors are decided in one place (the domain's
// `decide`, packages/domain/src/outcome-decision.ts) and the connection's status, the
// consent's status and the accounts' sync state are written by a known, short list of
// writers. A new writer or a new error→status mapping anywhere else in apps/api/src fails
// here; the lists below may only shrink.

const SRC = join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The code without its comments (an example in a doc comment writes nothing). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');

const files = sourceFiles(SRC).map((path) => ({ file: relative(SRC, path).split('\\').join('/'), text: code(readFileSync(path, 'utf8')) }));

/** The files whose text matches any of the patterns. */
const filesMatching = (...patterns: RegExp[]): string[] =>
  files
    .filter(({ text }) => patterns.some((p) => new RegExp(p.source, p.flags).test(text)))
    .map(({ file }) => file)
    .sort();

// A repository write whose argument object sets the field (object literals, one level of calls inside).
const repositoryWrite = (field: string): RegExp => new RegExp(String.raw`\.(?:insert|update|updateOne|save|upsert)\((?:[^()]|\([^()]*\))*?\b${field}\s*:`, 's');

describe('one decision, known writers (issue 13)', () => {
  it('finds the source files it scans', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.map((f) => f.file)).toContain('sync/connection-status.ts');
  });

  it('no error→status mapping outside the domain’s decision: no errorOutcome/retryAdvice/isRetryable call, no hand table of error tags to statuses', () => {
    expect(filesMatching(/\berrorOutcome\(/, /\bretryAdvice\(/, /\bisRetryable\(/, /RETRYABLE_STATUS/, /\bfailureStatusOf\b/, /\bstatusOfTag\b/)).toEqual([]);
    // A tag of the connector error set next to an aggregation status literal: a mapping.
    const tagged = /case '(?:CredentialsInvalid|LockedTemporary|LockedPermanent|InterventionRequired|ServiceUnavailable|SessionConflict|NetworkError|TemporaryError|PermanentError|Unsupported|ConsentExpired|ConsentRevoked|RateLimited|MissingAccount|SignatureError|BankResponse)'[\s\S]{0,200}?'(?:auth\.|error\.|guest\.|suspended\.)/;
    expect(filesMatching(tagged)).toEqual([]);
  });

  it('aggregation_status is written only by the connection status writers (row lock + the domain’s transition) and where a connection is created', () => {
    expect(filesMatching(/UPDATE\s+connections\s+SET[^`]*aggregation_status/i, repositoryWrite('aggregationStatus'), /INSERT INTO connection_status_history/i, /forUser\(ConnectionStatusChange,[^)]*\)\.insert/)).toEqual([
      // Creation of a new connection with its first status and history row (no transition from nothing).
      'challenges/credential-login.service.ts',
      'connections/connect.service.ts',
      // The one writer: every move through nextAggregationStatus under the row lock.
      'sync/connection-status.ts',
    ]);
  });

  it('consent status is written only through the consent store, and where a consent is created or withdrawn', () => {
    expect(filesMatching(/\bsaveConsentStatus\(/, /UPDATE\s+consents\s+SET[^`]*\bstatus\b/i, /forUser\(Consent,[^)]*\)\.(?:update|updateOne|insert)\(/)).toEqual([
      'challenges/credential-login.service.ts', // a new consent (valid) after a credential login
      'connections/connect.service.ts', // a new consent (valid) after the redirect callback
      'consents/consents.service.ts', // the user's withdrawal (not yet moved into the one store)
      'sync/consent-store.ts', // the store
      'sync/outcome-store.ts', // the decision's consent change at a session's end
      'sync/sync-engine.ts', // expiry noticed before a run
      'sync/sync.service.ts', // expiry noticed when a sync is asked for
    ]);
  });

  it('account sync state (syncStatus, transactionSyncStatus, syncError, isActive) is written only through the account store, and where a consent covers accounts again or hides them', () => {
    expect(filesMatching(/\bsaveAccountState\(/, /\bsync_status\s*=/, /\bis_active\s*=/, repositoryWrite('isActive'), repositoryWrite('syncStatus'), repositoryWrite('syncError'))).toEqual([
      'challenges/credential-login.service.ts', // a new consent covers the accounts again (applyConsentChange granted)
      'connections/connect.service.ts', // the same after the redirect callback
      'consents/consents.service.ts', // the user's withdrawal hides them (applyConsentChange revoked)
      'sync/account-store.ts', // the store
      'sync/outcome-store.ts', // the decision's accounts outcome at a session's end (failure, hidden after a revocation)
      'sync/sync-engine.ts', // each account's session outcome as it settles; accounts no longer listed
    ]);
  });
});
