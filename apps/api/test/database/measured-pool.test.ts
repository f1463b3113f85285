import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createKinkoDataSource } from '../../src/database/data-source';
import { MeasuredPool } from '../../src/database/measured-pool';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The pg Pool under a TypeORM data source (the postgres driver's `master`). */
const poolOf = (dataSource: DataSource): unknown => (dataSource.driver as unknown as { master?: unknown }).master;

describe("the app's database pool counts waits for a connection and time held", () => {
  let db: TestDatabase;
  let one: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    one = createKinkoDataSource(db.url, { poolSize: 1, applicationName: 'kinko-test', quiet: true });
    await one.initialize();
  });
  afterAll(async () => {
    await one?.destroy();
    await db?.drop();
  });

  it('the data source runs on a MeasuredPool of its pool size', () => {
    const pool = poolOf(one);
    expect(pool).toBeInstanceOf(MeasuredPool);
    expect((pool as MeasuredPool).usage()).toMatchObject({ max: 1, waiting: 0 });
  });

  it('a statement while the only connection is held waits for it: one wait, counted with its time', async () => {
    const pool = poolOf(one) as MeasuredPool;
    await one.query('SELECT 1');
    const before = pool.usage();
    expect(before.waited).toBe(0);

    const runner = one.createQueryRunner();
    await runner.connect(); // holds the pool's only connection
    const pending = one.query('SELECT 2 AS two');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.usage().waiting).toBe(1);
    await runner.release();
    await expect(pending).resolves.toEqual([{ two: 2 }]);

    const after = pool.usage();
    expect(after.checkouts - before.checkouts).toBe(2); // the runner's and the statement's
    expect(after.waited - before.waited).toBe(1); // the statement's only
    expect(after.waitSeconds - before.waitSeconds).toBeGreaterThan(0.02); // it waited the ~30 ms the runner held on
    expect(after.heldSeconds - before.heldSeconds).toBeGreaterThan(0.02);
    expect(after).toMatchObject({ waiting: 0, open: 1, idle: 1 });
  });

  it('a caller that an idle connection serves is not counted as waiting, even in the tick before it gets it', async () => {
    const pool = poolOf(one) as MeasuredPool;
    await one.query('SELECT 1');
    expect(pool.usage()).toMatchObject({ idle: 1, waiting: 0 });
    // pg queues the caller and hands it the idle connection on the next tick.
    const asked = pool.connect();
    expect(pool.usage().waiting).toBe(0);
    const client = await asked;
    client.release();
    expect(pool.usage()).toMatchObject({ waiting: 0, idle: 1 });
  });

  it('the promise form of connect is counted too', async () => {
    const pool = poolOf(one) as MeasuredPool;
    const before = pool.usage();
    const client = await pool.connect();
    expect(pool.usage()).toMatchObject({ checkouts: before.checkouts + 1, idle: 0 });
    client.release();
    expect(pool.usage().heldSeconds).toBeGreaterThan(before.heldSeconds);
  });
});
