import { types } from 'pg';

/** A type OID as pg-types declares it. */
type TypeId = Parameters<typeof types.getTypeParser>[0];

// PostgreSQL type OIDs (pg_type.oid), stable across versions.
const OID = { int8: 20, date: 1082, numeric: 1700, int8Array: 1016, dateArray: 1182, textArray: 1009 } as const;

const identity = (value: string): string => value;

/**
 * Type parsers for Kinko's connections, passed per pool (never set globally, so other pg
 * users in the process — pg-boss — keep their defaults):
 * - `date` stays the `YYYY-MM-DD` string: node-postgres would make a JS Date at local
 *   midnight, which shifts the bank's calendar day in any zone but UTC.
 * - `int8` and `numeric` stay strings (lossless); entities turn int8 into `bigint`.
 */
export const kinkoPgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (format !== 'binary') {
      if (oid === OID.date || oid === OID.int8 || oid === OID.numeric) return identity;
      if (oid === OID.dateArray || oid === OID.int8Array) return types.getTypeParser(OID.textArray as TypeId, 'text');
    }
    return format === 'binary' ? types.getTypeParser(oid as TypeId, 'binary') : types.getTypeParser(oid as TypeId, 'text');
  },
};

/**
 * A timestamptz a statement read back inside json (`row_to_json`, `json_build_object`: its
 * ISO text) as the Date pg would have parsed for the column itself; null for SQL NULL.
 */
export const instantOfJson = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);
