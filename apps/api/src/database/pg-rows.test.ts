import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { Client, types } from 'pg';
// @ts-expect-error -- pg's Result class (its package exports lib/*) has no type declarations
import PgResult from 'pg/lib/result';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { kinkoDataSourceOptions } from './data-source';
import { installFastPgRows } from './pg-rows';
import { kinkoPgTypes } from './pg-types';

interface Field {
  name: string;
  dataTypeID: number;
  format: string;
}
interface ResultLike {
  _prebuiltEmptyResultObject: unknown;
  addFields(fields: Field[]): void;
  parseRow(row: unknown[]): Record<string, unknown>;
}
type ResultClass = new (rowMode?: string, types?: unknown) => ResultLike;

/** pg's own Result, loaded afresh (a module registry of its own): the rows it builds are the reference. */
function pristineResult(): ResultClass {
  let loaded: ResultClass | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second, unpatched copy of the module
    loaded = require('pg/lib/result') as ResultClass;
  });
  if (!loaded || loaded === (PgResult as ResultClass)) throw new Error('could not load a separate copy of pg/lib/result');
  return loaded;
}

// text, int4, int8, date, timestamptz, jsonb, bool, numeric, bytea, text[]
const OIDS = [25, 23, 20, 1082, 1184, 3802, 16, 1700, 17, 1009] as const;
const VALUE_OF: Record<number, fc.Arbitrary<string>> = {
  25: fc.string(),
  23: fc.integer().map(String),
  20: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  1082: fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  1184: fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00')),
  3802: fc.json(),
  16: fc.constantFrom('t', 'f'),
  1700: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  17: fc.uint8Array({ maxLength: 8 }).map((b) => `\\x${Buffer.from(b).toString('hex')}`),
  1009: fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '銀') }), { maxLength: 3 }).map((a) => `{${a.map((x) => `"${x}"`).join(',')}}`),
};
/** Column names, with duplicates and integer-like names among them (their order and the last-one-wins rule matter). */
const NAME = fc.constantFrom('id', 'a', 'b', 'tenant_id', 'details', '1', '10', 'constructor', 'toString', 'hasOwnProperty', 'x y', '');

const columns = fc.array(fc.record({ name: NAME, oid: fc.constantFrom(...OIDS) }), { minLength: 0, maxLength: 12 });
const rowsOf = (cols: Array<{ oid: number }>) =>
  fc.array(fc.tuple(...cols.map((c) => fc.option(VALUE_OF[c.oid] as fc.Arbitrary<string>, { nil: null }))), { maxLength: 4 });

