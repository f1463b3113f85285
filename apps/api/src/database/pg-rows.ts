import { types as pgTypes } from 'pg';
// @ts-expect-error -- pg's Result class (its package exports lib/*) has no type declarations
import PgResultModule from 'pg/lib/result';

/** A field of a RowDescription as pg hands it to its Result. */
interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format?: string;
}

/** The part of pg's (internal, but exported as `pg/lib/result`) Result class this file replaces. */
interface PgResult {
  fields: FieldDescription[];
  _parsers: Array<(value: unknown) => unknown> | undefined;
  _types: { getTypeParser(oid: number, format?: string): (value: unknown) => unknown } | undefined;
  _prebuiltEmptyResultObject: Record<string, null> | null;
  addFields(fieldDescriptions: FieldDescription[]): void;
  parseRow(rowData: unknown[]): Record<string, unknown>;
}

interface PgResultClass {
  readonly prototype: PgResult;
}

/** Marks a Result whose fields take pg's own path (a column named `__proto__`). */
const ORIGINAL_PATH = Symbol('kinko.pgOriginalRowPath');

let installed = false;

/**
 * pg builds each result's rows from a template object: per RowDescription (every execution of
 * a statement, prepared or not) it creates a null-prototype object with one key per column and
 * copies it (`{ ...template }`), and every row starts as another copy of it. A null-prototype
 * object is a dictionary for V8, and copying one takes its slow path: ~20 µs per result of 25
 * columns, the costliest function of the worker's own code in a daily refresh's profile (pg's
 * `addFields`, 2.4% of the worker). This replaces the template with the same rows built key
 * by key in column order: the same keys in the same order, the same parsers (the pool's
 * `types`, else pg-types'), `null` for NULL, a Buffer copy for a binary value, the last of
 * two columns of one name winning. A result with a column named `__proto__` (which a plain
 * object cannot take as a key by assignment) keeps pg's own path.
 *
 * Process-wide (pg's Result class is shared by every pool in the process: TypeORM's and
 * pg-boss's); idempotent. Called where the data source options are built.
 */
export function installFastPgRows(): void {
  if (installed) return;
  installed = true;
  const Result = PgResultModule as PgResultClass;
  const proto = Result.prototype;
  const originalAddFields = proto.addFields;
  const originalParseRow = proto.parseRow;
  if (typeof originalAddFields !== 'function' || typeof originalParseRow !== 'function') return; // not the pg this was written for: leave it

  proto.addFields = function addFields(this: PgResult & { [ORIGINAL_PATH]?: boolean }, fieldDescriptions: FieldDescription[]): void {
    if (fieldDescriptions.some((d) => d.name === '__proto__')) {
      this[ORIGINAL_PATH] = true;
      originalAddFields.call(this, fieldDescriptions);
      return;
    }
    this[ORIGINAL_PATH] = false;
    this.fields = fieldDescriptions;
    if (fieldDescriptions.length) this._parsers = new Array<(value: unknown) => unknown>(fieldDescriptions.length);
    const types = this._types ?? (pgTypes as unknown as NonNullable<PgResult['_types']>);
    for (let i = 0; i < fieldDescriptions.length; i++) {
      const desc = fieldDescriptions[i] as FieldDescription;
      (this._parsers as Array<(value: unknown) => unknown>)[i] = types.getTypeParser(desc.dataTypeID, desc.format || 'text');
    }
    this._prebuiltEmptyResultObject = null;
  };

  proto.parseRow = function parseRow(this: PgResult & { [ORIGINAL_PATH]?: boolean }, rowData: unknown[]): Record<string, unknown> {
    if (this[ORIGINAL_PATH] !== false) return originalParseRow.call(this, rowData);
    const row: Record<string, unknown> = {};
    const fields = this.fields;
    const parsers = this._parsers as Array<(value: unknown) => unknown>;
    for (let i = 0, len = rowData.length; i < len; i++) {
      const raw = rowData[i];
      const field = fields[i] as FieldDescription;
      row[field.name] = raw === null ? null : (parsers[i] as (value: unknown) => unknown)(field.format === 'binary' ? Buffer.from(raw as Buffer) : raw);
    }
    return row;
  };
}
