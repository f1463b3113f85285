import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Connected, bankUser, connectUser, credentialsOf, startSandbox, syncApp } from './harness';

// Issue 19 (PG): the API's start of a session (its connection's lock, the running-session check,
// the current consent, the session and stage rows, the job and its announcement) sends named
// prepared statements: each pooled connection parses them once, instead of on every session
// (TypeORM's query sends them unnamed, parsed and planned each time). Every statement the app sends to PostgreSQL while
// startSync runs is recorded at the pg client with its name, if any; the worker is not started.
describe('the API\'s start of a session: its statements are prepared', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let c: Connected;
  const sent: Array<{ text: string; named: boolean }> = [];
  let recording = false;
  const original = Client.prototype.query;

  beforeAll(async () => {
    db = await createTestDatabase();
    const user = bankUser('start-statements', [{ transactions: 5, historyDays: 30 }]);
    sandbox = await startSandbox([user]);
    app = await syncApp(db, sandbox);
    c = await connectUser(app, sandbox, credentialsOf(user));
    (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
      if (recording) {
        const q = args[0] as string | { text?: string; name?: string } | undefined;
        sent.push({ text: (typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim(), named: typeof q === 'object' && typeof q?.name === 'string' });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: unknown }).query = original;
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('sends its reads and writes as named statements (a new session, then the one running)', async () => {
    recording = true;
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const again = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    recording = false;
    expect(first.sessionIds).toHaveLength(1);
    expect(again.sessionIds).toEqual(first.sessionIds);
    const of = (pattern: RegExp): Array<{ named: boolean }> => sent.filter((s) => pattern.test(s.text)).map((s) => ({ named: s.named }));
    for (const [pattern, times] of [
      [/^SELECT c\.id, c\.connector_id, .* FOR UPDATE OF c$/, 2],
      [/^SELECT id FROM sync_sessions WHERE connection_id = \$1 .* LIMIT 1$/, 2],
      [/^SELECT id, status, invalidation_reason, .* FROM consents WHERE .* FOR NO KEY UPDATE$/, 1],
      [/^INSERT INTO sync_sessions /, 1],
      [/^INSERT INTO sync_stages /, 1],
      [/^INSERT INTO \S+\.job /, 1],
      [/^SELECT pg_notify\(/, 1],
    ] as const) {
      expect({ pattern: String(pattern), statements: of(pattern) }).toEqual({ pattern: String(pattern), statements: Array.from({ length: times }, () => ({ named: true })) });
    }
  });
});
