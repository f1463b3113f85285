import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { BankAccount } from '../accounts/bank-account.entity';
import { Connection } from '../connections/connection.entity';
import { Tenant } from '../tenants/tenant.entity';
import { Transaction } from '../transactions/transaction.entity';
import { User } from '../users/user.entity';
import {
  MIGRATIONS_TABLE,
  UnsupportedDatabaseError,
  assertSupportedServer,
  createKinkoDataSource,
  kinkoDataSourceOptions,
  runMigrations,
  unsupportedServerReason,
} from './data-source';
import { ENTITIES } from './entities';
import { newId } from './ids';
import { MIGRATIONS } from './migrations';

describe('the PostgreSQL version', () => {
  it('18 and newer are supported; older servers are refused with what to do', () => {
    expect(unsupportedServerReason(180_004, '18.4')).toBeUndefined();
    expect(unsupportedServerReason(190_000, '19.0')).toBeUndefined();
    const reason = unsupportedServerReason(170_006, '17.6');
    expect(reason).toContain('PostgreSQL 18 or newer');
    expect(reason).toContain('17.6');
    expect(reason).toContain('DATABASE_URL');
    expect(unsupportedServerReason(Number.NaN, 'unknown')).toContain('unknown');
  });

  it("accepts the server the tests run on (the embedded PostgreSQL 18), and refuses a data source that reports an older one", async () => {
    const db = await createTestDatabase({ empty: true });
    try {
      await expect(assertSupportedServer(db.dataSource)).resolves.toBeUndefined();
      const older = { query: async () => [{ num: 160_009, version: '16.9' }] } as unknown as typeof db.dataSource;
      await expect(assertSupportedServer(older)).rejects.toBeInstanceOf(UnsupportedDatabaseError);
    } finally {
      await db.drop();
    }
  });
});

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db?.drop());

  it('are every file of the migrations folder, in order', () => {
    const dir = path.join(__dirname, 'migrations');
    const files = fs.readdirSync(dir).filter((f) => /^\d+-\w+\.ts$/.test(f));
    const names = files.map((f) => f.replace(/^(\d+)-(\w+)\.ts$/, '$2$1')).sort((a, b) => Number(a.match(/\d+$/)?.[0]) - Number(b.match(/\d+$/)?.[0]));
    expect(MIGRATIONS.map((m) => m.name)).toEqual(names);
  });

  it('build, on an empty database, exactly the schema the entities describe', async () => {
    const applied = await runMigrations(db.dataSource);
    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    // What TypeORM would still change to match the entities: nothing.
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    const tables: { table_name: string }[] = await db.dataSource.query(
      "select table_name from information_schema.tables where table_schema = 'public' and table_name <> $1 order by 1",
      [MIGRATIONS_TABLE],
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual(ENTITIES.map((e) => db.dataSource.getMetadata(e).tableName).sort());
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect(await runMigrations(db.dataSource)).toEqual([]);
  });

  it('never synchronize the schema from the entities', () => {
    const options = kinkoDataSourceOptions('postgres://x@127.0.0.1/x');
    expect(options.synchronize).toBe(false);
    expect(options.migrationsRun).toBe(false);
  });
});

describe('column types', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('keep `date` a YYYY-MM-DD string and int8 lossless in raw queries', async () => {
    const [row] = (await db.dataSource.query(
      "select '2024-02-29'::date as d, 9007199254740993::int8 as big, array['2024-01-01'::date] as ds, count(*) as n from (values (1)) v",
    )) as { d: unknown; big: unknown; ds: unknown; n: unknown }[];
    expect(row).toEqual({ d: '2024-02-29', big: '9007199254740993', ds: ['2024-01-01'], n: '1' });
  });

  it('round-trip money beyond 2^53 as bigint and bank dates as strings through entities', async () => {
    const ds = db.dataSource;
    const tenantId = newId();
    const userId = newId();
    const connectionId = newId();
    const accountId = newId();
    await ds.getRepository(Tenant).insert({ id: tenantId, name: 't' });
    await ds.getRepository(User).insert({ id: userId, tenantId, externalId: 'u' });
    await ds.getRepository(Connection).insert({ id: connectionId, tenantId, userId, connectorId: 'c', bankId: 'c', aggregationStatus: 'success', aggregationStatusChangedAt: new Date() });
    await ds.getRepository(BankAccount).insert({ id: accountId, tenantId, userId, connectionId, bankAccountId: 'a', currencyCode: 'JPY', importDate: new Date(), lastTransactionDate: '2026-03-31' });
    const id = newId();
    const huge = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a JS number
    await ds.getRepository(Transaction).insert({
      id,
      tenantId,
      userId,
      accountId,
      bankTransactionId: 'b1',
      kind: 'booked',
      transactionDate: '2026-03-31',
      listedDate: '2026-03-31',
      amountMinor: -huge,
      currencyCode: 'JPY',
      balanceAfterMinor: huge,
      lastFetchedAt: new Date(),
    });
    const read = await ds.getRepository(Transaction).findOneByOrFail({ userId, accountId, id });
    expect(read.amountMinor).toBe(-huge);
    expect(read.balanceAfterMinor).toBe(huge);
    expect(read.transactionDate).toBe('2026-03-31');
    expect((await ds.getRepository(BankAccount).findOneByOrFail({ id: accountId })).lastTransactionDate).toBe('2026-03-31');
  });

  it('use one pool configuration that never changes pg globals', async () => {
    const other = createKinkoDataSource(db.url, { quiet: true });
    await other.initialize();
    try {
      // A plain pg client (as pg-boss uses) still gets node-postgres' defaults.
      const { Client } = await import('pg');
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query("select '2024-02-29'::date as d");
      await client.end();
      expect(rows[0].d).toBeInstanceOf(Date);
    } finally {
      await other.destroy();
    }
  });
});
