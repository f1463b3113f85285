import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
// @ts-expect-error -- pg's own parameter encoder (its package exports lib/*) has no type declarations
import * as pgUtils from 'pg/lib/utils';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { arrayParam, preparedQuery } from './prepared-sql';

/** Strings with what an array literal must escape or quote: quotes, backslashes, commas, braces, spaces, NULL, non-ASCII. */
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', 'a', 'N', 'U', 'L', '銀', '\n', "'") }),
  fc.constantFrom('', 'NULL', 'null', '""', '\\\\', '{}', ' x '),
);
/** What pg sends for a parameter value. */
const prepareValue = (pgUtils as { prepareValue(value: unknown): unknown }).prepareValue;

const element = fc.oneof(tricky, fc.integer(), fc.double(), fc.boolean(), fc.bigInt(), fc.constant(null), fc.constant(undefined));

describe('array parameters of prepared statements', () => {
  it("encode to exactly the literal pg's own encoder sends (strings, numbers, booleans, bigints, nulls)", () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 30 }), (values) => {
        expect(arrayParam(values)).toBe(prepareValue(values));
      }),
      { numRuns: 2000 },
    );
  });

  it('leave any other element (dates, objects, nested arrays) to pg', () => {
    expect(arrayParam(['a', new Date(0)])).toBeUndefined();
    expect(arrayParam([{ a: 1 }])).toBeUndefined();
    expect(arrayParam([['a']])).toBeUndefined();
    expect(arrayParam([Buffer.from('x')])).toBeUndefined();
  });

  describe('against PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ empty: true });
    });
    afterAll(async () => {
      await db.drop();
    });

    it('arrive as the values sent: text, bigint, uuid and date arrays with nulls, and arrays left to pg', async () => {
      const texts = ['plain', 'quote " inside', 'back\\slash', '\\"both\\"', 'comma, {brace}', ' spaced ', 'NULL', '', '株式会社 銀行', 'line\nbreak', null];
      const numbers = [0, -1, 1_234_567_890_123, null, 42];
      const ids = ['0190b4a8-7c3e-7f00-8000-000000000001', null];
      const dates = ['2026-12-07', '2024-02-29', null];
      const stamps = [new Date('2026-12-07T05:00:00.000Z')];
      const rows = await preparedQuery<{ t: Array<string | null>; n: Array<string | null>; u: Array<string | null>; d: Array<string | null>; s: string[] }>(
        db.dataSource.manager,
        'SELECT $1::text[] AS t, $2::bigint[]::text[] AS n, $3::uuid[]::text[] AS u, $4::date[]::text[] AS d, $5::timestamptz[] AS s',
        [texts, numbers, ids, dates, stamps],
      );
      expect(rows[0]?.t).toEqual(texts);
      expect(rows[0]?.n).toEqual(numbers.map((n) => (n === null ? null : String(n))));
      expect(rows[0]?.u).toEqual(ids);
      expect(rows[0]?.d).toEqual(dates);
      expect(rows[0]?.s).toEqual(stamps);
    });

    it('an empty array and a single empty string stay what they are', async () => {
      const rows = await preparedQuery<{ empty: number | null; one: string[] }>(
        db.dataSource.manager,
        'SELECT cardinality($1::text[]) AS empty, $2::text[] AS one',
        [[], ['']],
      );
      expect(rows[0]).toEqual({ empty: 0, one: [''] });
    });
  });
});
