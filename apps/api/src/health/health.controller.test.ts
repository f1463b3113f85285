import { describe, expect, it } from '@jest/globals';
import { createTestApp } from '../../test/support/test-app';
import { adminQuery, createTestDatabase } from '../../test/support/test-database';
import { problemType } from '../http/problem';

describe('GET /health', () => {
  it('is 200 while the database answers and 503 problem+json once it does not', async () => {
    const db = await createTestDatabase();
    const app = await createTestApp(db);
    try {
      const up = await app.inject({ method: 'GET', url: '/health' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toEqual({ status: 'ok', database: 'up' });

      // The database goes away under the running app.
      await db.dataSource.destroy();
      await adminQuery(`drop database ${db.name} with (force)`);
      const down = await app.inject({ method: 'GET', url: '/health' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ type: problemType('service-unavailable'), detail: 'The database is not reachable.' });
    } finally {
      await app.close();
    }
  });
});
