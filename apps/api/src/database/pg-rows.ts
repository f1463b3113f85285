import { types as pgTypes } from 'pg';
// @ts-expect-error -- pg's Result class (its package exports lib/*) has no type declarations
import PgResultModule from 'pg/lib/result';

/** A field of a RowDescription as pg hands it to its Result. */
interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format?: string;
}

type Parser = (value: unknown) => unknown;

/** The part of pg's (internal, but exported as `pg/lib/result`) Result class this file replaces. */
interface PgResult {
  fields: FieldDescription[];
  _parsers: Parser[] | undefined;
  _types: { getTypeParser(oid: number, format?: string): Parser } | undefined;
  _prebuiltEmptyResultObject: Record<string, null> | null;
  addFields(fieldDescriptions: FieldDescription[]): void;
}

/** Templates kept at most (one per distinct list of column names; statements are a bounded set). */
const MAX_TEMPLATES = 2_000;

let installed = false;

/**
 * pg builds each row by copying a template object of the result's columns (`{ ...template }`,
 * cheap: V8 clones an object of the same shape). But it builds that template again for every
 * result (every execution of a statement, prepared or not): a null-prototype object, a
 * dictionary for V8, filled key by key and copied — ~8 µs for 8 columns and ~15–20 µs for 25,
 * more than parsing the row itself (pg's `addFields`, 2.4% self of the worker's profile of a
 * daily refresh). The template depends on the column names only, so this keeps one per list
 * of names, built by pg's very construction, and hands the same one to every result of that
 * list; pg's `parseRow` is untouched (it copies the template, never writes to it). The
 * parsers are still taken per result from the result's `types` (the pool's, else pg-types').
 *
 * Process-wide (pg's Result class is shared by every pool in the process: TypeORM's and
 * pg-boss's); idempotent. Called where the data source options are built.
 */
export function installFastPgRows(): void {
  if (installed) return;
  installed = true;
  const proto = (PgResultModule as { prototype: PgResult }).prototype;
  if (typeof proto.addFields !== 'function' || typeof (proto as { parseRow?: unknown }).parseRow !== 'function') return; // not the pg this was written for
  const templates = new Map<string, Record<string, null>>();
  const defaultTypes = pgTypes as unknown as NonNullable<PgResult['_types']>;

  proto.addFields = function addFields(this: PgResult, fieldDescriptions: FieldDescription[]): void {
    // As pg's own: the fields, a parser per field, the row template.
    this.fields = fieldDescriptions;
    if (fieldDescriptions.length) this._parsers = new Array<Parser>(fieldDescriptions.length);
    const types = this._types ?? defaultTypes;
    let key = '';
    for (let i = 0; i < fieldDescriptions.length; i++) {
      const desc = fieldDescriptions[i] as FieldDescription;
      key += `${desc.name}\u0000`;
      (this._parsers as Parser[])[i] = types.getTypeParser(desc.dataTypeID, desc.format || 'text');
    }
    let template = templates.get(key);
    if (template === undefined) {
      const row = Object.create(null) as Record<string, null>;
      for (const desc of fieldDescriptions) row[desc.name] = null;
      template = { ...row };
      if (templates.size >= MAX_TEMPLATES) templates.clear();
      templates.set(key, template);
    }
    this._prebuiltEmptyResultObject = template;
  };
}
