import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE, SyncQueue } from '../../src/sync/sync-queue';
import { WEBHOOK_QUEUE } from '../../src/webhooks/tenant-events';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// An API process and a worker process (or two workers) start together on a fresh database:
// each creates pg-boss's schema and its queues (sync, dead-letter, webhooks) at boot. pg-boss
// creates a table per queue and attaches it to shared tables, so two processes creating
// different queues at once could deadlock, and the loser died at boot. Real PostgreSQL and
// pg-boss; each round uses a queue schema of its own, so pg-boss and its queues are created
// fresh by apps booting at once.

const ROUNDS = 4;
const APPS = 3;

describe('apps booting at once on a fresh database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(`${APPS} apps booted at once create pg-boss and its queues, none fails (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const queueSchema = `boot_${round}_${Date.now().toString(36)}`;
      const booted = await Promise.allSettled(Array.from({ length: APPS }, () => createTestApp(db, { syncSettings: { queueSchema } })));
      const apps = booted.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []));
      await Promise.all(apps.map((app: NestFastifyApplication) => app.close()));
      const failures = booted.flatMap((b) => (b.status === 'rejected' ? [b.reason instanceof Error ? b.reason.message : String(b.reason)] : []));
      expect({ round, failures }).toEqual({ round, failures: [] });
      const queues = await db.dataSource.query<{ name: string }[]>(`SELECT name FROM "${queueSchema}".queue ORDER BY name`);
      expect(queues.map((q) => q.name)).toEqual([SYNC_QUEUE, SYNC_DEAD_LETTER_QUEUE, WEBHOOK_QUEUE].sort());
    }
  }, 240_000);

  it('any other error creating a queue (not a deadlock) fails at once with a message naming the queue', async () => {
    const app = await createTestApp(db, { syncSettings: { queueSchema: `boot_bad_${Date.now().toString(36)}` } });
    try {
      // Its dead-letter queue does not exist: PostgreSQL's foreign key refuses it.
      const t0 = Date.now();
      await expect(app.get(SyncQueue).ensureQueue('kinko-orphan', { name: 'kinko-orphan', policy: 'standard', deadLetter: 'kinko-missing' })).rejects.toThrow(
        /could not create or update the pg-boss queue "kinko-orphan" in schema boot_bad_\w+: .*foreign key/,
      );
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await app.close();
    }
  }, 60_000);
});
