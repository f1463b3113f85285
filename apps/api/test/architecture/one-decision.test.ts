import { describe, expect, it } from '@jest/globals';
import { bankErrorTags } from '@kinko/domain';
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

// A write through a repository of the entity, however it is reached (forUser, getRepository, a manager).
const entityWrite = (entity: string): RegExp => new RegExp(String.raw`(?:forUser|getRepository)\(\s*${entity}\b[^)]*\)\.(?:insert|update|updateOne|save|upsert)\(|\.(?:insert|update|save|upsert)\(\s*${entity}\s*,`);

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

  it('no switch over the connector error’s tags outside the domain (an error→status or error→problem mapping): every outcome is read from decide()', () => {
    const tagCase = new RegExp(String.raw`case\s+'(?:${bankErrorTags.join('|')})'\s*:`);
    expect(filesMatching(tagCase)).toEqual([]);
    // The one outcome→HTTP problem rule (refusalProblemOf, from the decision) is defined once.
    expect(filesMatching(/function refusalProblemOf\b/)).toEqual(['sync/sync-failures.ts']);
  });

  it('aggregation_status is written only by the one store (row lock + the domain’s transition; a new connection’s first status)', () => {
    expect(
      filesMatching(
        /UPDATE\s+connections\s+SET[^`]*(?:aggregation_status|deactivated)/i,
        /INSERT\s+INTO\s+connections\b/i,
        repositoryWrite('aggregationStatus'),
        repositoryWrite('deactivated'),
        entityWrite('Connection'),
        /INSERT INTO connection_status_history/i,
        entityWrite('ConnectionStatusChange'),
      ),
    ).toEqual([
      // The one writer: every move through nextAggregationStatus under the row lock; createConnection.
      'sync/connection-status.ts',
    ]);
  });

  it('consent status is written only through the consent store, and where a consent is created or withdrawn', () => {
    expect(filesMatching(/\bsaveConsentStatus\(/, /\binsertConsent\(/, /UPDATE\s+consents\s+SET/i, /INSERT\s+INTO\s+consents\b/i, entityWrite('Consent'), entityWrite('ConsentRow'))).toEqual([
      'sync/consent-store.ts', // the store
      'sync/outcome-store.ts', // applies the decisions: a session's end, withdrawal, expiry, a new consent
    ]);
  });

  it('account sync state (syncStatus, transactionSyncStatus, syncError, isActive) is written only through the account store, and where a consent covers accounts again or hides them', () => {
    expect(
      filesMatching(
        /\bsaveAccountState\(/,
        /\bcoverAccounts\(/,
        /\bsync_status\s*=/,
        /\bis_active\s*=/,
        /\bsync_error\s*=/,
        repositoryWrite('isActive'),
        repositoryWrite('syncStatus'),
        repositoryWrite('syncError'),
        repositoryWrite('transactionSyncStatus'),
      ),
    ).toEqual([
      'sync/account-store.ts', // the store
      'sync/outcome-store.ts', // applies the decisions: a session's end, accounts listed, each account's outcome, withdrawal, a new consent
    ]);
  });
});