describe('pg rows with one row template per column list (installFastPgRows)', () => {
  it('is installed where the data source options are built, and builds the row template of a column list once', () => {
    // Nothing else in this file installed it before: building the options does.
    kinkoDataSourceOptions('postgres://localhost/x', { quiet: true });
    const fields = () => [
      { name: 'a', dataTypeID: 25, format: 'text' },
      { name: 'b', dataTypeID: 23, format: 'text' },
    ];
    const first = new (PgResult as ResultClass)(undefined, kinkoPgTypes);
    const second = new (PgResult as ResultClass)(undefined, kinkoPgTypes);
    first.addFields(fields());
    second.addFields(fields());
    expect(first._prebuiltEmptyResultObject).toEqual({ a: null, b: null });
    expect(second._prebuiltEmptyResultObject).toBe(first._prebuiltEmptyResultObject);
    // pg's own builds one per result (the cost this removes: a null-prototype dictionary filled and copied each time).
    const Reference = pristineResult();
    const theirs = [new Reference(undefined, kinkoPgTypes), new Reference(undefined, kinkoPgTypes)];
    for (const r of theirs) r.addFields(fields());
    expect(theirs[1]?._prebuiltEmptyResultObject).not.toBe(theirs[0]?._prebuiltEmptyResultObject);
    // Rows never share the template: each is a copy.
    const row = first.parseRow(['x', '1']);
    row['a'] = 'changed';
    expect(second.parseRow([null, '2'])).toEqual({ a: null, b: 2 });
  });

  it('builds exactly the rows pg builds: keys and their order, values, NULLs, duplicate names, parsers of the pool or pg-types', () => {
    const Reference = pristineResult();
    const Patched = PgResult as ResultClass;
    fc.assert(
      fc.property(
        columns.chain((cols) => fc.tuple(fc.constant(cols), rowsOf(cols), fc.constantFrom<unknown>(kinkoPgTypes, undefined, types))),
        ([cols, rows, poolTypes]) => {
          const fields: Field[] = cols.map((c) => ({ name: c.name, dataTypeID: c.oid, format: 'text' }));
          const mine = new Patched(undefined, poolTypes);
          const theirs = new Reference(undefined, poolTypes);
          mine.addFields(fields.map((f) => ({ ...f })));
          theirs.addFields(fields.map((f) => ({ ...f })));
          for (const row of rows) {
            const a = mine.parseRow([...row]);
            const b = theirs.parseRow([...row]);
            expect(Object.keys(a)).toEqual(Object.keys(b));
            // Key by key (a column may be named `constructor`, which toStrictEqual reads as the row's type).
            for (const key of Object.keys(b)) expect(a[key]).toStrictEqual(b[key]);
            expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    const before = (PgResult as { prototype: ResultLike }).prototype.addFields;
    installFastPgRows();
    expect((PgResult as { prototype: ResultLike }).prototype.addFields).toBe(before);
  });

  it('takes a column named __proto__ as pg does (an own key, not the prototype)', () => {
    const result = new (PgResult as ResultClass)(undefined, kinkoPgTypes);
    result.addFields([
      { name: '__proto__', dataTypeID: 25, format: 'text' },
      { name: 'a', dataTypeID: 23, format: 'text' },
    ]);
    const row = result.parseRow(['x', '1']);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row['a']).toBe(1);
  });

  describe('against PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ empty: true });
    });
    afterAll(() => db.drop());

    const SQL = `SELECT 1::int AS n, 'x'::text AS t, NULL::text AS none, 9007199254740993::int8 AS big, '2026-12-07'::date AS d,
                        '2026-12-07 10:00:00+00'::timestamptz AS at, '{"k":[1,"v"]}'::jsonb AS j, '\\x0102'::bytea AS raw,
                        ARRAY['a','b']::text[] AS arr, 2 AS n, $1::text AS "__proto__"`;

    it('rows of the data source’s pool (kinko types), of a named prepared statement run twice, and as arrays', async () => {
      const expected = {
        n: 2,
        t: 'x',
        none: null,
        big: '9007199254740993',
        d: '2026-12-07',
        at: new Date('2026-12-07T10:00:00Z'),
        j: { k: [1, 'v'] },
        raw: Buffer.from([1, 2]),
        arr: ['a', 'b'],
      };
      for (let i = 0; i < 2; i += 1) {
        const [row] = (await db.dataSource.query(SQL.replace('$1::text AS "__proto__"', `'p'::text AS p`))) as Array<Record<string, unknown>>;
        expect(row).toStrictEqual({ ...expected, p: 'p' });
      }
      const client = new Client({ connectionString: db.url, types: kinkoPgTypes });
      await client.connect();
      try {
        for (let i = 0; i < 2; i += 1) {
          const named = await client.query({ name: 'pg_rows_test', text: SQL, values: ['v'] });
          const [row] = named.rows as Array<Record<string, unknown>>;
          expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('v');
          expect(row).toMatchObject(expected);
        }
        const arrays = await client.query({ text: `SELECT 1::int AS a, NULL::date AS b, '2026-01-02'::date AS c`, rowMode: 'array' });
        expect(arrays.rows).toEqual([[1, null, '2026-01-02']]);
      } finally {
        await client.end();
      }
    });
  });
});
